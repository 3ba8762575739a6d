-- The report's queries, one per `-- name:` block; $reporter, $partner and $source are parameters.

-- name: countries
select iso3, name from marts.dim_countries

-- name: source_names
select source, name, publisher, dataset from marts.dim_sources

-- name: trade_source
-- the trade source that covers the pair best (most figures; ties by name)
select source
from marts.partner_shares
where (reporter_iso3 = $reporter and partner_iso3 = $partner) or (reporter_iso3 = $partner and partner_iso3 = $reporter)
group by source
order by count(*) desc, source
limit 1

-- name: trade
-- the pair's trade as each side reports it; the partner's flows are turned to the reporter's
-- point of view (the partner's exports are the mirror of the reporter's imports)
select
    year,
    'reporter' as side,
    flow,
    value_usd / 1e6 as value_usd_mn,
    share_pct,
    rank
from marts.partner_shares
where source = $source and reporter_iso3 = $reporter and partner_iso3 = $partner
union all
select
    year,
    'partner' as side,
    case flow when 'exports' then 'imports' when 'imports' then 'exports' else flow end as flow,
    value_usd / 1e6 as value_usd_mn,
    null as share_pct,
    null as rank
from marts.partner_shares
where source = $source and reporter_iso3 = $partner and partner_iso3 = $reporter
order by flow, side, year

-- name: growth
select
    year,
    case when reporter_iso3 = $reporter then 'reporter' else 'partner' end as side,
    yoy_pct,
    value_usd / 1e6 as value_usd_mn,
    prev_value_usd / 1e6 as prev_value_usd_mn
from marts.trade_growth
where source = $source and flow = 'turnover' and yoy_pct is not null
  and ((reporter_iso3 = $reporter and partner_iso3 = $partner) or (reporter_iso3 = $partner and partner_iso3 = $reporter))
order by side desc, year

-- name: mirror_gaps
select
    year,
    direction,
    gap_pct,
    reported_usd / 1e6 as reported_usd_mn,
    mirror_usd / 1e6 as mirror_usd_mn,
    cif_fob_ratio
from marts.mirror_gaps
where source = $source and reporter_iso3 = $reporter and partner_iso3 = $partner and gap_pct is not null
order by direction, year

-- name: gap_decomposition
-- the pair's latest year with both sides' figures, each direction: the importer's CIF figure, the
-- exporter's FOB figure and the five components between them (marts.gap_decomposition)
select
    year,
    importer_iso3,
    exporter_iso3,
    importer_cif_usd / 1e6 as importer_cif_usd_mn,
    exporter_fob_usd / 1e6 as exporter_fob_usd_mn,
    revision_usd / 1e6 as revision_usd_mn,
    freight_insurance_usd / 1e6 as freight_insurance_usd_mn,
    routing_usd / 1e6 as routing_usd_mn,
    unspecified_usd / 1e6 as unspecified_usd_mn,
    residual_usd / 1e6 as residual_usd_mn,
    cif_fob_ratio,
    is_ratio_implausible,
    freight_method,
    cif_fob_factor,
    routing_method,
    residual_label
from marts.gap_decomposition
where source = $source
  and ((importer_iso3 = $reporter and exporter_iso3 = $partner) or (importer_iso3 = $partner and exporter_iso3 = $reporter))
qualify year = max(year) over ()
order by importer_iso3 != $reporter

-- name: fdi
select
    year,
    source,
    basis,
    value_usd / 1e6 as value_usd_mn,
    share_pct,
    rank
from marts.fdi_by_origin
where host_iso3 = $reporter and origin_iso3 = $partner and measure = 'inflow' and value_usd is not null
order by source, year

-- name: companies
select as_of_date, registered, active, source, url
from marts.company_registry
where host_iso3 = $reporter and origin_iso3 = $partner
order by as_of_date

-- name: claims
select
    claim_id,
    document,
    publisher,
    published_date,
    period,
    metric,
    quote,
    claimed_value,
    unit,
    verdict,
    explanation
from marts.claim_checks
where (reporter_iso3 = $reporter and partner_iso3 = $partner) or (reporter_iso3 = $partner and partner_iso3 = $reporter)
order by period, claim_id

-- name: build_info
select version_id, built_at from audit.build_info
