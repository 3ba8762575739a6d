-- For each reporter R, year and flow: every partner country P as R reports the trade (value,
-- share, rank: marts.partner_shares) beside the same trade as P reports it (the mirror: P's
-- exports to R are R's imports from P, P's imports from R are R's exports to P, P's turnover with
-- R is R's turnover with P), P's rank among the partners that report, the difference of the two
-- ranks and how many of R's partners reported at all.
-- Partners are countries only (as ranked in partner_shares); R is a country or a historical entity.
-- Cost: one rank window over the mirror figures only (narrow rows), one full join on the
-- (source, reporter, partner, year, flow) key, per-partition counts by a grouped aggregate.
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
        f.value_usd,
        rank() over (
            partition by f.source, f.partner_iso3, f.year, f.flow
            order by f.value_usd desc
        ) as mirror_rank
    from {{ ref('int_trade_turnover_computed') }} f
    join entities e on e.iso3 = f.reporter_iso3 and e.entity_type = 'country'
    where f.partner_entity_type in ('country', 'historical')
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
        m.value_usd as mirror_value_usd,
        m.mirror_rank
    from own o
    full outer join mirror m
        on m.source = o.source and m.reporter_iso3 = o.reporter_iso3 and m.partner_iso3 = o.partner_iso3
        and m.year = o.year and m.flow = o.flow
),

counts as (
    select
        source,
        reporter_iso3,
        year,
        flow,
        sum(mirror_value_usd) as mirror_total_usd,
        count(own_value_usd) as own_partners,
        count(mirror_value_usd) as partners_reporting,
        count(case when own_value_usd is not null and mirror_value_usd is not null then 1 end) as own_partners_reporting
    from joined
    group by source, reporter_iso3, year, flow
),

world as (
    select * from {{ ref('int_reporter_totals_selected') }}
),

final as (
    select
        j.source,
        j.reporter_iso3,
        j.partner_iso3,
        j.year,
        j.flow,
        w.reporter_total_usd,
        j.own_value_usd,
        j.own_share_pct,
        j.own_rank,
        j.mirror_value_usd,
        case when w.reporter_total_usd > 0 then 100.0 * j.mirror_value_usd / w.reporter_total_usd end as mirror_share_pct,
        c.mirror_total_usd,
        case when c.mirror_total_usd > 0 then 100.0 * j.mirror_value_usd / c.mirror_total_usd end
            as mirror_share_of_reporting_pct,
        j.mirror_rank,
        j.own_rank - j.mirror_rank as rank_disagreement,
        c.own_partners,
        c.partners_reporting,
        c.own_partners_reporting
    from joined j
    join counts c
        on c.source = j.source and c.reporter_iso3 = j.reporter_iso3 and c.year = j.year and c.flow = j.flow
    left join world w
        on w.source = j.source and w.reporter_iso3 = j.reporter_iso3 and w.flow = j.flow and w.year = j.year
)

select * from final
