"""UN Comtrade: fetched releases in ``raw/comtrade/<release>/`` → ``raw.comtrade_flows``, guarded by GX checks.

``corridor fetch comtrade`` saves every API response under ``raw/comtrade/<release>/`` with a
``manifest.json`` (see raw/comtrade/MANIFEST.md). This asset loads the data responses of every
*complete* release, keeping Comtrade's own field names (reporterCode, partnerCode, flowCode,
cmdCode, period, primaryValue, …) plus the lineage columns; ``release`` is the folder name, so a
later release supersedes an earlier one in the marts and the earlier stays in
``marts.fct_trade_flows_history``. Country codes are mapped to Corridor codes in dbt staging
(``stg_comtrade__trade_flows``), where a test fails on any code the mapping does not know.

With no release fetched (the embedded default) the table exists, empty.
"""


import datetime as dt

import dagster as dg
import great_expectations as gx

from orchestration.defs.ingestion._loading import fetched_release_files, load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib.connectors import comtrade
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.warehouse import ensure_table

COMTRADE_TABLE = "raw.comtrade_flows"
ASSET_KEY = dg.AssetKey(["raw", "comtrade_flows"])
PARSER_VERSION = "comtrade/1"
FOLDER = "comtrade"
# what makes a Comtrade record unique within a release (the API's own breakdown dimensions)
RECORD_KEY = ("typeCode", "freqCode", "period", "reporterCode", "partnerCode", "partner2Code", "flowCode",
              "classificationCode", "cmdCode", "customsCode", "mosCode", "motCode")


@dg.asset(
    key=ASSET_KEY,
    group_name="trade",
    kinds={"duckdb", "polars", "json"},
    description=(
        "UN Comtrade records from every complete release fetched into raw/comtrade/<release>/ "
        "(Comtrade's field names; values in US dollars as published; lineage per row). Empty until "
        "`corridor fetch comtrade` has saved a release."
    ),
)
def comtrade_flows(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files, skipped = fetched_release_files(raw_files, FOLDER, context.log)
    with warehouse.connect() as conn:
        result = load_source(
            context, warehouse, raw_files, source=comtrade.SOURCE, table=COMTRADE_TABLE, files=files,
            parse=comtrade.parse_comtrade_file, context_version=PARSER_VERSION, conn=conn,
        )
        ensure_table(conn, COMTRADE_TABLE, comtrade.ROW_SCHEMA)
    return dg.MaterializeResult(metadata={**result.metadata, "skipped_releases": dg.MetadataValue.json(skipped)})


CHECKS = {
    "comtrade_required_columns_present": "schema: every Comtrade field the staging model reads exists",
    "comtrade_value_non_negative": "primaryValue >= 0 for every record",
    "comtrade_year_in_range": "refYear between 1962 (first Comtrade year) and the current year",
    "comtrade_key_unique": "one record per release and Comtrade breakdown (reporter, partner, flow, commodity, period, …)",
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def comtrade_flows_checks(warehouse: WarehouseResource):
    required = list(dict.fromkeys(["release", *RECORD_KEY, "refYear", "primaryValue", "isReported", "isAggregate",
                                   "file", "file_sha256", "source_row"]))
    schema, table = COMTRADE_TABLE.split(".")
    with warehouse.connect(read_only=True) as conn:
        present = {r[0] for r in conn.execute("select column_name from information_schema.columns "
                                              "where table_schema = ? and table_name = ?", [schema, table]).fetchall()}
        # only the columns the suite reads (a missing one fails the schema check): 10 million HS6
        # records with all 38 columns would not fit the memory budget as one frame
        columns = ", ".join(f'"{c}"' for c in required if c in present)
        frame = frame_of(conn.sql(f"select {columns} from {COMTRADE_TABLE} where is_current"))
    e = gx.expectations
    key = ("release", "reporterCode", "partnerCode", "flowCode", "cmdCode", "period")
    outcomes = run_suite("comtrade_flows", frame, [
        Expectation("comtrade_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=required, exact_match=False)),
        Expectation("comtrade_value_non_negative", e.ExpectColumnValuesToBeBetween(column="primaryValue", min_value=0), key),
        Expectation("comtrade_year_in_range", e.ExpectColumnValuesToBeBetween(
            column="refYear", min_value=1962, max_value=dt.date.today().year), key),
        Expectation("comtrade_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=["release", *RECORD_KEY]), key),
    ])
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
