{{ config(materialized='table') }}
-- A table, not a view: shares, growth and the World totals all read it.
-- Total-product annual exports and imports per reporter × partner × year, with turnover (exports + imports)
-- added as a third flow. Turnover exists when at least one of the two flows is recorded.
with flows as (
    select source, reporter_iso3, partner_iso3, partner_entity_type, flow, year, value_usd, is_estimate
    from {{ ref('int_trade_flows_unioned') }}
    where product_code = 'TOTAL'
      and flow in ('exports', 'imports')
      and period = cast(year as {{ dbt.type_string() }})  -- annual figures only
),

turnover as (
    select
        source,
        reporter_iso3,
        partner_iso3,
        any_value(partner_entity_type) as partner_entity_type,
        'turnover' as flow,
        year,
        sum(value_usd) as value_usd,
        bool_or(is_estimate) as is_estimate
    from flows
    group by source, reporter_iso3, partner_iso3, year
),

unioned as (
    select * from flows
    union all
    select * from turnover
)

select * from unioned
