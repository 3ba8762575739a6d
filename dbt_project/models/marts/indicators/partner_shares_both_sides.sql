-- For each reporter R, year and flow: every partner country P as R reports the trade (value,
-- share, rank: marts.partner_shares) beside the same trade as P reports it (the mirror: P's
-- exports to R are R's imports from P, P's imports from R are R's exports to P, P's turnover with
-- R is R's turnover with P), P's rank among the partners that report, the difference of the two
-- ranks and how many of R's partners reported at all.
-- Partners are countries only (as ranked in partner_shares); R is a country or a historical entity.
with entities as (
    select iso3, entity_type from {{ ref('dim_countries') }}
),

own as (
    select s.source, s.reporter_iso3, s.partner_iso3, s.year, s.flow, s.value_usd, s.share_pct, s.rank
    from {{ ref('partner_shares') }} s
    join entities e on e.iso3 = s.reporter_iso3 and e.entity_type in ('country', 'historical')
    where s.partner_entity_type = 'country'
),

mirror as (
    select
        f.source,
        f.partner_iso3 as reporter_iso3,
        f.reporter_iso3 as partner_iso3,
        f.year,
        case f.flow when 'exports' then 'imports' when 'imports' then 'exports' else f.flow end as flow,
        f.value_usd
    from {{ ref('int_trade_turnover_computed') }} f
    join entities e on e.iso3 = f.reporter_iso3 and e.entity_type = 'country'
    where f.partner_entity_type in ('country', 'historical')
),

world as (
    select * from {{ ref('int_reporter_totals_selected') }}
),

joined as (
    select
        coalesce(o.source, m.source) as source,
        coalesce(o.reporter_iso3, m.reporter_iso3) as reporter_iso3,
        coalesce(o.partner_iso3, m.partner_iso3) as partner_iso3,
        coalesce(o.year, m.year) as year,
        coalesce(o.flow, m.flow) as flow,
        o.value_usd as own_value_usd,
        o.share_pct as own_share_pct,
        o.rank as own_rank,
        m.value_usd as mirror_value_usd
    from own o
    full outer join mirror m
        on m.source = o.source and m.reporter_iso3 = o.reporter_iso3 and m.partner_iso3 = o.partner_iso3
        and m.year = o.year and m.flow = o.flow
),

ranked as (
    select
        j.*,
        w.reporter_total_usd,
        case when j.mirror_value_usd is not null then
            rank() over (
                partition by j.source, j.reporter_iso3, j.year, j.flow
                order by j.mirror_value_usd desc nulls last
            )
        end as mirror_rank,
        sum(j.mirror_value_usd) over p as mirror_total_usd,
        count(j.own_value_usd) over p as own_partners,
        count(j.mirror_value_usd) over p as partners_reporting,
        count(case when j.own_value_usd is not null and j.mirror_value_usd is not null then 1 end) over p
            as own_partners_reporting
    from joined j
    left join world w
        on w.source = j.source and w.reporter_iso3 = j.reporter_iso3 and w.flow = j.flow and w.year = j.year
    window p as (partition by j.source, j.reporter_iso3, j.year, j.flow)
),

final as (
    select
        source,
        reporter_iso3,
        partner_iso3,
        year,
        flow,
        reporter_total_usd,
        own_value_usd,
        own_share_pct,
        own_rank,
        mirror_value_usd,
        case when reporter_total_usd > 0 then 100.0 * mirror_value_usd / reporter_total_usd end as mirror_share_pct,
        mirror_total_usd,
        case when mirror_total_usd > 0 then 100.0 * mirror_value_usd / mirror_total_usd end
            as mirror_share_of_reporting_pct,
        mirror_rank,
        own_rank - mirror_rank as rank_disagreement,
        mirror_value_usd - own_value_usd as mirror_minus_own_usd,
        own_partners,
        partners_reporting,
        own_partners_reporting
    from ranked
)

select * from final
