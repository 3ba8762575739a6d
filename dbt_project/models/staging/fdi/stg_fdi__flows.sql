-- Every current FDI figure of both FDI sources (UNCTAD tables, releases), in one shape.
{%- set columns = ['load_id', 'source', 'host_code', 'origin_code', 'origin_type', 'origin_name', 'level', 'parent_name',
                   'is_leaf', 'year', 'measure', 'value_usd', 'unit_as_published', 'basis', 'url', 'source_row'] %}
with unctad as (
    select {{ columns | join(', ') }} from {{ source('raw', 'fdi_unctad') }}
),

releases as (
    select {{ columns | join(', ') }} from {{ source('raw', 'fdi_releases') }}
),

source as (
    select s.*, {{ lineage_columns('lineage') }}
    from (
        select * from unctad
        union all
        select * from releases
    ) s
    join {{ source('audit', 'load_log') }} lineage using (load_id)
    where lineage.is_current
),

renamed as (
    select
        source,
        host_code as host_iso3,
        origin_code as origin_iso3,
        origin_type as origin_entity_type,
        origin_name,
        cast(level as integer) as hierarchy_level,
        parent_name as region,
        is_leaf,
        cast(year as integer) as year,
        measure,
        cast(value_usd as double) as value_usd,
        unit_as_published,
        basis,
        url,
        release,
        source_file,
        file_sha256,
        source_row,
        loaded_at
    from source
)

select * from renamed
