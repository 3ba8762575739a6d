with source as (
    select * from {{ source('raw', 'country_names') }}
    where load_id in {{ current_loads() }}
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
