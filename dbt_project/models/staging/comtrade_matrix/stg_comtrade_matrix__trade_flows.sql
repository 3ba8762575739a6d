-- Every loaded version of every UN Comtrade trade-matrix figure: an exporter's own report of its
-- exports to a partner (names resolved to Corridor codes at load time), US dollars as published.
-- The carrier's World column and its zero fill never reached raw (quarantined at load time).
with source as (
    select * from {{ source('raw', 'comtrade_matrix') }}
),

lineage as (
    select load_id, file, file_sha256, release, started_at, is_current from {{ source('audit', 'load_log') }}
),

renamed as (
    select
        source.source,
        reporter_code as reporter_iso3,
        partner_code as partner_iso3,
        partner_type as partner_entity_type,
        flow,
        valuation,
        cast(year as integer) as year,
        cast(year as {{ dbt.type_string() }}) as period,
        product_code,
        transport_mode,
        cast(value_usd as double) as value_usd,
        false as is_estimate,
        value_as_published,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        source_row,
        source_column,
        {{ lineage_columns('lineage') }}
    from source
    join lineage using (load_id)
)

select * from renamed
