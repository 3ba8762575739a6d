{{ config(**partitioned_by_reporter()) }}
-- depends_on: {{ ref('int_trade_partitions') }}
-- A table, not a view: shares, growth and the World totals all read it. Incremental by source and
-- reporter (macros/trade_partitions.sql).
-- Total-product annual exports and imports per reporter × partner × year, with turnover (exports + imports)
-- added as a third flow. Turnover exists when at least one of the two flows is recorded with the
-- partner, and only for reporter-years for which the source records both flows at all: a source
-- that delivers exports only (the IMF IMTS matrix, UN Comtrade trade matrices) has no turnover,
-- never one that is really its exports.
with flows as (
    select source, reporter_iso3, partner_iso3, partner_entity_type, flow, year, value_usd, is_estimate, release
    from {{ ref('int_trade_flows_unioned') }}
    where product_code = 'TOTAL'
      and flow in ('exports', 'imports')
      and period = cast(year as {{ dbt.type_string() }})  -- annual figures only
      and {{ in_changed_partitions() }}
),

both_flows as (
    select source, reporter_iso3, year
    from flows
    group by source, reporter_iso3, year
    having count(distinct flow) = 2
),

turnover as (
    select
        f.source,
        f.reporter_iso3,
        f.partner_iso3,
        any_value(f.partner_entity_type) as partner_entity_type,
        'turnover' as flow,
        f.year,
        sum(f.value_usd) as value_usd,
        bool_or(f.is_estimate) as is_estimate,
        max(f.release) as release
    from flows f
    join both_flows b on b.source = f.source and b.reporter_iso3 = f.reporter_iso3 and b.year = f.year
    group by f.source, f.reporter_iso3, f.partner_iso3, f.year
),

unioned as (
    select * from flows
    union all
    select * from turnover
)

select * from unioned
