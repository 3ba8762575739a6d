with source as (
    select * from {{ source('raw_reference', 'comtrade_country_codes') }}
    where is_current
),

renamed as (
    select
        cast(comtrade_code as integer) as comtrade_code,
        comtrade_name,
        comtrade_name_full,
        iso3
    from source
)

select * from renamed
