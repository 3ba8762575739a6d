"""IMF CDIS direct-investment positions: ``raw/fdi_cdis/**/*.csv`` → ``raw.fdi_cdis``, guarded by GX checks.

Both sides of a pair: the host's inward position from the investor (``IIW_BP6_USD``) and the
investor's outward position in the host (``IOW_BP6_USD``), kept apart (``reporting_side``) so the
marts can set them against each other (``marts.fdi_mirror``). See raw/fdi_cdis/MANIFEST.md and
:mod:`orchestration.lib.fdi_cdis`. IMF area codes are mapped to Corridor codes in dbt staging, where
the test ``all_codes_mapped`` fails on a code the mapping does not know. With no file the table
exists, empty.
"""


import datetime as dt

import dagster as dg
import great_expectations as gx

from orchestration.defs.ingestion._loading import load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import fdi_cdis
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.warehouse import LINEAGE_SCHEMA, ensure_table

ASSET_KEY = dg.AssetKey(["raw", "fdi_cdis"])
PARSER_VERSION = "fdi_cdis/1"
FIRST_YEAR = 2009  # the first CDIS reference year
# no bilateral direct-investment position reaches USD 10 trillion: a figure above 1e7 means the file
# is in dollars, not in the millions the carrier's value_usd column holds
MAX_MILLIONS = 1e7


@dg.asset(
    key=ASSET_KEY,
    group_name="investment",
    kinds={"duckdb", "polars", "csv"},
    description=(
        "IMF CDIS end-year direct-investment positions from every extract in raw/fdi_cdis/: the host's "
        "inward position (IIW_BP6_USD, reported by the host) and the investor's outward position "
        "(IOW_BP6_USD, reported by the investor), US dollars (published in millions), IMF area codes as "
        "written, lineage per row. The carrier's Data360 copy is quarantined (not independent)."
    ),
)
def fdi_cdis_positions(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(fdi_cdis.FOLDER, "*.csv")
    if not files:
        context.log.info(f"{raw_files.path / fdi_cdis.FOLDER}: no CDIS extracts (*.csv); {fdi_cdis.TABLE} stays empty")
    with warehouse.connect() as conn:
        result = load_source(
            context, warehouse, raw_files, source=fdi_cdis.SOURCE, table=fdi_cdis.TABLE, files=files,
            parse=fdi_cdis.parse_cdis_file, context_version=PARSER_VERSION, conn=conn,
        )
        ensure_table(conn, fdi_cdis.TABLE, fdi_cdis.ROW_SCHEMA)
    return result


CHECKS = {
    "fdi_cdis_required_columns_present": "schema: every column the staging model reads exists",
    "fdi_cdis_year_in_range": f"year between {FIRST_YEAR} (the first CDIS year) and the current year",
    "fdi_cdis_key_unique": "one position per (release, reporter, counterpart, indicator, year)",
    "fdi_cdis_values_in_millions": f"|value as published| < {MAX_MILLIONS:.0e}: the figures are in USD millions, as documented",
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def fdi_cdis_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = frame_of(conn.sql(
            f"select *, abs(try_cast(value_as_published as double)) as abs_millions from {fdi_cdis.TABLE} where is_current"))
    e = gx.expectations
    key = ("release", *fdi_cdis.KEY)
    outcomes = run_suite("fdi_cdis", frame, [
        Expectation("fdi_cdis_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=[*fdi_cdis.ROW_SCHEMA, *LINEAGE_SCHEMA], exact_match=False)),
        Expectation("fdi_cdis_year_in_range", e.ExpectColumnValuesToBeBetween(
            column="year", min_value=FIRST_YEAR, max_value=dt.date.today().year), key),
        Expectation("fdi_cdis_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=list(key)), key),
        Expectation("fdi_cdis_values_in_millions", e.ExpectColumnValuesToBeBetween(
            column="abs_millions", max_value=MAX_MILLIONS, strict_max=True), (*key, "value_as_published")),
    ])
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )

