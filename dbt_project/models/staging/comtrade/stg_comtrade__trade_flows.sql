-- Every loaded version of every UN Comtrade goods record that is a total over the breakdowns
-- (partner2, customs procedure, mode of transport and supply), in Corridor's vocabulary: Comtrade
-- codes mapped to Corridor codes, flows named, values in US dollars as published.
with source as (
    select * from {{ source('raw_comtrade', 'comtrade_flows') }}
    where typeCode = 'C'
      and coalesce(partner2Code, 0) = 0
      and coalesce(customsCode, 'C00') = 'C00'
      and coalesce(motCode, 0) = 0
      and coalesce(mosCode, '0') = '0'
),

codes as (
    select * from {{ ref('stg_reference__comtrade_country_codes') }}
),

renamed as (
    select
        'comtrade' as source,
        s.reporterCode as reporter_comtrade_code,
        s.partnerCode as partner_comtrade_code,
        r.code as reporter_iso3,
        p.code as partner_iso3,
        p.entity_type as partner_entity_type,
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
        s.release,
        s.file as source_file,
        s.file_sha256,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        s.source_row,
        s.loaded_at,
        s.is_current as is_current_file_version
    from source s
    left join codes r on r.comtrade_code = s.reporterCode
    left join codes p on p.comtrade_code = s.partnerCode
)

select * from renamed
