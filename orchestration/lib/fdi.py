"""Foreign direct investment (FDI) source files: UNCTAD bilateral tables and FDI releases.

Two readers, both pure functions returning a :class:`ParseResult`:

* :func:`parse_unctad_fdi` -- UNCTAD Bilateral FDI Statistics tables as written to CSV by R::

      line 1   "","<host economy>","X","X.1",...          (R's header: the host in the 2nd cell)
      line 2   "1","Table 1. FDI flows in the host economy, by geographical origin",...
      line 3   "2","(Millions of US dollars)",...            (the unit row)
      line 4   "3","Region / economy","","",...,NA,2001,"2002",...   (the year header)
      line 5+  "4","World",...,900,"2 012",...               (name in one of several indentation
               "5","","Developed economies",...               columns: the column gives the level)
      last     "Source: ...", "Notes: ..."                     (rows without values)

  Values: thousands separated by spaces ("2 012"), negatives written "- -8" or "-8", ".." = not
  available (skipped, not quarantined). FDI flows can be negative (disinvestment).

* :func:`parse_fdi_release` -- a central-bank / statistics-office release, either in the canonical
  FDI release layout ``host_iso3,origin,year,measure,value,unit,source,url`` or in the CBAR press
  layout ``year,source_country,fdi_inflow_usd_mn,share_pct,source,url``, detected by the header.

Country names are returned as written; resolving them to codes is a separate step.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.results import QUARANTINE_SCHEMA, ParseResult, quarantine_frame

# unit row as UNCTAD writes it (lower case, without brackets) -> multiplier to USD millions
UNCTAD_UNITS: dict[str, float] = {
    "millions of us dollars": 1.0,
    "millions of dollars": 1.0,
    "billions of us dollars": 1e3,
    "thousands of us dollars": 1e-3,
}

# unit column of the canonical release layout -> multiplier to USD
RELEASE_UNITS: dict[str, float] = {"USD": 1.0, "USD mn": 1e6, "USD bn": 1e9}
RELEASE_MEASURES: tuple[str, ...] = ("inflow", "position")

CANONICAL_COLUMNS: tuple[str, ...] = ("host_iso3", "origin", "year", "measure", "value", "unit", "source", "url")
CBAR_COLUMNS: tuple[str, ...] = ("year", "source_country", "fdi_inflow_usd_mn", "share_pct", "source", "url")
CBAR_HOST_ISO3 = "AZE"  # the Central Bank of the Republic of Azerbaijan reports inflows into Azerbaijan

UNCTAD_ROW_SCHEMA: dict[str, pl.DataType] = {
    "host_name": pl.String,
    "origin_name": pl.String,
    "level": pl.Int64,
    "parent_name": pl.String,
    "is_leaf": pl.Boolean,
    "year": pl.Int32,
    "value_usd_mn": pl.Float64,
    "measure": pl.String,
    "source_row": pl.Int64,
}

RELEASE_ROW_SCHEMA: dict[str, pl.DataType] = {
    "host_iso3": pl.String,
    "origin_name": pl.String,
    "year": pl.Int32,
    "measure": pl.String,
    "value_usd": pl.Float64,
    "unit_as_written": pl.String,
    "source": pl.String,
    "url": pl.String,
    "source_row": pl.Int64,
}

_YEAR = r"^\d{4}$"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MISSING = ("", "NA")


# --------------------------------------------------------------------------------------------
# shared CSV reading
# --------------------------------------------------------------------------------------------


@dataclass
class CsvTable:
    """A CSV file read as text: the records, rows set aside while splitting, rows repaired."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    repaired_rows: list[int]


