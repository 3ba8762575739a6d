-- The same direct investment as each side records it: the host's figure (inward, reporting_side
-- 'host') against the investor's (outward, 'investor'), per host × origin × year × measure, where
-- both sides report. Where several sources give one side, the first in source precedence.
-- The FDI counterpart of mirror_gaps.
with fdi as (
    select
        f.*,
        coalesce(p.precedence, 999) as source_precedence
    from {{ ref('fdi_by_origin') }} f
    left join {{ ref('dim_sources') }} p on p.domain = 'fdi' and p.source = f.source
    where f.origin_entity_type = 'country'
),

sides as (
    select
        host_iso3,
        origin_iso3,
        year,
        measure,
        reporting_side,
        {{ arg_min_by('value_usd', ['source_precedence', 'source']) }} as value_usd,
        {{ arg_min_by('source', ['source_precedence', 'source']) }} as source,
        {{ arg_min_by('basis', ['source_precedence', 'source']) }} as basis
    from fdi
    group by host_iso3, origin_iso3, year, measure, reporting_side
),

paired as (
    select
        h.host_iso3,
        h.origin_iso3,
        h.year,
        h.measure,
        h.value_usd as host_reported_usd,
        i.value_usd as investor_reported_usd,
        h.source as host_source,
        i.source as investor_source,
        h.basis as host_basis,
        i.basis as investor_basis
    from sides h
    join sides i
        on i.host_iso3 = h.host_iso3 and i.origin_iso3 = h.origin_iso3
        and i.year = h.year and i.measure = h.measure
        and i.reporting_side = 'investor'
    where h.reporting_side = 'host'
),

final as (
    select
        host_iso3,
        origin_iso3,
        year,
        measure,
        host_reported_usd,
        investor_reported_usd,
        host_reported_usd - investor_reported_usd as gap_usd,
        case when investor_reported_usd > 0
            then 100.0 * (host_reported_usd - investor_reported_usd) / investor_reported_usd end as gap_pct,
        case when investor_reported_usd > 0 then host_reported_usd / investor_reported_usd end as host_to_investor_ratio,
        host_source,
        investor_source,
        host_basis,
        investor_basis
    from paired
)

select * from final
