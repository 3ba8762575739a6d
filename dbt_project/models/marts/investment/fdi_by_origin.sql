-- FDI by host × origin × year × measure, per source, with the host's total, the share, the rank
-- among named economies and the year-on-year change.
--
-- UNCTAD tables nest economies in regions (World > Developed economies > Europe > European Union >
-- France). Only the leaves (economies and Unspecified) and World are kept as rows, so no figure is
-- counted twice; the enclosing region is kept as a label (`region`). Releases carry no hierarchy:
-- all their rows are kept, and their origins take the UNCTAD region of the same economy where one
-- is known. Only `country` origins are ranked; Unspecified (XUU), World and any aggregate are kept
-- and labelled but never ranked.
with flows as (
    select * from {{ ref('stg_fdi__flows') }}
),

unctad_regions as (
    select origin_iso3, mode(region) as region
    from flows
    where source = 'unctad_fdi' and origin_entity_type = 'country' and hierarchy_level > 1
    group by origin_iso3
),

totals as (
    select source, host_iso3, year, measure, value_usd as host_total_usd
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
        case when k.origin_entity_type = 'country' then
            rank() over (
                partition by k.source, k.host_iso3, k.year, k.measure, k.origin_entity_type = 'country'
                order by k.value_usd desc
            )
        end as rank
    from kept k
    left join totals t using (source, host_iso3, year, measure)
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
        source_row
    from lagged
)

select * from final
