"""Company registry sources: dated aggregate counts, and company-level registry exports.

Two file layouts (documented in ``raw/registry_counts/MANIFEST.md``):

* counts  ``host_iso3,origin_iso3,as_of,registered,active,source,url`` -- one published figure
  pair per row; a blank count means "not published".
* records ``company_id,name,host_iso3,origin_iso3,registered_on,status,status_on,sector`` --
  one company per row; ``status`` (active | inactive | liquidated) is the current status,
  effective since ``status_on`` (blank for active = since registration).

Both readers are pure functions returning a :class:`ParseResult`; a bad row is quarantined with
its 1-based line number, column, raw value and reason, never raised.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from orchestration.lib.fdi import (
    blank_to_null,
    concat_quarantine,
    quarantine_rows,
    read_source_csv,
    require_columns,
)
from orchestration.lib.results import ParseResult

COUNT_COLUMNS: tuple[str, ...] = ("host_iso3", "origin_iso3", "as_of", "registered", "active", "source", "url")
RECORD_COLUMNS: tuple[str, ...] = (
    "company_id",
    "name",
    "host_iso3",
    "origin_iso3",
    "registered_on",
    "status",
    "status_on",
    "sector",
)
RECORD_REQUIRED: tuple[str, ...] = ("company_id", "name", "host_iso3", "origin_iso3", "registered_on", "status")
STATUSES: tuple[str, ...] = ("active", "inactive", "liquidated")

COUNT_ROW_SCHEMA: dict[str, pl.DataType] = {
    "host_iso3": pl.String,
    "origin_iso3": pl.String,
    "as_of": pl.Date,
    "registered": pl.Int64,
    "active": pl.Int64,
    "source": pl.String,
    "url": pl.String,
    "source_row": pl.Int64,
}
RECORD_ROW_SCHEMA: dict[str, pl.DataType] = {
    "company_id": pl.String,
    "name": pl.String,
    "host_iso3": pl.String,
    "origin_iso3": pl.String,
    "registered_on": pl.Date,
    "status": pl.String,
    "status_on": pl.Date,
    "sector": pl.String,
    "source_row": pl.Int64,
}
COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "host_iso3": pl.String,
    "origin_iso3": pl.String,
    "as_of": pl.Date,
    "registered": pl.Int64,
    "active": pl.Int64,
}

_ISO3 = r"^[A-Z]{3}$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_WHOLE = r"^[+-]?\d+$"


def _date(column: str) -> pl.Expr:
    """ISO date (YYYY-MM-DD) or null."""
    text = pl.col(column)
    return pl.when(text.str.contains(_ISO_DATE)).then(text.str.to_date("%Y-%m-%d", strict=False))


def _whole(column: str) -> pl.Expr:
    """Whole number or null."""
    text = pl.col(column)
    return pl.when(text.str.contains(_WHOLE)).then(text.cast(pl.Int64, strict=False))


def _date_checks(column: str, today: date, *, required: bool) -> list[tuple[str, pl.Expr, pl.Expr]]:
    raw, parsed = pl.col(column), pl.col(f"{column}__d")
    checks = [
        (column, raw.is_not_null() & parsed.is_null(), pl.format("not a date (YYYY-MM-DD): '{}'", raw)),
        (column, parsed > pl.lit(today), pl.format("date in the future: '{}'", raw)),
    ]
    if required:
        checks.append((column, raw.is_null(), pl.lit(f"missing {column}")))
    return checks


def _apply_checks(
    path: Path, frame: pl.DataFrame, checks: list[tuple[str, pl.Expr, pl.Expr]]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Split ``frame`` into rows passing every check, and quarantine frames for the failures."""
    parts = [
        quarantine_rows(path, frame.filter(failed.fill_null(False)), column, pl.col(column), reason)
        for column, failed, reason in checks
    ]
    good = frame.filter(~pl.any_horizontal(failed.fill_null(False) for _, failed, _ in checks))
    return good, parts