def read_source_csv(
    path: str | Path, *, has_header: bool = True, free_text_column: str | None = None
) -> CsvTable:
    """Read a CSV source file as text columns, or raise :class:`SourceFileError`.

    The file must exist, be non-empty and be UTF-8 (a BOM is accepted). Every column is read as
    ``String``; header names are stripped. The frame gets a ``source_row`` column: the 1-based
    line on which each record starts (line 1 = the header, or the first record without one).

    A record with more fields than the header (an unquoted comma in a cell) cannot be split
    safely. If ``free_text_column`` is given, the surplus fields are taken to belong to that
    column (the columns before and after it keep their positions) and the row number is listed
    in ``repaired_rows``; otherwise the record is quarantined. Records with fewer fields are
    padded with nulls.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceFileError(path, "file not found") from None
    except OSError as exc:
        raise SourceFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", row=line
        ) from None
    if not text.strip():
        raise SourceFileError(path, "file is empty")
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=has_header, infer_schema=False)
    except pl.exceptions.PolarsError:
        return _read_ragged_csv(path, text, has_header=has_header, free_text_column=free_text_column)
    if has_header:
        frame = frame.rename({c: c.strip() for c in frame.columns})
    # line on which each record starts: each earlier record takes 1 line + its embedded breaks
    breaks = pl.sum_horizontal([pl.col(c).str.count_matches("\n").fill_null(0) for c in frame.columns])
    first_line = 2 if has_header else 1
    frame = frame.with_columns(
        source_row=pl.lit(first_line, pl.Int64) + (breaks + 1).cast(pl.Int64).cum_sum().shift(1, fill_value=0)
    )
    return CsvTable(frame, quarantine_frame(), [])


def _read_ragged_csv(path: Path, text: str, *, has_header: bool, free_text_column: str | None) -> CsvTable:
    """Fallback for files polars rejects (records with too many fields): split with :mod:`csv`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:  # tokenising only; all cleaning happens in polars afterwards
            records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFileError(path, f"not a readable CSV: {exc}", row=start) from None
    records = [(line, fields) for line, fields in records if fields]  # csv yields [] for blank lines
    if has_header:
        header = [c.strip() for c in records[0][1]]
        records = records[1:]
    else:
        header = [f"column_{i + 1}" for i in range(max(len(f) for _, f in records))]
    width = len(header)
    k = header.index(free_text_column) if free_text_column in header else None
    kept, repaired, bad = [], [], []
    for line, fields in records:
        if len(fields) <= width:
            kept.append((line, fields + [None] * (width - len(fields))))
        elif k is not None:
            after = width - k - 1
            end = len(fields) - after
            kept.append((line, fields[:k] + [",".join(fields[k:end])] + fields[end:]))
            repaired.append(line)
        else:
            bad.append(
                {
                    "file": str(path),
                    "row": line,
                    "raw_value": ",".join(fields),
                    "reason": f"{len(fields)} fields, the header has {width}",
                }
            )
    frame = pl.DataFrame(
        [[fields[i] for _, fields in kept] for i in range(width)] + [[line for line, _ in kept]],
        schema={**{c: pl.String for c in header}, "source_row": pl.Int64},
        orient="col",
    )
    return CsvTable(frame, quarantine_frame(bad), repaired)


