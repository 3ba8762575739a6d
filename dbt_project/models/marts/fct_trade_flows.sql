{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
-- A view on DuckDB: the latest version of every figure is already materialised once in int_trade_flows_versioned, and a
-- copy would cost a full write of every trade figure per build (13 s at all-DOTS scale). A Parquet
-- table on Spark, where every mart is one.
-- Every harmonised trade figure, with valuation, estimate flag and lineage.
with flows as (
    select * from {{ ref('int_trade_flows_unioned') }}
),

final as (
    select
        source,
        reporter_iso3,
        partner_iso3,
        partner_entity_type,
        flow,
        valuation,
        year,
        period,
        product_code,
        value_usd,
        is_estimate,
        release,
        source_file,
        file_sha256,
        source_sheet,
        source_row,
        loaded_at
    from flows
)

select * from final
