-- IMF SDMX area codes (REF_AREA / COUNTERPART_AREA) and the Corridor code each stands for: the
-- ISO alpha-2 codes through the ISO table, plus the seed source_area_codes (W00 -> WLD).
with iso as (
    select iso2 as area_code, iso3 as code
    from {{ ref('stg_reference__country_codes') }}
    where iso2 is not null
),

overrides as (
    select source_code as area_code, code, entity_type
    from {{ ref('source_area_codes') }}
    where source = 'imf_sdmx'
),

entity_types as (
    select code, min(entity_type) as entity_type
    from {{ ref('stg_reference__country_names') }}
    group by code
),

areas as (
    select area_code, code, entity_type from overrides
    union all
    select area_code, code, cast(null as {{ dbt.type_string() }}) as entity_type from iso
    where area_code not in (select area_code from overrides)
)

select
    a.area_code,
    a.code,
    coalesce(a.entity_type, e.entity_type, 'country') as entity_type
from areas a
left join entity_types e on e.code = a.code
