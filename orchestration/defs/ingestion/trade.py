"""Trade: IMF DOTS workbooks → ``raw.trade_flows``, guarded by a Great Expectations suite.

Every ``*.xlsx`` in ``raw/imf_dots/`` is read (any number of reporters). Country names resolve
through the crosswalk (``raw.country_names``); a figure whose partner name is unknown is
quarantined, and the blocking check ``trade_country_names_known`` fails until the crosswalk knows it.
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import great_expectations as gx
import polars as pl

from orchestration.defs.ingestion._loading import UNKNOWN_NAME, crosswalk_resolver, load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import imf_dots
from orchestration.lib.countries import Resolver
from orchestration.lib.errors import SourceFileError
from orchestration.lib.quality import Expectation, frame_of, run_suite
from orchestration.lib.results import ParseResult

TRADE_TABLE = "raw.trade_flows"
PARSER_VERSION = "imf_dots/1"
# The named partner economies (countries and historical entities) of a reporter may add up to a
# little more than its published World total (rounding); more than this is an error. IMF's
# "not specified" rows are left out of the sum: the regional ones roll up into "Countries & Areas
# not specified" and would be counted twice.
PARTNER_SUM_TOLERANCE = 0.02
FIRST_YEAR = 1948


def resolve_trade_names(resolver: Resolver):
    """A transform for the loader: add reporter/partner codes; quarantine unknown partner names."""

    def transform(result: ParseResult, path: Path) -> ParseResult:
        rows = result.rows
        reporter = result.meta.get("reporter_name")
        if reporter is not None and resolver.resolve(reporter) is None:
            raise SourceFileError(path, f"reporter {reporter!r} is not in the country crosswalk (raw/reference/country_names.csv)", row=None)
        rows = resolver.resolve_frame(rows, "reporter_name", "reporter")
        rows = resolver.resolve_frame(rows, "partner_name", "partner")
        unknown = rows.filter(pl.col("partner_code").is_null())
        quarantine = result.quarantine
        if unknown.height:
            first = unknown.group_by("sheet", "source_row", "partner_name").agg().sort("sheet", "source_row")
            quarantine = pl.concat(
                [
                    quarantine,
                    first.select(
                        pl.lit(path.name).alias("file"),
                        pl.col("sheet"),
                        pl.col("source_row").alias("row"),
                        pl.lit("partner").alias("column"),
                        pl.col("partner_name").alias("raw_value"),
                        pl.lit(UNKNOWN_NAME).alias("reason"),
                    ),
                ]
            )
        return ParseResult(rows=rows.filter(pl.col("partner_code").is_not_null()), quarantine=quarantine, meta=result.meta)

    return transform


@dg.asset(
    key=["raw", "trade_flows"],
    group_name="trade",
    kinds={"duckdb", "polars", "excel"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "Merchandise trade by reporter × partner × year × flow from every IMF DOTS workbook in "
        "raw/imf_dots/: exports FOB and imports CIF in US dollars (unit read from each sheet), IMF "
        "estimates flagged, every row with its lineage (file, sha256, sheet, row)."
    ),
)
def trade_flows(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files("imf_dots", "*.xlsx")
    if not files:
        raise dg.Failure(f"{raw_files.path / 'imf_dots'}: no IMF DOTS workbooks (*.xlsx) found")
    with warehouse.connect() as conn:
        resolver, crosswalk_version = crosswalk_resolver(conn)
        return load_source(
            context, warehouse, raw_files, source=imf_dots.SOURCE, table=TRADE_TABLE, files=files,
            parse=imf_dots.parse_dots_workbook, transform=resolve_trade_names(resolver),
            context_version=f"{PARSER_VERSION};{crosswalk_version}", conn=conn,
        )


CHECKS = {
    "trade_required_columns_present": "schema: every column the staging models read exists",
    "trade_value_non_negative": "value_usd >= 0 for every figure",
    "trade_year_in_range": f"year between {FIRST_YEAR} and the current year",
    "trade_unit_is_declared": "every sheet's unit is one Corridor knows",
    "trade_key_unique": "one figure per (source, release, reporter, partner, flow, year)",
    "trade_country_names_known": "every reporter/partner name is in the country crosswalk",
    "trade_partner_sum_within_world_total": f"sum over partner countries <= World total × {1 + PARTNER_SUM_TOLERANCE}",
}


def trade_suite(current_year: int) -> list[Expectation]:
    e = gx.expectations
    key = ("reporter_code", "partner_code", "flow", "year")
    return [
        Expectation("trade_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=["source", "reporter_code", "partner_code", "flow", "valuation", "year", "value_usd",
                        "is_estimate", "file", "file_sha256", "sheet", "source_row"], exact_match=False)),
        Expectation("trade_value_non_negative", e.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key),
        Expectation("trade_year_in_range", e.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year), key),
        Expectation("trade_unit_is_declared", e.ExpectColumnValuesToBeInSet(
            column="unit_as_published", value_set=["US Dollars", "US Dollars, Thousands", "US Dollars, Millions", "US Dollars, Billions"]), key),
        Expectation("trade_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=["source", "release", *key]), ("release", *key)),
    ]


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=["raw", "trade_flows"], blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def trade_flows_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = frame_of(conn.sql(
            "select source, release, reporter_code, partner_code, flow, valuation, year, value_usd, is_estimate, "
            "unit_as_published, file, file_sha256, sheet, source_row from raw.trade_flows where is_current"
        ))
        names = conn.execute(
            """
            select q.raw_value as name, q.file, q.sheet, q."row", null::varchar as code
            from audit.quarantine q
            join (select distinct load_id from raw.trade_flows where is_current) l using (load_id)
            where q.reason = ?
            union all
            select distinct reporter_name, null, null, null, reporter_code from raw.trade_flows where is_current
            """,
            [UNKNOWN_NAME],
        ).df()
        sums = conn.execute(
            """
            with t as (
                select t.release, t.reporter_code, t.flow, t.year, t.value_usd, c.entity_type, t.partner_code
                from raw.trade_flows t
                join (select distinct code, entity_type from raw.country_names where is_current) c on c.code = t.partner_code
                where t.is_current
            )
            select release, reporter_code, flow, year,
                   sum(value_usd) filter (where entity_type in ('country', 'historical')) as partner_sum_usd,
                   max(value_usd) filter (where partner_code = 'WLD') as world_usd
            from t group by all having world_usd is not null
            """
        ).df()
    sums["world_with_tolerance_usd"] = sums["world_usd"] * (1 + PARTNER_SUM_TOLERANCE)
    sums["partner_sum_usd"] = sums["partner_sum_usd"].fillna(0.0)

    outcomes = run_suite("trade_flows", frame, trade_suite(dt.date.today().year))
    outcomes.update(run_suite("trade_names", names, [
        Expectation("trade_country_names_known", gx.expectations.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "sheet", "row")),
    ]))
    outcomes.update(run_suite("trade_partner_sums", sums, [
        Expectation("trade_partner_sum_within_world_total", gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="world_with_tolerance_usd", column_B="partner_sum_usd", or_equal=True), ("release", "reporter_code", "flow", "year")),
    ]))
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=dg.AssetKey(["raw", "trade_flows"]), passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
