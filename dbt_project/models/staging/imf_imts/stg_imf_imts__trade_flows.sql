-- Every loaded version of every IMF IMTS exports figure of the carrier's matrix: the exporter's own
-- report of its goods exports FOB to each importer (names already resolved to Corridor codes at
-- load time), in US dollars. No imports and no World totals: see raw/imf_imts/MANIFEST.md.
with source as (
    select * from {{ source('raw', 'imf_imts') }}
),

lineage as (
    select load_id, file, file_sha256, release, started_at, is_current from {{ source('audit', 'load_log') }}
),

renamed as (
    select
        source.source,
        reporter_code as reporter_iso3,
        partner_code as partner_iso3,
        partner_type as partner_entity_type,
        flow,
        valuation,
        cast(year as integer) as year,
        cast(year as {{ dbt.type_string() }}) as period,
        'TOTAL' as product_code,
        cast(value_usd as double) as value_usd,
        false as is_estimate,
        indicator,
        value_as_published,
        unit_as_published,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        source_row,
        {{ lineage_columns('lineage') }}
    from source
    join lineage using (load_id)
)

select * from renamed
