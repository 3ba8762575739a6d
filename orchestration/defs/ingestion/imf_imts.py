"""IMF IMTS goods-exports matrix: ``raw/imf_imts/<YYYY>/*.json`` → ``raw.imf_imts``, guarded by GX checks.

One folder per year of figures (the carrier's JSON has no year field; see
raw/imf_imts/MANIFEST.md and :mod:`orchestration.lib.imf_imts`). Exporter and importer names resolve
through the crosswalk (``raw.country_names``); an edge with an unknown name is quarantined and the
blocking check ``imf_imts_country_names_known`` fails until the crosswalk knows it. With no file
the table exists, empty (the source is optional).
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import great_expectations as gx
import polars as pl

from orchestration.defs.ingestion._loading import UNKNOWN_NAME, crosswalk_resolver, load_source
from orchestration.defs.ingestion.registry import CURRENT_LOADS
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import imf_imts
from orchestration.lib.countries import Resolver
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.results import ParseResult
from orchestration.lib.warehouse import LINEAGE_SCHEMA, ensure_table

ASSET_KEY = dg.AssetKey(["raw", "imf_imts"])
PARSER_VERSION = "imf_imts/1"
FIRST_YEAR = 1948
NAMES = {"reporter_name": "reporter", "partner_name": "partner"}
RESOLVED_SCHEMA = {**imf_imts.ROW_SCHEMA, "reporter_code": pl.String, "reporter_type": pl.String,
                   "partner_code": pl.String, "partner_type": pl.String}


def resolve_imts_names(resolver: Resolver):
    """A transform for the loader: exporter/importer codes added; an edge with an unknown name quarantined."""

    def transform(result: ParseResult, path: Path) -> ParseResult:
        known, unknown = resolver.resolve_names(result.rows, NAMES, path.name, UNKNOWN_NAME)
        return ParseResult(rows=known, quarantine=pl.concat([result.quarantine, unknown]), meta=result.meta)

    return transform


@dg.asset(
    key=ASSET_KEY,
    group_name="trade",
    kinds={"duckdb", "polars", "json"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "IMF IMTS goods exports FOB by exporter × importer (each exporter's own report, indicator "
        "XG_FOB_USD) from every matrix in raw/imf_imts/<YYYY>/ (the year is the release folder's: the "
        "carrier's JSON has none); US dollars (published in millions), names resolved through "
        "raw.country_names, lineage per edge. No imports, no World totals."
    ),
)
def imf_imts_matrix(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(imf_imts.FOLDER, "*.json")
    if not files:
        context.log.info(f"{raw_files.path / imf_imts.FOLDER}: no IMTS matrix (*.json); {imf_imts.TABLE} stays empty")
    with warehouse.connect() as conn:
        resolver, crosswalk_version = crosswalk_resolver(conn)
        result = load_source(
            context, warehouse, raw_files, source=imf_imts.SOURCE, table=imf_imts.TABLE, files=files,
            parse=imf_imts.parse_imts_matrix, transform=resolve_imts_names(resolver),
            context_version=f"{PARSER_VERSION};{crosswalk_version}", conn=conn,
        )
        ensure_table(conn, imf_imts.TABLE, RESOLVED_SCHEMA)
    return result


CHECKS = {
    "imf_imts_required_columns_present": "schema: every column the staging model reads exists",
    "imf_imts_value_non_negative": "value_usd >= 0 for every edge",
    "imf_imts_year_in_range": f"year (the release folder's) between {FIRST_YEAR} and the current year",
    "imf_imts_key_unique": "one figure per (release, exporter, importer, flow, year)",
    "imf_imts_country_names_known": "every exporter/importer name is in the country crosswalk",
}


def imts_suite(current_year: int) -> list[Expectation]:
    e = gx.expectations
    key = ("release", "reporter_code", "partner_code", "year")
    return [
        Expectation("imf_imts_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=[*RESOLVED_SCHEMA, *LINEAGE_SCHEMA, "release"], exact_match=False)),
        Expectation("imf_imts_value_non_negative", e.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key),
        Expectation("imf_imts_year_in_range", e.ExpectColumnValuesToBeBetween(
            column="year", min_value=FIRST_YEAR, max_value=current_year), key),
        Expectation("imf_imts_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=list(imf_imts.KEY)), key),
    ]


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def imf_imts_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = frame_of(conn.sql(f"select * from {imf_imts.TABLE} where is_current"))
        names = conn.execute(
            f"""
            select q.raw_value as name, q.file, q."row", null::varchar as code
            from audit.quarantine q
            where q.reason = ? and q.load_id in ({CURRENT_LOADS})
            union all
            select distinct reporter_name, null, null, reporter_code from {imf_imts.TABLE} where is_current
            union all
            select distinct partner_name, null, null, partner_code from {imf_imts.TABLE} where is_current
            """,
            [UNKNOWN_NAME, imf_imts.TABLE],
        ).df()
    outcomes = run_suite("imf_imts", frame, imts_suite(dt.date.today().year))
    outcomes.update(run_suite("imf_imts_names", names, [
        Expectation("imf_imts_country_names_known", gx.expectations.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "row")),
    ]))
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
