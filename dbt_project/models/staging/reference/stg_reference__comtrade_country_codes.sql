-- UN Comtrade numeric country codes and the Corridor code each stands for: the ISO3 of the BACI
-- list (842 -> USA, 251 -> FRA, 699 -> IND, 757 -> CHE), else raw/reference/source_area_codes.csv
-- (0 -> WLD, 490 -> XAN 'Other Asia, nes', 697 -> XFT 'Europe EFTA, nes', 849 -> UMI, 899 -> XUN).
-- The same mapping the loader resolves Comtrade records with (orchestration/defs/ingestion/_source.py).
with source as (
    select * from {{ source('raw', 'comtrade_country_codes') }}
    where load_id in {{ current_loads() }}
),

codes as (
    select
        cast(comtrade_code as integer) as comtrade_code,
        comtrade_name,
        comtrade_name_full,
        iso3
    from source
),

overrides as (
    select cast(source_code as integer) as comtrade_code, code, entity_type, name
    from {{ source('raw', 'source_area_codes') }}
    where load_id in {{ current_loads() }}
      and vocabulary = 'comtrade'
),

entity_types as (
    select code, min(entity_type) as entity_type
    from {{ ref('stg_reference__country_names') }}
    group by code
),

final as (
    select
        coalesce(c.comtrade_code, o.comtrade_code) as comtrade_code,
        coalesce(c.comtrade_name, o.name) as comtrade_name,
        coalesce(c.comtrade_name_full, o.name) as comtrade_name_full,
        c.iso3,
        coalesce(o.code, c.iso3) as code,
        coalesce(o.entity_type, e.entity_type, 'country') as entity_type
    from codes c
    full outer join overrides o on o.comtrade_code = c.comtrade_code
    left join entity_types e on e.code = coalesce(o.code, c.iso3)
)

select * from final
