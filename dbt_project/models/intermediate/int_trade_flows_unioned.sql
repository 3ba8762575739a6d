-- The latest version of every harmonised trade figure of every trade source, one shape.
-- New trade sources add a `union all` branch in int_trade_flows_versioned's input.
with versioned as (
    select * from {{ ref('int_trade_flows_versioned') }}
    where is_latest
)

select
    source, reporter_iso3, partner_iso3, partner_entity_type, flow, valuation, year, period,
    product_code, value_usd, is_estimate, release, source_file, file_sha256, source_sheet,
    source_row, loaded_at
from versioned
