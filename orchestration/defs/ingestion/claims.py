"""Claims: the ledger of figures quoted in documents (raw/claims/*.csv) → ``raw.claims``.

Every CSV under ``raw/claims/`` whose header is the ledger header is loaded (the press files beside
it are the ledger's sources, not ledgers). A row breaking the vocabularies of raw/claims/MANIFEST.md
(metric, unit, period grammar, publication date, numeric value, country codes of the crosswalk) is
quarantined with its reason and the checks warn: claims are checked, never trusted.
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, source_defs
from orchestration.lib import claims

KEY = ("claim_id", "source_row")


claims_asset, claims_checks = source_defs(SourceSpec(
    name="claims",
    group="claims",
    kinds=frozenset({"duckdb", "polars", "csv"}),
    description=(
        "Figures quoted in documents (seed articles, press reports of officials' statements), one row per "
        "numeric claim, from every ledger CSV in raw/claims/ (claims.csv and any other file with the same "
        "header): the exact quote, metric, reporter/partner, period, value, unit and stated basis. Claims "
        "are data to be checked (marts.claim_checks), never ground truth."
    ),
    patterns=("*.csv",),
    accept=claims.has_ledger_header,
    not_data=("*.md", "*.txt", "*.csv"),  # documents and the press tables the ledger was built from
    parse=claims.parse_claims_file,
    parser_version="claims/2",
    row_schema={c: pl.String for c in claims.COLUMNS} | {"source_row": pl.Int64},
    countries=(
        CountryColumn("reporter_iso3", "reporter_iso3", "reporter_type", vocabulary="code"),
        CountryColumn("partner_iso3", "partner_iso3", "partner_type", vocabulary="code"),
    ),
    key=("claim_id",),
    checks=(
        Check("claims_metric_known", "every claim's metric is one of the ledger's metrics (raw/claims/MANIFEST.md)",
              lambda: expectations().ExpectColumnValuesToBeInSet(column="metric", value_set=list(claims.METRICS)), key=KEY,
              columns=("metric",)),
        Check("claims_unit_known", f"every claim's unit is one of {', '.join(claims.UNITS)}",
              lambda: expectations().ExpectColumnValuesToBeInSet(column="unit", value_set=list(claims.UNITS)), key=KEY,
              columns=("unit",)),
        Check("claims_period_parseable", "every period follows YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD",
              lambda: expectations().ExpectColumnValuesToMatchRegex(column="period", regex=claims.PERIOD_PATTERN), key=KEY,
              columns=("period",)),
    ),
))
