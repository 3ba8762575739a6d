-- Every loaded version of every IMF DOTS figure (current and superseded); the intermediate layer
-- decides which version is the latest.
with source as (
    select * from {{ source('raw', 'trade_flows') }}
),

renamed as (
    select
        source,
        reporter_code as reporter_iso3,
        partner_code as partner_iso3,
        partner_type as partner_entity_type,
        flow,
        valuation,
        cast(year as integer) as year,
        cast(year as {{ dbt.type_string() }}) as period,
        'TOTAL' as product_code,
        cast(value_usd as double) as value_usd,
        is_estimate,
        coalesce(release, 'base') as release,
        file as source_file,
        file_sha256,
        sheet as source_sheet,
        source_row,
        loaded_at,
        is_current as is_current_file_version
    from source
)

select * from renamed
