{{ config(**partitioned_by_reporter()) }}
-- depends_on: {{ ref('int_trade_partitions') }}
-- Year-on-year change, 5-year CAGR and contribution to the reporter's growth, per
-- reporter × partner × flow (exports, imports, turnover) × year. Incremental by source and reporter
-- (macros/trade_partitions.sql).
with flows as (
    select * from {{ ref('int_trade_turnover_computed') }}
    where {{ in_changed_partitions() }}
),

world as (
    select * from {{ ref('int_reporter_totals_selected') }}
),

lagged as (
    -- the value one and five years earlier: one figure per source, reporter, partner, flow and year
    -- (a tested key), so the figure of year - k is at most k rows back in year order. Lags over one
    -- sort; faster than frames of exactly one year (RANGE k PRECEDING) and than self-joins
    select
        f.source,
        f.reporter_iso3,
        f.partner_iso3,
        f.partner_entity_type,
        f.flow,
        f.year,
        f.value_usd,
        case when lag(f.year) over w = f.year - 1 then lag(f.value_usd) over w end as prev_value_usd,
        case
            {%- for k in range(1, 6) %}
            when lag(f.year, {{ k }}) over w = f.year - 5 then lag(f.value_usd, {{ k }}) over w
            {%- endfor %}
        end as value_5y_ago_usd,
        wprev.reporter_total_usd as reporter_prev_total_usd
    from flows f
    left join world wprev
        on wprev.source = f.source and wprev.reporter_iso3 = f.reporter_iso3
        and wprev.flow = f.flow and wprev.year = f.year - 1
    window w as (partition by f.source, f.reporter_iso3, f.partner_iso3, f.flow order by f.year)
),

final as (
    select
        source,
        reporter_iso3,
        partner_iso3,
        partner_entity_type,
        flow,
        year,
        value_usd,
        prev_value_usd,
        value_usd - prev_value_usd as yoy_change_usd,
        case when prev_value_usd > 0 then 100.0 * (value_usd - prev_value_usd) / prev_value_usd end as yoy_pct,
        case when value_5y_ago_usd > 0 and value_usd > 0
            then 100.0 * (power(value_usd / value_5y_ago_usd, 1.0 / 5) - 1) end as cagr_5y_pct,
        case when reporter_prev_total_usd > 0 and prev_value_usd is not null
            then 100.0 * (value_usd - prev_value_usd) / reporter_prev_total_usd end as contribution_pp
    from lagged
)

select * from final
