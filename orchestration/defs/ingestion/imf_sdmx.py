"""IMF IMTS over SDMX: fetched releases in ``raw/imf_sdmx/<release>/`` → ``raw.imf_sdmx``.

``corridor fetch imf`` saves every SDMX-JSON response under ``raw/imf_sdmx/<release>/`` with a
``manifest.json`` (see raw/imf_sdmx/MANIFEST.md). Every *complete, verified* release loads: one row
per reporter × counterpart × indicator × period, ``value_usd`` already scaled by the response's
UNIT_MULT; IMF area codes (ISO alpha-2, W00 World) resolve to Corridor codes like every source's
countries. With no release fetched (the embedded default) the table exists, empty.
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib.connectors import imf_sdmx

KEY = ("reporter_code", "partner_code", "indicator", "freq", "time_period")


imf_sdmx_asset, imf_sdmx_checks = source_defs(SourceSpec(
    name="imf_sdmx", group="trade", kinds=frozenset({"duckdb", "polars", "json"}), required=False, releases="fetched",
    description=(
        "IMF IMTS exports FOB / imports CIF by counterpart from every complete release fetched into "
        "raw/imf_sdmx/<release>/ (US dollars, scaled by UNIT_MULT). Empty until `corridor fetch imf` has saved a release."
    ),
    patterns=("*.json",), parse=imf_sdmx.parse_imts_file, parser_version="imf_sdmx/2",
    row_schema={**imf_sdmx.ROW_SCHEMA, "reporter_iso3": pl.String, "reporter_type": pl.String,
                "partner_iso3": pl.String, "partner_type": pl.String},
    countries=(CountryColumn("reporter_code", "reporter_iso3", "reporter_type", vocabulary="imf"),
               CountryColumn("partner_code", "partner_iso3", "partner_type", vocabulary="imf")),
    key=KEY,
    checks=(
        Check("imf_sdmx_value_non_negative", "value_usd >= 0 for every observation",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key=KEY, columns=("value_usd",)),
        Check("imf_sdmx_year_in_range", "year between 1948 and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=1948, max_value=current_year()),
              key=KEY, columns=("year",)),
    ),
))
