"""UN Comtrade trade matrices: ``raw/comtrade_matrix/<YYYY>/*.csv`` → ``raw.comtrade_matrix``, guarded by GX checks.

A carrier's pivot of Comtrade export records (rows = exporters, columns = partners), not an API
response, so it is its own source and does not go through ``raw.comtrade_flows`` (Comtrade's field
names): see raw/comtrade_matrix/MANIFEST.md and :mod:`orchestration.lib.comtrade_matrix`. One
folder per year of figures (the file has none). The carrier's World column and its zero fill are
quarantined with their reasons, never loaded. Exporter and partner names resolve through the
crosswalk; a cell with an unknown name is quarantined and the blocking check
``comtrade_matrix_country_names_known`` fails until the crosswalk knows it. With no file the table
exists, empty.
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import great_expectations as gx
import polars as pl

from orchestration.defs.ingestion._loading import UNKNOWN_NAME, crosswalk_resolver, load_source
from orchestration.defs.ingestion.registry import CURRENT_LOADS
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import comtrade_matrix
from orchestration.lib.countries import Resolver
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.results import ParseResult
from orchestration.lib.warehouse import LINEAGE_SCHEMA, ensure_table

ASSET_KEY = dg.AssetKey(["raw", "comtrade_matrix"])
PARSER_VERSION = "comtrade_matrix/1"
FIRST_YEAR = 1962  # the first UN Comtrade year
NAMES = {"reporter_name": "reporter", "partner_name": "partner"}
RESOLVED_SCHEMA = {**comtrade_matrix.ROW_SCHEMA, "reporter_code": pl.String, "reporter_type": pl.String,
                   "partner_code": pl.String, "partner_type": pl.String}


def resolve_matrix_names(resolver: Resolver):
    """A transform for the loader: exporter/partner codes added; a cell with an unknown name quarantined."""

    def transform(result: ParseResult, path: Path) -> ParseResult:
        known, unknown = resolver.resolve_names(result.rows, NAMES, path.name, UNKNOWN_NAME)
        return ParseResult(rows=known, quarantine=pl.concat([result.quarantine, unknown]), meta=result.meta)

    return transform


@dg.asset(
    key=ASSET_KEY,
    group_name="trade",
    kinds={"duckdb", "polars", "csv"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "UN Comtrade exports by exporter × partner from every carrier-built trade matrix in "
        "raw/comtrade_matrix/<YYYY>/ (the year is the release folder's; product and transport mode from "
        "the carrier's file name), US dollars as published; the carrier's World column and its zero "
        "fill (no record) are quarantined, never loaded; lineage per cell (line, column)."
    ),
)
def comtrade_matrix_rows(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(comtrade_matrix.FOLDER, "*.csv")
    if not files:
        context.log.info(f"{raw_files.path / comtrade_matrix.FOLDER}: no trade matrix (*.csv); {comtrade_matrix.TABLE} stays empty")
    with warehouse.connect() as conn:
        resolver, crosswalk_version = crosswalk_resolver(conn)
        result = load_source(
            context, warehouse, raw_files, source=comtrade_matrix.SOURCE, table=comtrade_matrix.TABLE, files=files,
            parse=comtrade_matrix.parse_trade_matrix, transform=resolve_matrix_names(resolver),
            context_version=f"{PARSER_VERSION};{crosswalk_version}", conn=conn,
        )
        ensure_table(conn, comtrade_matrix.TABLE, RESOLVED_SCHEMA)
    return result


CHECKS = {
    "comtrade_matrix_required_columns_present": "schema: every column the staging model reads exists",
    "comtrade_matrix_value_non_negative": "value_usd > 0 for every loaded cell (zeros are the carrier's fill, quarantined)",
    "comtrade_matrix_year_in_range": f"year (the release folder's) between {FIRST_YEAR} and the current year",
    "comtrade_matrix_key_unique": "one figure per (release, exporter, partner, flow, year, product)",
    "comtrade_matrix_country_names_known": "every exporter/partner name is in the country crosswalk",
}


def matrix_suite(current_year: int) -> list[Expectation]:
    e = gx.expectations
    key = ("release", "reporter_code", "partner_code", "year")
    return [
        Expectation("comtrade_matrix_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=[*RESOLVED_SCHEMA, *LINEAGE_SCHEMA, "release"], exact_match=False)),
        Expectation("comtrade_matrix_value_non_negative", e.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0, strict_min=True), key),
        Expectation("comtrade_matrix_year_in_range", e.ExpectColumnValuesToBeBetween(
            column="year", min_value=FIRST_YEAR, max_value=current_year), key),
        Expectation("comtrade_matrix_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=list(comtrade_matrix.KEY)), key),
    ]


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def comtrade_matrix_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = frame_of(conn.sql(f"select * from {comtrade_matrix.TABLE} where is_current"))
        names = conn.execute(
            f"""
            select q.raw_value as name, q.file, q."row", null::varchar as code
            from audit.quarantine q
            where q.reason = ? and q.load_id in ({CURRENT_LOADS})
            union all
            select distinct reporter_name, null, null, reporter_code from {comtrade_matrix.TABLE} where is_current
            union all
            select distinct partner_name, null, null, partner_code from {comtrade_matrix.TABLE} where is_current
            """,
            [UNKNOWN_NAME, comtrade_matrix.TABLE],
        ).df()
    outcomes = run_suite("comtrade_matrix", frame, matrix_suite(dt.date.today().year))
    outcomes.update(run_suite("comtrade_matrix_names", names, [
        Expectation("comtrade_matrix_country_names_known", gx.expectations.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "row")),
    ]))
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
