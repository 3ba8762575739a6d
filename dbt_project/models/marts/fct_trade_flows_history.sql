{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
-- A view on DuckDB: every version is already materialised once in int_trade_flows_versioned, and a
-- copy would cost a full write of every trade figure per build (13 s at all-DOTS scale). A Parquet
-- table on Spark, where every mart is one.
-- Every version of every trade figure with the time it was valid in the warehouse:
-- what did the data say on date D?  where valid_from <= D and (valid_to is null or valid_to > D)
with versioned as (
    select * from {{ ref('int_trade_flows_versioned') }}
)

select
    source, reporter_iso3, partner_iso3, partner_entity_type, flow, valuation, year, period,
    product_code, value_usd, is_estimate, release, valid_from, valid_to, is_latest,
    source_file, file_sha256, source_sheet, source_row
from versioned