def require_columns(path: str | Path, frame: pl.DataFrame, required: tuple[str, ...]) -> None:
    """Raise :class:`SourceFileError` naming the header row if a required column is missing."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFileError(path, f"missing required column(s): {', '.join(missing)}", row=1)


def blank_to_null(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return pl.when(text.is_in(_MISSING)).then(None).otherwise(text).alias(column)


def quarantine_rows(
    path: Path, frame: pl.DataFrame, column: str | pl.Expr, raw: pl.Expr, reason: pl.Expr
) -> pl.DataFrame:
    """Quarantine records (file, row, column, raw value, reason) for the rows of ``frame``."""
    return frame.select(
        file=pl.lit(str(path)),
        sheet=pl.lit(None, pl.String),
        row=pl.col("source_row").cast(pl.Int64),
        column=pl.lit(column) if isinstance(column, str) else column.cast(pl.String),
        raw_value=raw.cast(pl.String),
        reason=reason.cast(pl.String),
    )


def concat_quarantine(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [p.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA) for p in parts if p.height]
    if not parts:
        return quarantine_frame()
    return pl.concat(parts).sort("row", "column", nulls_last=True)


# --------------------------------------------------------------------------------------------
# UNCTAD bilateral FDI tables
# --------------------------------------------------------------------------------------------


def parse_unctad_fdi(path: str | Path) -> ParseResult:
    """Parse an UNCTAD Bilateral FDI Statistics table (R-written CSV) into one row per cell.

    Rows: host_name, origin_name (as written), level (0 = World), parent_name (nearest enclosing
    region), is_leaf (the row has no children), year, value_usd_mn, measure ("inflow"),
    source_row (1-based line in the file). ".." cells are skipped; unreadable cells are
    quarantined. ``meta``: unit, unit_as_written, host_name, table_title, notes.
    """
    path = Path(path)
    table = read_source_csv(path, has_header=False)
    raw = table.frame
    cols = [c for c in raw.columns if c != "source_row"]
    if len(cols) < 3:
        raise SourceFileError(path, f"expected an UNCTAD table, found {len(cols)} column(s)", row=1)
    cells = raw.with_columns(blank_to_null(c) for c in cols)
    first = cols[1]  # column 0 holds R's row number

    host_name = cells[first][0]
    if host_name is None:
        raise SourceFileError(path, "no host economy in the header's second cell", row=1, column="2")

    label = pl.col(first).str.to_lowercase()
    header_hits = cells.filter(label.str.replace_all(r"\s+", " ") == "region / economy")
    if header_hits.is_empty():
        raise SourceFileError(path, "no header row 'Region / economy'")
    header = header_hits.row(0, named=True)
    header_line = header["source_row"]

    above = cells.filter(pl.col("source_row") < header_line)
    unit_hits = above.filter(pl.col(first).str.contains(r"^\(.*\)$"))
    if unit_hits.is_empty():
        raise SourceFileError(path, "no unit row like '(Millions of US dollars)' above the header")
    unit_as_written = unit_hits[first][-1]
    unit_key = re.sub(r"\s+", " ", unit_as_written.strip("() ").lower())
    if unit_key not in UNCTAD_UNITS:
        raise SourceFileError(
            path, f"unknown unit {unit_as_written!r}", row=unit_hits["source_row"][-1], column="2"
        )
    factor = UNCTAD_UNITS[unit_key]
    title_hits = above.filter(label.str.starts_with("table"))
    table_title = title_hits[first][0] if title_hits.height else None

    year_cols = {c: header[c] for c in cols if header[c] is not None and re.match(_YEAR, header[c])}
    if not year_cols:
        raise SourceFileError(path, "no year columns in the header row", row=header_line)
    first_year = cols.index(next(iter(year_cols)))
    name_cols = cols[1:first_year]

    body = (
        cells.filter(pl.col("source_row") > header_line)
        .with_columns(
            origin_name=pl.coalesce(name_cols),
            level=pl.coalesce(
                [pl.when(pl.col(c).is_not_null()).then(pl.lit(k, pl.Int64)) for k, c in enumerate(name_cols)]
            ),
            has_values=pl.any_horizontal(pl.col(c).is_not_null() for c in year_cols),
        )
        .filter(pl.col("origin_name").is_not_null() | pl.col("has_values"))
    )
    notes = body.filter(~pl.col("has_values"))["origin_name"].to_list()
    nameless = body.filter(pl.col("origin_name").is_null())
    data = body.filter(pl.col("has_values") & pl.col("origin_name").is_not_null())

    # hierarchy: parent = nearest preceding row of a lower level; leaf = next row is not deeper
    max_level = int(data["level"].max() or 0)
    data = data.with_row_index("pos").with_columns(pl.col("pos").cast(pl.Int64))
    last_at = [
        pl.when(pl.col("level") == k).then(pl.col("pos")).forward_fill() for k in range(max_level)
    ]
    data = data.with_columns(
        parent_pos=pl.max_horizontal(
            [pl.when(pl.col("level") > k).then(expr) for k, expr in enumerate(last_at)] or [pl.lit(None, pl.Int64)]
        ),
        is_leaf=pl.col("level").shift(-1).fill_null(-1) <= pl.col("level"),
    )
    names = data.select(parent_pos=pl.col("pos"), parent_name=pl.col("origin_name"))
    data = data.join(names, on="parent_pos", how="left").sort("pos")

    long = data.unpivot(
        index=["source_row", "origin_name", "level", "parent_name", "is_leaf"],
        on=list(year_cols),
        variable_name="column_id",
        value_name="raw",
    ).filter(pl.col("raw").is_not_null() & (pl.col("raw") != ".."))
    cleaned = pl.col("raw").str.replace_all(r"\s+", "").str.replace(r"^-{2,}", "-")
    long = long.with_columns(
        year=pl.col("column_id").replace_strict(year_cols).cast(pl.Int32),
        number=pl.when(cleaned.str.contains(_NUMBER)).then(cleaned.cast(pl.Float64, strict=False)),
    )
    bad = long.filter(pl.col("number").is_null())
    rows = (
        long.filter(pl.col("number").is_not_null())
        .select(
            host_name=pl.lit(host_name),
            origin_name="origin_name",
            level="level",
            parent_name="parent_name",
            is_leaf="is_leaf",
            year="year",
            value_usd_mn=pl.col("number") * factor,
            measure=pl.lit("inflow"),
            source_row="source_row",
        )
        .cast(UNCTAD_ROW_SCHEMA)
        .sort("source_row", "year")
    )
    quarantine = concat_quarantine(
        [
            table.quarantine,
            quarantine_rows(path, bad, pl.col("year"), pl.col("raw"), pl.format("not a number: '{}'", pl.col("raw"))),
            quarantine_rows(
                path,
                nameless,
                "Region / economy",
                pl.concat_str([pl.col(c) for c in year_cols], separator=",", ignore_nulls=True),
                pl.lit("values without a region/economy name"),
            ),
        ]
    )
    meta = {
        "unit": "USD mn",
        "unit_as_written": unit_as_written,
        "host_name": host_name,
        "table_title": table_title,
        "notes": notes,
    }
    return ParseResult(rows=rows, quarantine=quarantine, meta=meta)


# --------------------------------------------------------------------------------------------
# FDI releases (canonical layout, CBAR press layout)
# --------------------------------------------------------------------------------------------


def detect_release_layout(columns: list[str]) -> str | None:
    """'canonical', 'cbar_press' or None, from a header's column names."""
    present = set(columns)
    if set(CANONICAL_COLUMNS) <= present:
        return "canonical"
    if set(CBAR_COLUMNS) <= present:
        return "cbar_press"
    return None


