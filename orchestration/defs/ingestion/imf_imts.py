"""IMF IMTS goods-exports matrix: ``raw/imf_imts/<YYYY>/*.json`` → ``raw.imf_imts``.

One folder per year of figures (the carrier's JSON has no year field; see raw/imf_imts/MANIFEST.md
and :mod:`orchestration.lib.imf_imts`): the year is the release folder's, never guessed. Exporter
and importer names resolve through the crosswalk like every source's; an edge with an unknown name
is quarantined and warned about. With no file the table exists, empty (the source is optional).
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib import imf_imts

FIRST_YEAR = 1948
KEY = ("reporter_code", "partner_code", "flow", "year")


imf_imts_asset, imf_imts_checks = source_defs(SourceSpec(
    name="imf_imts", group="trade", kinds=frozenset({"duckdb", "polars", "json"}), required=False,
    description=(
        "IMF IMTS goods exports FOB by exporter × importer (each exporter's own report, indicator XG_FOB_USD) "
        "from every matrix in raw/imf_imts/<YYYY>/ (the year is the release folder's: the carrier's JSON has "
        "none); US dollars (published in millions), names resolved through the crosswalk. No imports, no World totals."
    ),
    patterns=("*.json",), parse=imf_imts.parse_imts_matrix, parser_version="imf_imts/2",
    row_schema={**imf_imts.ROW_SCHEMA, "reporter_code": pl.String, "reporter_type": pl.String,
                "partner_code": pl.String, "partner_type": pl.String},
    countries=(CountryColumn("reporter_name", "reporter_code", "reporter_type"),
               CountryColumn("partner_name", "partner_code", "partner_type")),
    key=KEY,
    checks=(
        Check("imf_imts_value_non_negative", "value_usd >= 0 for every edge",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key=KEY, columns=("value_usd",)),
        Check("imf_imts_year_in_range", f"year (the release folder's) between {FIRST_YEAR} and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year()),
              key=KEY, columns=("year",)),
    ),
))
