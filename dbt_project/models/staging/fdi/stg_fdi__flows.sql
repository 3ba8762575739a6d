with source as (
    select * from {{ source('raw_fdi', 'fdi_flows') }}
    where is_current
),

renamed as (
    select
        source,
        host_code as host_iso3,
        origin_code as origin_iso3,
        origin_type as origin_entity_type,
        origin_name,
        cast(level as integer) as hierarchy_level,
        parent_name as region,
        is_leaf,
        cast(year as integer) as year,
        measure,
        cast(value_usd as double) as value_usd,
        unit_as_published,
        basis,
        url,
        release,
        file as source_file,
        file_sha256,
        source_row,
        loaded_at
    from source
)

select * from renamed
