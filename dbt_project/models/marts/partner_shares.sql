{{ config(**partitioned_by_reporter()) }}
-- depends_on: {{ ref('int_trade_partitions') }}
-- Each partner's value, the reporter's own World total, the share and the rank among partner
-- countries (aggregates, unspecified and historical entries are kept but never ranked).
-- Incremental by source and reporter (macros/trade_partitions.sql).
with flows as (
    select * from {{ ref('int_trade_turnover_computed') }}
    where {{ in_changed_partitions() }}
),

world as (
    select * from {{ ref('int_reporter_totals_selected') }}
),

shares as (
    select
        f.source,
        f.reporter_iso3,
        f.partner_iso3,
        f.partner_entity_type,
        f.year,
        f.flow,
        f.value_usd,
        w.reporter_total_usd,
        case when w.reporter_total_usd > 0 then 100.0 * f.value_usd / w.reporter_total_usd end as share_pct,
        f.is_estimate
    from flows f
    join world w using (source, reporter_iso3, flow, year)
),

ranked as (
    select
        *,
        case when partner_entity_type = 'country' then
            rank() over (
                partition by source, reporter_iso3, year, flow, partner_entity_type = 'country'
                order by value_usd desc
            )
        end as rank
    from shares
)

select
    source, reporter_iso3, partner_iso3, partner_entity_type, year, flow,
    value_usd, reporter_total_usd, share_pct,
    -- a partner above the reporter's own World total: real in IMF DOTS (rounding, revisions of one
    -- side only), kept and flagged; floating-point noise is not "above"
    coalesce(partner_entity_type <> 'aggregate' and share_pct > 100 + {{ var('share_float_tolerance_pp') }}, false)
        as is_share_above_total,
    rank, is_estimate
from ranked