def parse_fdi_release(path: str | Path) -> ParseResult:
    """Parse an FDI release CSV (canonical or CBAR press layout, detected by the header).

    Rows: host_iso3, origin_name (as written), year, measure (inflow | position), value_usd,
    unit_as_written, source, url, source_row. Negative values are valid (disinvestment).
    Quarantined: a year that is not a 4-digit year, a value that is not a number, an unknown
    measure or unit, a missing origin, a duplicate (host, origin, year, measure) after the first.
    In the CBAR layout a blank source/url takes the first non-blank one of the same year.
    """
    path = Path(path)
    table = read_source_csv(path, free_text_column="source")
    frame = table.frame
    layout = detect_release_layout(frame.columns)
    if layout is None:
        raise SourceFileError(
            path,
            "header matches neither the canonical FDI layout ("
            + ",".join(CANONICAL_COLUMNS)
            + ") nor the CBAR press layout ("
            + ",".join(CBAR_COLUMNS)
            + ")",
            row=1,
        )
    if layout == "cbar_press":
        frame = frame.select(
            "source_row",
            host_iso3=pl.lit(CBAR_HOST_ISO3),
            origin="source_country",
            year="year",
            measure=pl.lit("inflow"),
            value="fdi_inflow_usd_mn",
            unit=pl.lit("USD mn"),
            source="source",
            url="url",
        )
    frame = frame.select(["source_row", *CANONICAL_COLUMNS]).with_columns(
        blank_to_null(c) for c in CANONICAL_COLUMNS
    )
    if layout == "cbar_press":
        frame = frame.with_columns(
            pl.coalesce(pl.col(c), pl.col(c).drop_nulls().first().over("year")).alias(c) for c in ("source", "url")
        )
    frame = frame.with_columns(
        year_num=pl.when(pl.col("year").str.contains(_YEAR)).then(pl.col("year").cast(pl.Int32, strict=False)),
        number=pl.when(pl.col("value").str.replace_all(r"\s+", "").str.contains(_NUMBER)).then(
            pl.col("value").str.replace_all(r"\s+", "").cast(pl.Float64, strict=False)
        ),
        factor=pl.col("unit").replace_strict(RELEASE_UNITS, default=None, return_dtype=pl.Float64),
    )
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("host_iso3", pl.col("host_iso3").is_null(), pl.lit("missing host_iso3")),
        ("origin", pl.col("origin").is_null(), pl.lit("missing origin")),
        ("year", pl.col("year_num").is_null(), pl.format("not a year: '{}'", pl.col("year").fill_null(""))),
        ("value", pl.col("number").is_null(), pl.format("not a number: '{}'", pl.col("value").fill_null(""))),
        (
            "measure",
            ~pl.col("measure").is_in(RELEASE_MEASURES).fill_null(False),
            pl.format("unknown measure: '{}'", pl.col("measure").fill_null("")),
        ),
        ("unit", pl.col("factor").is_null(), pl.format("unknown unit: '{}'", pl.col("unit").fill_null(""))),
    ]
    column_names = {"origin": "source_country", "value": "fdi_inflow_usd_mn"} if layout == "cbar_press" else {}
    parts = [table.quarantine] + [
        quarantine_rows(path, frame.filter(failed), column_names.get(col, col), pl.col(col), reason)
        for col, failed, reason in checks
    ]
    bad_any = pl.any_horizontal(failed for _, failed, _ in checks)
    good = frame.filter(~bad_any)
    key = ["host_iso3", "origin", "year_num", "measure"]
    dup = good.filter(pl.int_range(pl.len()).over(key) > 0)
    parts.append(
        quarantine_rows(
            path,
            dup,
            column_names.get("origin", "origin"),
            pl.col("origin"),
            pl.format(
                "duplicate of an earlier row for {} {} {}", pl.col("origin"), pl.col("year"), pl.col("measure")
            ),
        )
    )
    good = good.filter(pl.int_range(pl.len()).over(key) == 0)
    rows = good.select(
        host_iso3="host_iso3",
        origin_name="origin",
        year="year_num",
        measure="measure",
        value_usd=pl.col("number") * pl.col("factor"),
        unit_as_written="unit",
        source="source",
        url="url",
        source_row="source_row",
    ).cast(RELEASE_ROW_SCHEMA).sort("source_row")
    meta = {"layout": layout, "repaired_rows": table.repaired_rows}
    return ParseResult(rows=rows, quarantine=concat_quarantine(parts), meta=meta)
