-- One row per entity code: ISO countries (with ISO / M49 / Comtrade codes and regions) and the
-- historical, aggregate and unspecified entities sources report.
with names as (
    select * from {{ ref('stg_reference__country_names') }}
),

iso as (
    select * from {{ ref('stg_reference__country_codes') }}
),

comtrade as (
    select iso3, min(comtrade_code) as comtrade_code
    from {{ ref('stg_reference__comtrade_country_codes') }}
    where iso3 is not null
    group by iso3
),

entities as (
    select
        code,
        any_value(entity_type) as entity_type,
        -- the name sources use most: IMF's spelling first, then UNCTAD's, press, ISO; then the first listed
        {{ arg_min_by('name', ["case vocabulary when 'imf' then 1 when 'unctad' then 2 when 'press' then 3 else 4 end", 'source_row']) }} as source_name
    from names
    group by code
),

final as (
    select
        e.code as iso3,
        coalesce(iso.name, e.source_name) as name,
        e.entity_type,
        e.entity_type = 'country' as is_country,
        iso.iso2,
        iso.iso_numeric,
        iso.m49,
        comtrade.comtrade_code,
        iso.region,
        iso.sub_region
    from entities e
    left join iso on iso.iso3 = e.code
    left join comtrade on comtrade.iso3 = e.code
)

select * from final
