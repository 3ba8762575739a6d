-- Every loaded version of every IMF IMTS observation fetched over SDMX, in Corridor's vocabulary:
-- area codes mapped to Corridor codes, values in US dollars (already scaled by UNIT_MULT).
with source as (
    select * from {{ source('raw_imf_sdmx', 'imts_flows') }}
),

areas as (
    select * from {{ ref('stg_reference__imf_area_codes') }}
),

renamed as (
    select
        'imf_sdmx' as source,
        s.reporter_code as reporter_area_code,
        s.partner_code as partner_area_code,
        r.code as reporter_iso3,
        p.code as partner_iso3,
        p.entity_type as partner_entity_type,
        s.flow,
        s.valuation,
        cast(s.year as integer) as year,
        case when s.month is null then cast(s.year as {{ dbt.type_string() }})
             else cast(s.year as {{ dbt.type_string() }}) || lpad(cast(s.month as {{ dbt.type_string() }}), 2, '0') end as period,
        s.freq as frequency,
        'TOTAL' as product_code,
        cast(s.value_usd as double) as value_usd,
        false as is_estimate,
        s.release,
        s.file as source_file,
        s.file_sha256,
        s.series_key as source_sheet,
        cast(null as bigint) as source_row,
        s.loaded_at,
        s.is_current as is_current_file_version
    from source s
    left join areas r on r.area_code = s.reporter_code
    left join areas p on p.area_code = s.partner_code
)

select * from renamed
