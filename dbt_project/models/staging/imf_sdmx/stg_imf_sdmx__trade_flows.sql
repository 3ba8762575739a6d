-- Every loaded version of every IMF IMTS observation fetched over SDMX, in Corridor's vocabulary:
-- area codes resolved at load time (raw.imf_sdmx reporter_iso3 / partner_iso3), values in US
-- dollars (already scaled by UNIT_MULT).
with source as (
    select * from {{ source('raw', 'imf_sdmx') }}
),

lineage as (
    select load_id, file, file_sha256, release, started_at, is_current from {{ source('audit', 'load_log') }}
),

renamed as (
    select
        'imf_sdmx' as source,
        s.reporter_code as reporter_area_code,
        s.partner_code as partner_area_code,
        s.reporter_iso3,
        s.partner_iso3,
        s.partner_type as partner_entity_type,
        s.flow,
        s.valuation,
        cast(s.year as integer) as year,
        case when s.month is null then cast(s.year as {{ dbt.type_string() }})
             else cast(s.year as {{ dbt.type_string() }}) || lpad(cast(s.month as {{ dbt.type_string() }}), 2, '0') end as period,
        s.freq as frequency,
        'TOTAL' as product_code,
        cast(s.value_usd as double) as value_usd,
        false as is_estimate,
        s.series_key as source_sheet,
        cast(null as bigint) as source_row,
        {{ lineage_columns('lineage') }}
    from source s
    join lineage using (load_id)
)

select * from renamed
