with source as (
    select * from {{ source('raw_registry', 'company_counts') }}
    where is_current
),

renamed as (
    select
        host_iso3,
        origin_iso3,
        cast(as_of as date) as as_of_date,
        cast(registered as bigint) as registered,
        cast(active as bigint) as active,
        source,
        url,
        file as source_file,
        file_sha256,
        source_row,
        loaded_at
    from source
)

select * from renamed
