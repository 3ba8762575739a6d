-- Current company-level registry records (one company per row), with their lineage. Empty when no
-- registry export exists (the case for Azerbaijan today: only counts are published).
with source as (
    select s.*, {{ lineage_columns('lineage') }}
    from {{ source('raw', 'registry_companies') }} s
    join {{ source('audit', 'load_log') }} lineage using (load_id)
    where lineage.is_current
),

renamed as (
    select
        company_id,
        name as company_name,
        host_iso3,
        origin_iso3,
        cast(registered_on as date) as registered_on,
        status,
        cast(status_on as date) as status_on,
        sector,
        source_file,
        file_sha256,
        source_row,
        loaded_at
    from source
)

select * from renamed
