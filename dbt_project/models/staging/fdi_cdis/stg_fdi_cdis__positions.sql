-- IMF CDIS end-year direct-investment positions in Corridor's vocabulary, one row per host ×
-- origin × year × reporting side: an inward position is the host's report of investment from the
-- origin, an outward position the investor's report of its investment in the host. IMF area codes
-- mapped through stg_reference__imf_area_codes; the latest release of a figure where a later
-- download repeats it.
with source as (
    select * from {{ source('raw_fdi_cdis', 'fdi_cdis') }}
    where is_current
),

latest as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by reporter_area, counterpart_area, indicator, year
                order by release desc, loaded_at desc
            ) as release_rank
        from source
    ) ranked
    where release_rank = 1
),

areas as (
    select * from {{ ref('stg_reference__imf_area_codes') }}
),

renamed as (
    select
        s.source,
        s.redistributor,
        s.reporter_area,
        s.counterpart_area,
        r.code as reporter_iso3,
        c.code as counterpart_iso3,
        case s.direction when 'inward' then r.code else c.code end as host_iso3,
        case s.direction when 'inward' then c.code else r.code end as origin_iso3,
        case s.direction when 'inward' then c.entity_type else r.entity_type end as origin_entity_type,
        case s.direction when 'inward' then s.counterpart_label else s.reporter_label end as origin_name,
        s.reporting_side,
        s.indicator,
        s.direction,
        'position' as measure,
        cast(s.year as integer) as year,
        cast(s.value_usd as double) as value_usd,
        s.value_as_published,
        s.unit_as_published,
        'IMF CDIS, ' || s.direction || ' position as ' || s.reporter_label || ' reports it' as basis,
        s.release,
        s.file as source_file,
        s.file_sha256,
        s.source_row,
        s.loaded_at
    from latest s
    left join areas r on r.area_code = s.reporter_area
    left join areas c on c.area_code = s.counterpart_area
)

select * from renamed
