{{ config(materialized='table') }}
-- A table, not a view: partner_shares_both_sides, trade_indicators, partner_group_shares and
-- partner_reporting_coverage all read it, and its rank window and full join over every partner
-- figure (5.4 million rows at all-DOTS scale) would otherwise run once per reader. Narrow on
-- purpose: shares and per-reporter counts are derived from it where they are read.
-- For each reporter R, year and flow, every partner country P: R's own figure and P's rank in it
-- (marts.partner_shares), and P's own figure of the same trade (the mirror: P's exports to R are
-- R's imports from P, P's imports from R are R's exports to P, P's turnover with R is R's turnover
-- with P) with P's rank among the partners that report. Partners are countries only (as ranked in
-- partner_shares); R is a country or a historical entity; the mirror comes from countries.
with entities as (
    select iso3, entity_type from {{ ref('dim_countries') }}
),

own as (
    select s.source, s.reporter_iso3, s.partner_iso3, s.year, s.flow, s.value_usd, s.rank
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

paired as (
    select
        coalesce(o.source, m.source) as source,
        coalesce(o.reporter_iso3, m.reporter_iso3) as reporter_iso3,
        coalesce(o.partner_iso3, m.partner_iso3) as partner_iso3,
        coalesce(o.year, m.year) as year,
        coalesce(o.flow, m.flow) as flow,
        o.value_usd as own_value_usd,
        o.rank as own_rank,
        m.value_usd as mirror_value_usd,
        m.mirror_rank
    from own o
    full outer join mirror m
        on m.source = o.source and m.reporter_iso3 = o.reporter_iso3 and m.partner_iso3 = o.partner_iso3
        and m.year = o.year and m.flow = o.flow
)

select * from paired
