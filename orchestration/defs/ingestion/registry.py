"""Company registry: published counts and company-level exports → ``raw.company_counts`` / ``raw.company_records``.

* ``raw/registry_counts/*.csv`` — dated aggregate counts (registered / active) as officials state
  them; loaded into ``raw.company_counts``.
* ``raw/registry_companies/*.csv`` — company-level registry exports (one company per row); loaded
  into ``raw.company_records``. No such export exists for the first corridor, so the folder is
  absent by default: the asset then still materialises, as an **empty** ``raw.company_records``
  with the full schema (0 rows current), so checks and SQL against it behave the same whether or
  not an export was ever delivered; a file that leaves the folder has its rows marked not current.

Both layouts write ISO3 codes; a code the crosswalk (``raw.country_names``) does not know is
quarantined and the blocking check ``registry_country_codes_known`` fails until it is added. Where
both exist, counts derived from the records are compared with the published counts
(``registry_counts_match_records``, a WARN check: published figures are statements, not registry
extracts, and a mismatch is worth a look rather than a failed build).
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import great_expectations as gx
import pandas as pd
import polars as pl

from orchestration.defs.ingestion._loading import load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import registry
from orchestration.lib.quality import Expectation, run_suite
from orchestration.lib.results import ParseResult

COUNTS_TABLE = "raw.company_counts"
RECORDS_TABLE = "raw.company_records"
COUNTS_KEY = dg.AssetKey(["raw", "company_counts"])
RECORDS_KEY = dg.AssetKey(["raw", "company_records"])
COUNTS_FOLDER = "registry_counts"
RECORDS_FOLDER = "registry_companies"
PARSER_VERSION = "registry/1"
UNKNOWN_CODE = "unknown country code (not in raw/reference/country_names.csv)"
CODE_COLUMNS = ("host_iso3", "origin_iso3")

# lineage columns load_files adds to every raw row (used to create the empty records table)
LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "file_sha256": pl.String,
    "load_id": pl.String,
    "loaded_at": pl.Datetime("us", "UTC"),
    "load_context": pl.String,
    "is_current": pl.Boolean,
}


def _codes(conn) -> tuple[set[str], str]:
    frame = conn.execute("select distinct code, file_sha256 from raw.country_names where is_current").fetchall()
    if not frame:
        raise dg.Failure("raw.country_names is empty: materialise the reference assets first")
    return {c for c, _ in frame}, ",".join(sorted({s for _, s in frame}))


def quarantine_unknown_codes(codes: set[str]):
    """A transform for the loader: quarantine rows whose host or origin code is not in the crosswalk."""

    def transform(result: ParseResult, path: Path) -> ParseResult:
        rows = result.rows
        parts = [result.quarantine]
        for column in CODE_COLUMNS:
            unknown = rows.filter(~pl.col(column).is_in(list(codes)).fill_null(False))
            parts.append(unknown.select(
                file=pl.lit(path.name), sheet=pl.lit(None, pl.String), row=pl.col("source_row").cast(pl.Int64),
                column=pl.lit(column), raw_value=pl.col(column), reason=pl.lit(UNKNOWN_CODE),
            ))
        known = pl.all_horizontal(pl.col(c).is_in(list(codes)).fill_null(False) for c in CODE_COLUMNS)
        return ParseResult(rows=rows.filter(known), quarantine=pl.concat(parts), meta=result.meta)

    return transform


@dg.asset(
    key=COUNTS_KEY,
    group_name="registry",
    kinds={"duckdb", "polars", "csv"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "Companies of an origin registered / active in a host country on a date, as published "
        "(raw/registry_counts/*.csv); a blank count = not published. Lineage per row."
    ),
)
def company_counts(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(COUNTS_FOLDER, "*.csv")
    if not files:
        raise dg.Failure(f"{raw_files.path / COUNTS_FOLDER}: no company-count files (*.csv) found")
    with warehouse.connect() as conn:
        codes, version = _codes(conn)
        return load_source(
            context, warehouse, raw_files, source="registry_counts", table=COUNTS_TABLE, files=files,
            parse=registry.parse_company_counts, transform=quarantine_unknown_codes(codes),
            context_version=f"{PARSER_VERSION};{version}", conn=conn,
        )


@dg.asset(
    key=RECORDS_KEY,
    group_name="registry",
    kinds={"duckdb", "polars", "csv"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "Company-level registry exports (raw/registry_companies/*.csv, one company per row: id, name, "
        "host, origin, registration date, status, sector). Empty (0 rows) when no export exists, "
        "as for Azerbaijan today."
    ),
)
def company_records(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(RECORDS_FOLDER, "*.csv")
    if not files:
        context.log.info(f"{raw_files.path / RECORDS_FOLDER}: no company-level exports; {RECORDS_TABLE} stays empty")
    empty = pl.DataFrame(schema={**registry.RECORD_ROW_SCHEMA, **LINEAGE_SCHEMA})
    with warehouse.connect() as conn:
        conn.execute(f"create table if not exists {RECORDS_TABLE} as select * from empty")
        codes, version = _codes(conn)
        return load_source(
            context, warehouse, raw_files, source="registry_companies", table=RECORDS_TABLE, files=files,
            parse=registry.parse_company_records, transform=quarantine_unknown_codes(codes),
            context_version=f"{PARSER_VERSION};{version}", conn=conn,
        )


COUNTS_CHECKS = {
    "registry_active_not_above_registered": "active <= registered where both are published",
    "registry_dates_not_in_future": "as_of is not after today",
    "registry_country_codes_known": "every host/origin code is in the country crosswalk",
}
RECORDS_CHECKS = {
    "registry_company_ids_unique": "one row per company_id across all current exports",
    "registry_dates_not_in_future": "registered_on and status_on are not after today",
    "registry_country_codes_known": "every host/origin code is in the country crosswalk",
}
MATCH_CHECK = "registry_counts_match_records"


# the load that produced each file's current rows (its latest 'loaded' entry, unless removed since)
CURRENT_LOADS = """
    select load_id from (
        select file, arg_max(load_id, finished_at) as load_id, arg_max(status, finished_at) as status
        from audit.load_log where target_table = ? and status in ('loaded', 'removed') group by file
    ) where status = 'loaded'
