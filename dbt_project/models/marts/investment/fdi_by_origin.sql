-- FDI by host × origin × year × measure × reporting side, per source, with the host's total, the
-- share, the rank among named economies and the year-on-year change.
--
-- UNCTAD tables nest economies in regions (World > Developed economies > Europe > European Union >
-- France). Only the leaves (economies and Unspecified) and World are kept as rows, so no figure is
-- counted twice; the enclosing region is kept as a label (`region`). Releases carry no hierarchy:
-- all their rows are kept, and their origins take the UNCTAD region of the same economy where one
-- is known. IMF CDIS positions keep whose statistics they are: the host's inward position
-- (reporting_side 'host', as every UNCTAD and release figure) or the investor's outward position
-- ('investor'). Only `country` origins are ranked, and only where the source gives the host's total
-- for the same year, measure and side (an extract of some origins, like the CDIS one, is not
-- ranked); Unspecified (XUU), World and any aggregate are kept and labelled but never ranked.
with fdi_flows as (
    select * from {{ ref('stg_fdi__flows') }}
),

cdis as (
    select * from {{ ref('stg_fdi_cdis__positions') }}
),

flows as (
    select
        source, host_iso3, origin_iso3, origin_entity_type, origin_name, hierarchy_level, region, is_leaf,
        year, measure, 'host' as reporting_side, value_usd, basis, url, release, source_file, source_row
    from fdi_flows
    union all
    select
        source, host_iso3, origin_iso3, origin_entity_type, origin_name,
        cast(null as integer) as hierarchy_level, cast(null as {{ dbt.type_string() }}) as region,
        cast(null as boolean) as is_leaf,
        year, measure, reporting_side, value_usd, basis, cast(null as {{ dbt.type_string() }}) as url,
        release, source_file, source_row
    from cdis
),

unctad_regions as (
    select origin_iso3, mode(region) as region
    from flows
    where source = 'unctad_fdi' and origin_entity_type = 'country' and hierarchy_level > 1
    group by origin_iso3
),

totals as (
    select source, host_iso3, year, measure, reporting_side, value_usd as host_total_usd
    from flows
    where origin_iso3 = 'WLD'
),

kept as (
    select
        f.*,
        coalesce(case when f.hierarchy_level > 1 then f.region end, r.region) as origin_region
    from flows f
    left join unctad_regions r
        on r.origin_iso3 = f.origin_iso3 and f.source <> 'unctad_fdi'
    where coalesce(f.is_leaf, true) or f.origin_iso3 = 'WLD'
),

shares as (
    select
        k.*,
        t.host_total_usd,
        case when t.host_total_usd > 0 then 100.0 * k.value_usd / t.host_total_usd end as share_pct,
        case when k.origin_entity_type = 'country' and t.host_total_usd is not null then
            rank() over (
                partition by k.source, k.host_iso3, k.year, k.measure, k.reporting_side,
                    k.origin_entity_type = 'country' and t.host_total_usd is not null
                order by k.value_usd desc
            )
        end as rank
    from kept k
    left join totals t using (source, host_iso3, year, measure, reporting_side)
),

lagged as (
    select
        s.*,
        prev.value_usd as prev_value_usd
    from shares s
    left join kept prev
        on prev.source = s.source
        and prev.host_iso3 = s.host_iso3
        and prev.origin_iso3 = s.origin_iso3
        and prev.measure = s.measure
        and prev.reporting_side = s.reporting_side
        and prev.year = s.year - 1
),

final as (
    select
        host_iso3,
        origin_iso3,
        origin_name,
        origin_entity_type,
        origin_region as region,
        year,
        measure,
        source,
        basis,
        value_usd,
        host_total_usd,
        share_pct,
        rank,
        prev_value_usd,
        value_usd - prev_value_usd as yoy_change_usd,
        case when prev_value_usd > 0 then 100.0 * (value_usd - prev_value_usd) / prev_value_usd end as yoy_pct,
        url,
        source_file,
        source_row,
        reporting_side,
        release
    from lagged
)

select * from final
