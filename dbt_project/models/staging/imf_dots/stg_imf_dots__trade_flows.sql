-- Every loaded version of every IMF DOTS figure (current and superseded); the intermediate layer
-- decides which version is the latest.
with source as (
    select * from {{ source('raw', 'imf_dots') }}
),

lineage as (
    select load_id, file, file_sha256, release, started_at, is_current from {{ source('audit', 'load_log') }}
),

renamed as (
    select
        source,
        reporter_code as reporter_iso3,
        partner_code as partner_iso3,
        partner_type as partner_entity_type,
        flow,
        valuation,
        cast(year as integer) as year,
        cast(year as {{ dbt.type_string() }}) as period,
        'TOTAL' as product_code,
        cast(value_usd as double) as value_usd,
        is_estimate,
        sheet as source_sheet,
        source_row,
        {{ lineage_columns('lineage') }}
    from source
    join lineage using (load_id)
)

select * from renamed
