"""Claims: figures quoted in documents, to be checked against the statistics (never ground truth).

Two things live here, both pure Python (no Dagster):

* the ledger parser: ``raw/claims/*.csv`` (see ``raw/claims/MANIFEST.md``) → :class:`ParseResult`,
  bad rows quarantined with row, column and reason;
* :func:`parse_period`: the period grammar ``YYYY``, ``YYYY-Qn``, ``YYYY-MM..YYYY-MM``, ``YYYY-MM-DD``
  (the one definition: the article checker, :mod:`orchestration.lib.articles`, writes periods in it).

The article checker (``corridor claims check ARTICLE``) is :mod:`orchestration.lib.articles`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.reference import read_csv_text
from orchestration.lib.results import ParseResult, quarantine_frame

SOURCE = "claims"

COLUMNS = [
    "claim_id", "document", "publisher", "published_date", "quote", "metric", "reporter_iso3",
    "partner_iso3", "period", "value", "unit", "basis", "basis_note",
]
METRICS = (
    "turnover", "exports", "imports", "turnover_yoy_pct", "exports_yoy_pct", "imports_yoy_pct",
    "partner_share_pct", "import_share_pct", "export_share_pct", "partner_rank", "import_rank", "export_rank",
    "companies_registered", "companies_active", "fdi_inflow", "fdi_outflow", "fdi_stock", "investment_total",
    "agreements_value", "agreements_count",
)
UNITS = ("USD bn", "USD mn", "USD", "percent", "rank", "count")
BASES = ("AZE", "CHN", "CBAR", "unknown")

YEAR_RE = re.compile(r"^(\d{4})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
MONTHS_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.\.(\d{4})-(0[1-9]|1[0-2])$")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# The grammar as one regex (what the GX check ``claims_period_parseable`` expects).
PERIOD_PATTERN = r"^(?:\d{4}|\d{4}-Q[1-4]|\d{4}-(?:0[1-9]|1[0-2])\.\.\d{4}-(?:0[1-9]|1[0-2])|\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))$"
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_period(period: str) -> tuple[dt.date, dt.date, str]:
    """First day, last day and kind (year | quarter | months | date) of a period; ValueError if malformed."""
    period = (period or "").strip()
    if m := YEAR_RE.match(period):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    if m := QUARTER_RE.match(period):
        y, q = int(m.group(1)), int(m.group(2))
        start = dt.date(y, 3 * q - 2, 1)
        end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        return start, end, "quarter"
    if m := MONTHS_RE.match(period):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        start = dt.date(y1, m1, 1)
        end = dt.date(y2 + (m2 == 12), m2 % 12 + 1, 1) - dt.timedelta(days=1)
        if start > end:
            raise ValueError(f"month range runs backwards: {period!r}")
        return start, end, "months"
    if m := DATE_RE.match(period):
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # ValueError on 2024-02-30
        return day, day, "date"
    raise ValueError(f"not a period (YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD): {period!r}")


def has_ledger_header(path: Path) -> bool:
    """True when the file's first line is the ledger header (other CSVs under raw/claims/ are sources of it)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return True  # let the parser report the problem
    return [c.strip().strip('"') for c in first.strip().split(",")] == COLUMNS


def published_date_of(text: str | None) -> dt.date | None:
    """The date a document was published: YYYY-MM-DD, YYYY-MM (the 1st) or YYYY (1 January);
    ValueError for anything else, including days a month does not have (2025-02-30)."""
    text = (text or "").strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    if m := DATE_RE.match(text):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(f"not a date: {text!r}")


def parse_claims_file(path: Path) -> ParseResult:
    """Read one ledger file; rows breaking the vocabularies go to quarantine (one entry per problem).

    Country codes are checked where every source's are (the loader resolves them against the
    crosswalk and quarantines an unknown one)."""
    frame = read_csv_text(path, COLUMNS)
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise SourceFileError(path, f"unexpected column(s) {extra}; the ledger header is {COLUMNS}", row=1)
    problems: list[dict] = []
    bad_rows: set[int] = set()

    def reject(row: int, column: str, value, reason: str) -> None:
        problems.append({"file": Path(path).name, "sheet": None, "row": row, "column": column,
                         "raw_value": value, "reason": reason})
        bad_rows.add(row)

    for i, rec in enumerate(frame.iter_rows(named=True)):
        row = i + 2  # the header is line 1
        if not rec["claim_id"]:
            reject(row, "claim_id", rec["claim_id"], "missing claim_id")
        if rec["metric"] not in METRICS:
            reject(row, "metric", rec["metric"], f"unknown metric (not one of {', '.join(METRICS)})")
        if rec["unit"] not in UNITS:
            reject(row, "unit", rec["unit"], f"unknown unit (not one of {', '.join(UNITS)})")
        try:
            parse_period(rec["period"])
        except ValueError:
            reject(row, "period", rec["period"], "unparseable period (expected YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD)")
        if not NUMBER_RE.match(rec["value"] or ""):
            reject(row, "value", rec["value"], "non-numeric value (a plain number without thousands separators expected)")
        try:
            published_date_of(rec["published_date"])
        except ValueError:
            reject(row, "published_date", rec["published_date"],
                   "not a date (expected YYYY-MM-DD, YYYY-MM or YYYY, a day the month has)")
        if rec["basis"] not in BASES:
            reject(row, "basis", rec["basis"], f"unknown basis (not one of {', '.join(BASES)})")

    rows = (
        frame.with_row_index("source_row", offset=2)
        .with_columns(pl.col("source_row").cast(pl.Int64))
        .filter(~pl.col("source_row").is_in(sorted(bad_rows)))
        .select(*COLUMNS, "source_row")
    )
    return ParseResult(rows=rows, quarantine=quarantine_frame(problems), meta={"rows_read": frame.height})
