"""UN Comtrade: fetched releases in ``raw/comtrade/<release>/`` → ``raw.comtrade``.

``corridor fetch comtrade`` saves every API response under ``raw/comtrade/<release>/`` with a
``manifest.json`` (see raw/comtrade/MANIFEST.md). Every *complete, verified* release loads,
keeping Comtrade's own field names (reporterCode, partnerCode, flowCode, cmdCode, period,
primaryValue, …); ``release`` is the folder name, so a later release supersedes an earlier one in
the marts and the earlier stays in ``marts.fct_trade_flows_history``. Reporter and partner codes
resolve to Corridor codes here, like every source's countries (an unknown code is quarantined and
warned about). With no release fetched (the embedded default) the table exists, empty.
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib.connectors import comtrade

# what makes a Comtrade record unique within a release (the API's own breakdown dimensions)
RECORD_KEY = ("typeCode", "freqCode", "period", "reporterCode", "partnerCode", "partner2Code", "flowCode",
              "classificationCode", "cmdCode", "customsCode", "mosCode", "motCode")
KEY = ("reporterCode", "partnerCode", "flowCode", "cmdCode", "period")


comtrade_asset, comtrade_checks = source_defs(SourceSpec(
    name="comtrade", group="trade", kinds=frozenset({"duckdb", "polars", "json"}), required=False, releases="fetched",
    description=(
        "UN Comtrade records from every complete release fetched into raw/comtrade/<release>/ (Comtrade's field "
        "names; values in US dollars as published; reporter and partner resolved to Corridor codes). Empty until "
        "`corridor fetch comtrade` has saved a release."
    ),
    patterns=("*.json",), parse=comtrade.parse_comtrade_file, parser_version="comtrade/2",
    row_schema={**comtrade.ROW_SCHEMA, "reporter_iso3": pl.String, "reporter_type": pl.String,
                "partner_iso3": pl.String, "partner_type": pl.String},
    countries=(CountryColumn("reporterCode", "reporter_iso3", "reporter_type", vocabulary="comtrade"),
               CountryColumn("partnerCode", "partner_iso3", "partner_type", vocabulary="comtrade")),
    key=RECORD_KEY,
    checks=(
        Check("comtrade_value_non_negative", "primaryValue >= 0 for every record",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="primaryValue", min_value=0), key=KEY,
              columns=("primaryValue",)),
        Check("comtrade_year_in_range", "refYear between 1962 (first Comtrade year) and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="refYear", min_value=1962, max_value=current_year()),
              key=KEY, columns=("refYear",)),
    ),
))
