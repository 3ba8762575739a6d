-- Each full-year claim on a trade level, growth rate, share or rank, with the IMF DOTS figure for
-- it as the claim's reporter reports it and, for levels and growth, as its partner mirrors it
-- (partner's exports = reporter's imports; turnover is the same flow on both sides).
with claims as (
    select * from {{ ref('stg_claims__claims') }}
    where period_kind = 'year'
      and metric in (
        'turnover', 'exports', 'imports', 'turnover_yoy_pct', 'exports_yoy_pct', 'imports_yoy_pct',
        'partner_share_pct', 'import_share_pct', 'export_share_pct', 'partner_rank', 'import_rank', 'export_rank'
      )
),

wanted as (
    select
        claim_id,
        reporter_iso3,
        partner_iso3,
        year(period_start) as year,
        case
            when metric in ('turnover', 'exports', 'imports') then metric
            when metric like '%!_yoy!_pct' escape '!' then replace(metric, '_yoy_pct', '')
            when metric in ('partner_share_pct', 'partner_rank') then 'turnover'
            when metric in ('import_share_pct', 'import_rank') then 'imports'
            when metric in ('export_share_pct', 'export_rank') then 'exports'
        end as flow,
        case
            when metric in ('turnover', 'exports', 'imports') then 'value_usd'
            when metric like '%!_yoy!_pct' escape '!' then 'yoy_pct'
            when metric like '%!_share!_pct' escape '!' then 'share_pct'
            else 'rank'
        end as measure
    from claims
),

pairs as (
    -- the claimed pairs in both directions (own and mirror series): only their series are read
    select reporter_iso3, partner_iso3 from wanted
    union
    select partner_iso3, reporter_iso3 from wanted
),

series as (
    -- restricted to the claimed pairs before the join: partner shares and growth hold every pair of
    -- every reporter (10 million rows each at all-DOTS scale) and this view serves ~100 claims
    select
        s.source, s.reporter_iso3, s.partner_iso3, s.flow, s.year,
        s.value_usd, g.yoy_pct, s.share_pct, cast(s.rank as double) as rank
    from {{ ref('partner_shares') }} s
    join pairs p on p.reporter_iso3 = s.reporter_iso3 and p.partner_iso3 = s.partner_iso3
    left join (
        select g.*
        from {{ ref('trade_growth') }} g
        join pairs p on p.reporter_iso3 = g.reporter_iso3 and p.partner_iso3 = g.partner_iso3
        where g.source = 'imf_dots'
    ) g on g.source = s.source and g.reporter_iso3 = s.reporter_iso3 and g.partner_iso3 = s.partner_iso3
        and g.flow = s.flow and g.year = s.year
    where s.source = 'imf_dots'
),

matched as (
    select
        w.claim_id,
        w.flow,
        w.measure,
        w.year,
        case w.measure
            when 'value_usd' then own.value_usd when 'yoy_pct' then own.yoy_pct
            when 'share_pct' then own.share_pct else own.rank
        end as reporter_value,
        case w.measure
            when 'value_usd' then mirror.value_usd when 'yoy_pct' then mirror.yoy_pct
        end as mirror_value,
        'IMF DOTS, as ' || w.reporter_iso3 || ' reports' as reporter_series,
        case when w.measure in ('value_usd', 'yoy_pct') then 'IMF DOTS, as ' || w.partner_iso3 || ' reports' end as mirror_series
    from wanted w
    left join series own
        on own.reporter_iso3 = w.reporter_iso3 and own.partner_iso3 = w.partner_iso3
        and own.flow = w.flow and own.year = w.year
    left join series mirror
        on mirror.reporter_iso3 = w.partner_iso3 and mirror.partner_iso3 = w.reporter_iso3
        and mirror.flow = case w.flow when 'exports' then 'imports' when 'imports' then 'exports' else w.flow end
        and mirror.year = w.year
)

select * from matched
where reporter_value is not null or mirror_value is not null