def _first_of_key(
    path: Path, frame: pl.DataFrame, key: list[str], column: str, reason: pl.Expr
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each key; quarantine the others."""
    later = pl.int_range(pl.len()).over(key) > 0
    frame = frame.sort("source_row")
    return frame.filter(~later), quarantine_rows(path, frame.filter(later), column, pl.col(column), reason)


def parse_company_counts(path: str | Path, *, today: date | None = None) -> ParseResult:
    """Parse a company-counts CSV (``host_iso3,origin_iso3,as_of,registered,active,source,url``).

    Rows: host_iso3, origin_iso3, as_of (date), registered, active (Int64, null = not published),
    source, url, source_row. Quarantined: a code that is not ISO3, a bad or future date
    (after ``today``, default the current date), a count that is not a whole number or is
    negative, no count at all, active > registered, a duplicate (host, origin, as_of) after the first.
    """
    path = Path(path)
    today = today or date.today()
    table = read_source_csv(path, free_text_column="source")
    require_columns(path, table.frame, COUNT_COLUMNS)
    frame = table.frame.select(["source_row", *COUNT_COLUMNS]).with_columns(
        blank_to_null(c) for c in COUNT_COLUMNS
    )
    frame = frame.with_columns(
        as_of__d=_date("as_of"), registered__n=_whole("registered"), active__n=_whole("active")
    )
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    for c in ("host_iso3", "origin_iso3"):
        checks += [
            (c, pl.col(c).is_null(), pl.lit(f"missing {c}")),
            (c, ~pl.col(c).str.contains(_ISO3), pl.format("not an ISO3 code: '{}'", pl.col(c))),
        ]
    checks += _date_checks("as_of", today, required=True)
    for c in ("registered", "active"):
        raw, num = pl.col(c), pl.col(f"{c}__n")
        checks += [
            (c, raw.is_not_null() & num.is_null(), pl.format("not a whole number: '{}'", raw)),
            (c, num < 0, pl.format("negative count: '{}'", raw)),
        ]
    checks += [
        ("registered", pl.col("registered").is_null() & pl.col("active").is_null(), pl.lit("no count published")),
        (
            "active",
            pl.col("active__n") > pl.col("registered__n"),
            pl.format("active {} > registered {}", pl.col("active"), pl.col("registered")),
        ),
    ]
    good, parts = _apply_checks(path, frame, checks)
    good, dup = _first_of_key(
        path,
        good,
        ["host_iso3", "origin_iso3", "as_of__d"],
        "as_of",
        pl.format(
            "duplicate of an earlier row for {} {} {}", pl.col("host_iso3"), pl.col("origin_iso3"), pl.col("as_of")
        ),
    )
    rows = good.select(
        "host_iso3",
        "origin_iso3",
        as_of="as_of__d",
        registered="registered__n",
        active="active__n",
        source="source",
        url="url",
        source_row="source_row",
    ).cast(COUNT_ROW_SCHEMA)
    quarantine = concat_quarantine([table.quarantine, *parts, dup])
    return ParseResult(rows=rows, quarantine=quarantine, meta={"repaired_rows": table.repaired_rows})


def parse_company_records(path: str | Path, *, today: date | None = None) -> ParseResult:
    """Parse a company-level registry export (one company per row).

    Rows: company_id, name, host_iso3, origin_iso3, registered_on, status, status_on, sector,
    source_row. Quarantined: a missing required field, a code that is not ISO3, an unknown status,
    a bad or future date, status_on before registered_on, an inactive/liquidated company without
    status_on, a duplicate company_id (every occurrence after the first).
    """
    path = Path(path)
    today = today or date.today()
    table = read_source_csv(path)
    require_columns(path, table.frame, RECORD_COLUMNS)
    frame = table.frame.select(["source_row", *RECORD_COLUMNS]).with_columns(
        blank_to_null(c) for c in RECORD_COLUMNS
    )
    frame = frame.with_columns(
        registered_on__d=_date("registered_on"),
        status_on__d=_date("status_on"),
        status=pl.col("status").str.to_lowercase(),
    )
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        (c, pl.col(c).is_null(), pl.lit(f"missing {c}")) for c in RECORD_REQUIRED if c != "registered_on"
    ]
    checks += [
        (c, ~pl.col(c).str.contains(_ISO3), pl.format("not an ISO3 code: '{}'", pl.col(c)))
        for c in ("host_iso3", "origin_iso3")
    ]
    checks += [("status", ~pl.col("status").is_in(STATUSES), pl.format("unknown status: '{}'", pl.col("status")))]
    checks += _date_checks("registered_on", today, required=True)
    checks += _date_checks("status_on", today, required=False)
    checks += [
        (
            "status_on",
            pl.col("status_on__d") < pl.col("registered_on__d"),
            pl.format("status date '{}' before registration '{}'", pl.col("status_on"), pl.col("registered_on")),
        ),
        (
            "status_on",
            (pl.col("status") != "active") & pl.col("status_on").is_null(),
            pl.format("missing status_on for status '{}'", pl.col("status")),
        ),
    ]
    good, parts = _apply_checks(path, frame, checks)
    good, dup = _first_of_key(
        path, good, ["company_id"], "company_id", pl.format("duplicate company_id '{}'", pl.col("company_id"))
    )
    rows = good.select(
        "company_id",
        "name",
        "host_iso3",
        "origin_iso3",
        registered_on="registered_on__d",
        status="status",
        status_on="status_on__d",
        sector="sector",
        source_row="source_row",
    ).cast(RECORD_ROW_SCHEMA)
    return ParseResult(rows=rows, quarantine=concat_quarantine([table.quarantine, *parts, dup]))


def counts_from_records(records: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Registered and active companies per (host_iso3, origin_iso3) on ``as_of``.

    ``records`` are rows of :func:`parse_company_records`. A company counts as registered when
    ``registered_on <= as_of``; as active when registered and either its status is ``active`` or
    its status changed (to inactive/liquidated) only after ``as_of`` (``status_on > as_of``).
    One row per (host, origin) present in ``records`` (counts may be 0).
    """
    registered = pl.col("registered_on") <= as_of
    active = registered & ((pl.col("status") == "active") | (pl.col("status_on") > as_of).fill_null(False))
    return (
        records.group_by("host_iso3", "origin_iso3")
        .agg(registered=registered.sum(), active=active.sum())
        .select("host_iso3", "origin_iso3", as_of=pl.lit(as_of), registered="registered", active="active")
        .cast(COUNTS_SCHEMA)
        .sort("host_iso3", "origin_iso3")
    )
