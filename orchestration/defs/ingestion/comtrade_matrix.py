"""UN Comtrade trade matrices: ``raw/comtrade_matrix/<YYYY>/*.csv`` → ``raw.comtrade_matrix``.

A carrier's pivot of Comtrade export records (rows = exporters, columns = partners), not an API
response, so it is its own source and does not go through ``raw.comtrade`` (Comtrade's field
names): see raw/comtrade_matrix/MANIFEST.md and :mod:`orchestration.lib.comtrade_matrix`. One folder
per year of figures (the file has none). The carrier's World column and its zero fill are
quarantined with their reasons, never loaded. Names resolve through the crosswalk like every
source's. With no file the table exists, empty.
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib import comtrade_matrix

FIRST_YEAR = 1962  # the first UN Comtrade year
KEY = ("reporter_code", "partner_code", "flow", "year", "product_code")


comtrade_matrix_asset, comtrade_matrix_checks = source_defs(SourceSpec(
    name="comtrade_matrix", group="trade", kinds=frozenset({"duckdb", "polars", "csv"}), required=False,
    description=(
        "UN Comtrade exports by exporter × partner from every carrier-built trade matrix in "
        "raw/comtrade_matrix/<YYYY>/ (the year is the release folder's; product and transport mode from the "
        "carrier's file name), US dollars as published; the carrier's World column and its zero fill (no "
        "record) are quarantined, never loaded; lineage per cell (line, column)."
    ),
    patterns=("*.csv",), parse=comtrade_matrix.parse_trade_matrix, parser_version="comtrade_matrix/2",
    row_schema={**comtrade_matrix.ROW_SCHEMA, "reporter_code": pl.String, "reporter_type": pl.String,
                "partner_code": pl.String, "partner_type": pl.String},
    countries=(CountryColumn("reporter_name", "reporter_code", "reporter_type"),
               CountryColumn("partner_name", "partner_code", "partner_type")),
    key=KEY,
    checks=(
        Check("comtrade_matrix_value_positive", "value_usd > 0 for every loaded cell (zeros are the carrier's fill, quarantined)",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="value_usd", min_value=0, strict_min=True), key=KEY,
              columns=("value_usd",)),
        Check("comtrade_matrix_year_in_range", f"year (the release folder's) between {FIRST_YEAR} and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year()),
              key=KEY, columns=("year",)),
    ),
))
