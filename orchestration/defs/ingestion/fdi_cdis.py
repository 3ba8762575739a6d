"""IMF CDIS direct-investment positions: ``raw/fdi_cdis/**/*.csv`` → ``raw.fdi_cdis``.

Both sides of a pair: the host's inward position from the investor (``IIW_BP6_USD``) and the
investor's outward position in the host (``IOW_BP6_USD``), kept apart (``reporting_side``) so the
marts can set them against each other (``marts.fdi_mirror``). See raw/fdi_cdis/MANIFEST.md and
:mod:`orchestration.lib.fdi_cdis`. IMF area codes resolve to Corridor codes like every source's
countries. With no file the table exists, empty.
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib import fdi_cdis

FIRST_YEAR = 2009  # the first CDIS reference year
# no bilateral direct-investment position reaches USD 10 trillion: a figure above 1e7 means the file
# is in dollars, not in the millions the carrier's value_usd column holds (a unit fault: systemic)
MAX_MILLIONS = 1e7


fdi_cdis_asset, fdi_cdis_checks = source_defs(SourceSpec(
    name="fdi_cdis", group="investment", kinds=frozenset({"duckdb", "polars", "csv"}), required=False,
    description=(
        "IMF CDIS end-year direct-investment positions from every extract in raw/fdi_cdis/: the host's inward "
        "position (IIW_BP6_USD, reported by the host) and the investor's outward position (IOW_BP6_USD, reported "
        "by the investor), US dollars (published in millions), IMF area codes resolved to Corridor codes. The "
        "carrier's Data360 copy is quarantined (not independent)."
    ),
    patterns=("*.csv",), parse=fdi_cdis.parse_cdis_file, parser_version="fdi_cdis/2",
    row_schema={**fdi_cdis.ROW_SCHEMA, "reporter_iso3": pl.String, "reporter_type": pl.String,
                "counterpart_iso3": pl.String, "counterpart_type": pl.String},
    countries=(CountryColumn("reporter_area", "reporter_iso3", "reporter_type", vocabulary="imf"),
               CountryColumn("counterpart_area", "counterpart_iso3", "counterpart_type", vocabulary="imf")),
    key=fdi_cdis.KEY,
    checks=(
        Check("fdi_cdis_year_in_range", f"year between {FIRST_YEAR} (the first CDIS year) and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year()),
              key=fdi_cdis.KEY, columns=("year",)),
        Check("fdi_cdis_values_in_millions", f"|value as published| < {MAX_MILLIONS:.0e}: the figures are in USD millions",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="abs_millions", max_value=MAX_MILLIONS, strict_max=True),
              blocking=True, key=(*fdi_cdis.KEY, "value_as_published"),
              sql="select reporter_area, counterpart_area, indicator, year, value_as_published, "
                  "abs(try_cast(value_as_published as double)) as abs_millions from {table} where {current}"),
    ),
))
