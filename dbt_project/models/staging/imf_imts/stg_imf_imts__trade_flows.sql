-- Every loaded version of every IMF IMTS exports figure of the carrier's matrix: the exporter's own
-- report of its goods exports FOB to each importer (names already resolved to Corridor codes at
-- load time), in US dollars. No imports and no World totals: see raw/imf_imts/MANIFEST.md.
with source as (
    select * from {{ source('raw_imf_imts', 'imf_imts') }}
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
        false as is_estimate,
        indicator,
        value_as_published,
        unit_as_published,
        release,
        file as source_file,
        file_sha256,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        source_row,
        loaded_at,
        is_current as is_current_file_version
    from source
)

select * from renamed
