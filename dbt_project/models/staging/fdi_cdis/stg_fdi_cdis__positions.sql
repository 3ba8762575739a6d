-- IMF CDIS end-year direct-investment positions in Corridor's vocabulary, one row per host ×
-- origin × year × reporting side: an inward position is the host's report of investment from the
-- origin, an outward position the investor's report of its investment in the host. IMF area codes
-- resolved to Corridor codes at load time (raw.fdi_cdis reporter_iso3 / counterpart_iso3); the
-- latest release of a figure where a later download repeats it.
with source as (
    select s.*, {{ lineage_columns('lineage') }}
    from {{ source('raw', 'fdi_cdis') }} s
    join {{ source('audit', 'load_log') }} lineage using (load_id)
    where lineage.is_current
),

latest as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by reporter_area, counterpart_area, indicator, year
                order by {{ release_sort_key('release') }} desc, loaded_at desc
            ) as release_rank
        from source
    ) ranked
    where release_rank = 1
),

renamed as (
    select
        s.source,
        s.redistributor,
        s.reporter_area,
        s.counterpart_area,
        s.reporter_iso3,
        s.counterpart_iso3,
        case s.direction when 'inward' then s.reporter_iso3 else s.counterpart_iso3 end as host_iso3,
        case s.direction when 'inward' then s.counterpart_iso3 else s.reporter_iso3 end as origin_iso3,
        case s.direction when 'inward' then s.counterpart_type else s.reporter_type end as origin_entity_type,
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
        s.source_file,
        s.file_sha256,
        s.source_row,
        s.loaded_at
    from latest s
)

select * from renamed
