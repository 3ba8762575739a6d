with source as (
    select s.*, {{ lineage_columns('lineage') }}
    from {{ source('raw', 'registry_counts') }} s
    join {{ source('audit', 'load_log') }} lineage using (load_id)
    where lineage.is_current
),

renamed as (
    select
        host_iso3,
        origin_iso3,
        cast(as_of as date) as as_of_date,
        cast(registered as bigint) as registered,
        cast(active as bigint) as active,
        source,
        url,
        source_file,
        file_sha256,
        source_row,
        loaded_at
    from source
)

select * from renamed
