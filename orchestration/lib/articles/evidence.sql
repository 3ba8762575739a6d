-- Evidence the article checker reads from a published warehouse, for one pair of countries (both
-- directions). Every query takes the pair as parameters ?1 = first country, ?2 = second country,
-- and reads every source present (no source is named here).

-- name: trade
-- levels and year-on-year growth of exports, imports and turnover, as each side reports them
select source, reporter_iso3, partner_iso3, flow, year, value_usd, prev_value_usd, yoy_pct
from marts.trade_growth
where (reporter_iso3 = ?1 and partner_iso3 = ?2) or (reporter_iso3 = ?2 and partner_iso3 = ?1);

-- name: flows
-- the figures behind them: release, file and period (monthly periods where a source has them)
select source, reporter_iso3, partner_iso3, flow, year, period, value_usd, release, source_file
from marts.fct_trade_flows
where product_code = 'TOTAL'
  and ((reporter_iso3 = ?1 and partner_iso3 = ?2) or (reporter_iso3 = ?2 and partner_iso3 = ?1));

-- name: shares
-- the partner's share of each side's trade and its rank among partner countries
select source, reporter_iso3, partner_iso3, flow, year, value_usd, reporter_total_usd, share_pct, rank
from marts.partner_shares
where (reporter_iso3 = ?1 and partner_iso3 = ?2) or (reporter_iso3 = ?2 and partner_iso3 = ?1);

-- name: fdi
-- FDI of one country in the other (host, origin), every source and measure
select source, host_iso3, origin_iso3, year, measure, value_usd, share_pct, rank, basis, url, source_file
from marts.fdi_by_origin
where (host_iso3 = ?1 and origin_iso3 = ?2) or (host_iso3 = ?2 and origin_iso3 = ?1);

-- name: companies
-- counts of companies with the origin's capital registered / active in the host
select host_iso3, origin_iso3, as_of_date, registered, active, source, url, source_file
from marts.company_registry
where (host_iso3 = ?1 and origin_iso3 = ?2) or (host_iso3 = ?2 and origin_iso3 = ?1);

-- name: statements
-- the claims ledger: officials' and documents' statements with the verdict the warehouse gives them
select
    c.claim_id, c.document, c.publisher, c.published_date, c.quote, c.metric, c.reporter_iso3,
    c.partner_iso3, c.period, c.period_kind, c.period_start, c.period_end, c.claimed_value, c.unit,
    c.stated_basis, c.verdict, c.explanation, s.value_as_quoted, s.value_half_unit
from marts.claim_checks c
join staging.stg_claims__claims s using (claim_id)
where (c.reporter_iso3 = ?1 and c.partner_iso3 = ?2) or (c.reporter_iso3 = ?2 and c.partner_iso3 = ?1);

-- name: names
-- the pair's country names
select iso3, name from marts.dim_countries where iso3 in (?1, ?2);
