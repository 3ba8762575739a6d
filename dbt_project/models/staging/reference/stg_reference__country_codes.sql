with source as (
    select * from {{ source('raw', 'country_codes') }}
    where load_id in {{ current_loads() }}
),

renamed as (
    select
        iso3,
        nullif(iso2, '') as iso2,
        try_cast(iso_numeric as integer) as iso_numeric,
        try_cast(m49 as integer) as m49,
        coalesce(nullif(name, ''), nullif(unterm_short_name, ''), official_name) as name,
        nullif(official_name, '') as official_name,
        nullif(region, '') as region,
        nullif(sub_region, '') as sub_region
    from source
)

select * from renamed
