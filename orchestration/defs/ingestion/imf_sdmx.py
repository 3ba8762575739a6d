"""IMF IMTS over SDMX: fetched releases in ``raw/imf_sdmx/<release>/`` → ``raw.imts_flows``, guarded by GX checks.

``corridor fetch imf`` saves every SDMX-JSON response under ``raw/imf_sdmx/<release>/`` with a
``manifest.json`` (see raw/imf_sdmx/MANIFEST.md). This asset loads the data responses of every
*complete* release: one row per reporter × counterpart × indicator × period, ``value_usd`` already
scaled by the response's UNIT_MULT. Area codes (ISO alpha-2, W00 World) are mapped to Corridor
codes in dbt staging (``stg_imf_sdmx__trade_flows``), where a test fails on any unmapped code.

With no release fetched (the embedded default) the table exists, empty.
"""


import datetime as dt

import dagster as dg
import great_expectations as gx

from orchestration.defs.ingestion._loading import fetched_release_files, load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib.connectors import imf_sdmx
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.warehouse import ensure_table

IMTS_TABLE = "raw.imts_flows"
ASSET_KEY = dg.AssetKey(["raw", "imts_flows"])
PARSER_VERSION = "imf_sdmx/1"
FOLDER = "imf_sdmx"


@dg.asset(
    key=ASSET_KEY,
    group_name="trade",
    kinds={"duckdb", "polars", "json"},
    description=(
        "IMF IMTS exports FOB / imports CIF by counterpart from every complete release fetched into "
        "raw/imf_sdmx/<release>/ (US dollars, scaled by UNIT_MULT; lineage per row). Empty until "
        "`corridor fetch imf` has saved a release."
    ),
)
def imts_flows(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files, skipped = fetched_release_files(raw_files, FOLDER, context.log)
    with warehouse.connect() as conn:
        result = load_source(
            context, warehouse, raw_files, source=imf_sdmx.SOURCE, table=IMTS_TABLE, files=files,
            parse=imf_sdmx.parse_imts_file, context_version=PARSER_VERSION, conn=conn,
        )
        ensure_table(conn, IMTS_TABLE, imf_sdmx.ROW_SCHEMA)
    return dg.MaterializeResult(metadata={**result.metadata, "skipped_releases": dg.MetadataValue.json(skipped)})


CHECKS = {
    "imts_required_columns_present": "schema: every column the staging model reads exists",
    "imts_value_non_negative": "value_usd >= 0 for every observation",
    "imts_year_in_range": "year between 1948 and the current year",
    "imts_key_unique": "one observation per release, reporter, counterpart, indicator, frequency and period",
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def imts_flows_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = frame_of(conn.sql(f"select * from {IMTS_TABLE} where is_current"))
    e = gx.expectations
    key = ("release", "reporter_code", "partner_code", "indicator", "freq", "time_period")
    outcomes = run_suite("imts_flows", frame, [
        Expectation("imts_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=[*key, "flow", "valuation", "year", "month", "value_usd", "unit_mult", "file", "file_sha256"],
            exact_match=False)),
        Expectation("imts_value_non_negative", e.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key),
        Expectation("imts_year_in_range", e.ExpectColumnValuesToBeBetween(
            column="year", min_value=1948, max_value=dt.date.today().year), key),
        Expectation("imts_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=list(key)), key),
    ])
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