"""


def _codes_frame(conn, table: str) -> pd.DataFrame:
    """Quarantined unknown codes (code null) and the codes of current rows, for the codes-known check.

    Quarantine rows count when they belong to a file's current load, even if every row of that
    file was quarantined (so the file has no rows in the table)."""
    return conn.execute(
        f"""
        select q.raw_value as name, q.file, q."row", null::varchar as code
        from audit.quarantine q
        where q.reason = ? and q.load_id in ({CURRENT_LOADS})
        union all
        select distinct host_iso3, null, null, host_iso3 from {table} where is_current
        union all
        select distinct origin_iso3, null, null, origin_iso3 from {table} where is_current
        """,
        [UNKNOWN_CODE, table],
    ).df()


def counts_vs_records(counts: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Published counts beside the counts the records give on the same date, one row per figure
    (registered / active) where both are known."""
    pairs = counts.join(records.select(*CODE_COLUMNS).unique(), on=list(CODE_COLUMNS), how="semi")
    derived = [
        registry.counts_from_records(records, as_of).join(
            pairs.filter(pl.col("as_of") == as_of).select(*CODE_COLUMNS), on=list(CODE_COLUMNS), how="semi")
        for as_of in pairs["as_of"].unique().sort().to_list()
    ]
    schema = {"host_iso3": pl.String, "origin_iso3": pl.String, "as_of": pl.String, "figure": pl.String,
              "published": pl.Int64, "from_records": pl.Int64}
    if not derived:
        return pl.DataFrame(schema=schema)
    both = pairs.join(pl.concat(derived), on=[*CODE_COLUMNS, "as_of"], suffix="_from_records")
    return pl.concat([
        both.select(*CODE_COLUMNS, as_of=pl.col("as_of").cast(pl.String), figure=pl.lit(figure),
                    published=pl.col(figure), from_records=pl.col(f"{figure}_from_records"))
        for figure in ("registered", "active")
    ]).filter(pl.col("published").is_not_null() & pl.col("from_records").is_not_null()).cast(schema)


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(n, asset=COUNTS_KEY, blocking=True, description=d) for n, d in COUNTS_CHECKS.items()]
    + [dg.AssetCheckSpec(MATCH_CHECK, asset=COUNTS_KEY, blocking=False, additional_deps=[RECORDS_KEY],
                         description="WARN: counts derived from company records equal the published counts (same host, origin, date)")],
)
def company_counts_checks(warehouse: WarehouseResource):
    today = dt.date.today()
    with warehouse.connect(read_only=True) as conn:
        counts = conn.sql(
            f"select host_iso3, origin_iso3, as_of, registered, active, file, source_row, "
            f"date_diff('day', ?::date, as_of) as days_after_today from {COUNTS_TABLE} where is_current",
            params=[today],
        ).pl()
        codes = _codes_frame(conn, COUNTS_TABLE)
        has_records = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'company_records'"
        ).fetchall()[0][0]
        records = conn.sql(f"select * from {RECORDS_TABLE} where is_current").pl() if has_records else None
    e = gx.expectations
    key = ("host_iso3", "origin_iso3", "as_of")
    frame = counts.with_columns(pl.col("as_of").cast(pl.String)).to_pandas()
    outcomes = run_suite("company_counts", frame, [
        Expectation("registry_active_not_above_registered", e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="registered", column_B="active", or_equal=True, ignore_row_if="either_value_is_missing"), (*key, "registered", "active")),
        Expectation("registry_dates_not_in_future", e.ExpectColumnValuesToBeBetween(column="days_after_today", max_value=0), key),
    ])
    outcomes.update(run_suite("company_counts_codes", codes, [
        Expectation("registry_country_codes_known", e.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "row")),
    ]))
    for name in COUNTS_CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(check_name=name, asset_key=COUNTS_KEY, passed=o.passed,
                                  severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata())

    compared = counts_vs_records(counts.drop("days_after_today"), records) if records is not None and records.height else None
    if compared is None or compared.is_empty():
        yield dg.AssetCheckResult(
            check_name=MATCH_CHECK, asset_key=COUNTS_KEY, passed=True, severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows_checked": 0, "note": "no published count has company-level records for the same host and origin"},
        )
        return
    o = run_suite("company_counts_vs_records", compared.to_pandas(), [
        Expectation(MATCH_CHECK, e.ExpectColumnPairValuesToBeEqual(
            column_A="published", column_B="from_records", ignore_row_if="either_value_is_missing"),
            ("host_iso3", "origin_iso3", "as_of", "figure", "published", "from_records")),
    ])[MATCH_CHECK]
    yield dg.AssetCheckResult(
        check_name=MATCH_CHECK, asset_key=COUNTS_KEY, passed=o.passed, severity=dg.AssetCheckSeverity.WARN,
        metadata={**o.metadata(), "comparisons": dg.MetadataValue.json(compared.to_dicts())},
    )


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(n, asset=RECORDS_KEY, blocking=True, description=d) for n, d in RECORDS_CHECKS.items()],
)
def company_records_checks(warehouse: WarehouseResource):
    today = dt.date.today()
    with warehouse.connect(read_only=True) as conn:
        frame = conn.execute(
            f"select company_id, host_iso3, origin_iso3, file, source_row, "
            f"date_diff('day', ?::date, greatest(registered_on, coalesce(status_on, registered_on))) as days_after_today "
            f"from {RECORDS_TABLE} where is_current",
            [today],
        ).df()
        codes = _codes_frame(conn, RECORDS_TABLE)
    e = gx.expectations
    key = ("company_id", "file", "source_row")
    outcomes = run_suite("company_records", frame, [
        Expectation("registry_company_ids_unique", e.ExpectColumnValuesToBeUnique(column="company_id"), key),
        Expectation("registry_dates_not_in_future", e.ExpectColumnValuesToBeBetween(column="days_after_today", max_value=0), key),
    ])
    outcomes.update(run_suite("company_records_codes", codes, [
        Expectation("registry_country_codes_known", e.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "row")),
    ]))
    for name in RECORDS_CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(check_name=name, asset_key=RECORDS_KEY, passed=o.passed,
                                  severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata())
