-- Every loaded version of every UN Comtrade goods record that is a total over the breakdowns
-- (partner2, customs procedure, mode of transport and supply), in Corridor's vocabulary: codes
-- resolved at load time (raw.comtrade reporter_iso3 / partner_iso3), flows named, values in US
-- dollars as published.
with source as (
    select * from {{ source('raw', 'comtrade') }}
    where typeCode = 'C'
      and coalesce(partner2Code, 0) = 0
      and coalesce(customsCode, 'C00') = 'C00'
      and coalesce(motCode, 0) = 0
      and coalesce(mosCode, '0') = '0'
),

lineage as (
    select load_id, file, file_sha256, release, started_at, is_current from {{ source('audit', 'load_log') }}
),

renamed as (
    select
        'comtrade' as source,
        s.reporterCode as reporter_comtrade_code,
        s.partnerCode as partner_comtrade_code,
        s.reporter_iso3,
        s.partner_iso3,
        s.partner_type as partner_entity_type,
        case s.flowCode
            when 'X' then 'exports'
            when 'M' then 'imports'
            when 'RX' then 're_exports'
            when 'RM' then 're_imports'
            else lower(s.flowCode)
        end as flow,
        case when s.flowCode in ('M', 'RM') then 'CIF' else 'FOB' end as valuation,
        cast(s.refYear as integer) as year,
        s.period,
        s.freqCode as frequency,
        s.cmdCode as product_code,
        cast(s.primaryValue as double) as value_usd,
        coalesce(not s.isReported, false) as is_estimate,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        s.source_row,
        {{ lineage_columns('lineage') }}
    from source s
    join lineage using (load_id)
)

select * from renamed
