with source as (
    select * from {{ source('raw_reference', 'country_names') }}
    where is_current
),

renamed as (
    select
        name,
        code,
        entity_type,
        nullif(iso3, '') as iso3,
        vocabulary,
        nullif(note, '') as note,
        source_row
    from source
)

select * from renamed
