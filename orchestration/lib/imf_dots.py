"""IMF Direction of Trade Statistics (DOTS) per-reporter Excel exports.

Layout (the real format, one workbook per reporter; data starts in column B)::

    sheet "Exports, FOB"  (or the full title "Exports, FOB to Partner Countries")
    row 2   Exports, FOB to Partner Countries         (title, merged B2:G3)
    row 4   <reporter name, e.g. "Azerbaijan, Rep. of">
    row 5   <unit, e.g. "US Dollars, Millions">
    row 7   <blank> | 1992 | 1993 | ...               (the year header)
    row 8+  <partner name> | value | value | ...      (a value may end in " e": an IMF estimate)

The second sheet is "Imports, CIF". The layout is found, not assumed: the year header is the first
row with a blank label and 4-digit years; the unit is the unit-like label above it; the reporter
the other label below the title. Names are returned as written; resolving them to codes is a
separate step (:mod:`orchestration.lib.countries`).

Every non-empty figure cell either loads (``rows``) or is quarantined with its sheet, row, column
and reason (``quarantine``); a duplicate partner row is quarantined as one row (column B). A file
that cannot be read as a whole raises :class:`SourceFileError` with a one-line message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.results import ParseResult, quarantine_frame

SOURCE = "imf_dots"

# sheet-name prefix -> (flow, valuation)
SHEETS: dict[str, tuple[str, str]] = {
    "exports, fob": ("exports", "FOB"),
    "imports, cif": ("imports", "CIF"),
}

# unit text as IMF writes it -> multiplier to US dollars
UNITS: dict[str, float] = {
    "us dollars": 1.0,
    "us dollars, thousands": 1e3,
    "us dollars, millions": 1e6,
    "us dollars, billions": 1e9,
}

UNIT_NAMES = ("US Dollars", "US Dollars, Thousands", "US Dollars, Millions", "US Dollars, Billions")
SHEET_TITLES = {"exports, fob": "Exports, FOB", "imports, cif": "Imports, CIF"}

ROW_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String,
    "reporter_name": pl.String,
    "partner_name": pl.String,
    "flow": pl.String,
    "valuation": pl.String,
    "year": pl.Int32,
    "value_usd": pl.Float64,
    "value_as_published": pl.String,
    "unit_as_published": pl.String,
    "is_estimate": pl.Boolean,
    "sheet": pl.String,
    "source_row": pl.Int64,
}

_YEAR = re.compile(r"^\d{4}$")
# a label that states a unit: "US Dollars, Millions", "Euros, Millions", "US Dollars" (not "Euro Area")
_UNIT_LIKE = re.compile(r"(?i)\bdollars?\b|\beuros\b|,\s*(thousands|millions|billions)\s*$")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
# a number with thousands separators grouping digits by three: commas, as the IMF writes estimates
# of 1,000 or more ("1,032.13 e"), or (no-break) spaces ("1 032.13")
_GROUPED_NUMBER = r"^[+-]?\d{1,3}((,\d{3})+|( \d{3})+)(\.\d*)?$"
# spaces a spreadsheet may hold instead of a plain one: no-break, figure, thin, narrow no-break
_ODD_SPACES = "[\u00a0\u2007\u2009\u202f]"
ESTIMATE_FLAG = " e"
_HEADER_SCAN_ROWS = 12


def excel_column(index: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


_FIRST_VALUE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)>\s*(?:<f>[^<]*</f>\s*)?<(?:v|is)>')
# a cell with a formula (<f>...</f> or <f .../>) and no cached value (no <v>, or an empty one)
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)
_CACHED = re.compile(rb"<v>[^<]+</v>|<is>")


@dataclass
class _SheetScan:
    origin: tuple[int, int] | None  # (1-based row, 0-based column) of the first cell holding a value
    uncached_formulas: list[tuple[int, int, str]]  # (1-based row, 0-based column, formula) without a value


def _scan_sheets(path: Path) -> dict[str, _SheetScan]:
    """Sheet name -> what calamine does not tell: where the data starts, and formula cells without a
    cached value (calamine reads those as empty, so they would vanish unnoticed).

    calamine drops leading empty rows and columns, so the frame's (0, 0) is not the sheet's A1;
    the origin lets quarantine rows name the row and column a person sees in Excel. Legacy .xls
    files are not zip archives: they get no scan (rows are then counted from the first non-empty row).
    """
    import html
    import zipfile

    scans: dict[str, _SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            workbook = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
            targets = dict(re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            for name, rid in re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
                target = targets.get(rid, b"").decode().lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                data = zf.read(member)
                found = _FIRST_VALUE.search(data)
                origin = (int(found.group(2)), _column_index(found.group(1).decode())) if found else None
                uncached = []
                if b"<f" in data:
                    for cell in _CELL.finditer(data):
                        body = cell.group(3) or b""
                        if b"<f" in body and not _CACHED.search(body):
                            formula = re.search(rb"<f[^>]*>(.*?)</f>", body, re.S)
                            text = html.unescape(formula.group(1).decode()) if formula else ""
                            uncached.append((int(cell.group(2)), _column_index(cell.group(1).decode()), f"={text}"))
                scans[html.unescape(name.decode())] = _SheetScan(origin, uncached)
    except Exception:  # the scan is a nicety for messages and a guard; a readable workbook still loads
        return {}
    return scans


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _check_container(path: Path) -> None:
    """Fail early, with a plain message, on what is not an .xlsx (zip) archive at all."""
    import zipfile

    if not path.exists():
        raise SourceFileError(path, "file not found")
    if not path.is_file():
        raise SourceFileError(path, "not a file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if size == 0:
        raise SourceFileError(path, "empty file (0 bytes), not an Excel workbook")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return  # legacy .xls (OLE2): calamine reads it
    if not head.startswith(b"PK"):
        try:
            head.decode("utf-8")
            is_text = b"\x00" not in head
        except UnicodeDecodeError:
            is_text = False
        if is_text:
            raise SourceFileError(path, "a text file (CSV?), not an Excel workbook (an .xlsx file is a zip archive)")
        raise SourceFileError(path, "not an Excel workbook (an .xlsx file is a zip archive; this one is not)")
    try:
        zf = zipfile.ZipFile(path)
    except Exception:  # BadZipFile, EOFError, ... on a cut or damaged archive
        raise SourceFileError(path, "truncated or corrupt Excel workbook (the zip archive is incomplete)") from None
    with zf:
        names = set(zf.namelist())
        for info in zf.infolist():
            try:
                with zf.open(info) as fh:  # reading to the end verifies the member's CRC
                    while fh.read(1 << 20):
                        pass
            except Exception:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError ...
                raise SourceFileError(path, f"corrupt Excel workbook (archive member {info.filename!r} is damaged)") from None
    if "xl/workbook.xml" not in names:
        raise SourceFileError(path, "a zip archive but not an Excel workbook (no xl/workbook.xml)")


def _read_sheets(path: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    import fastexcel

    _check_container(path)
    try:
        reader = fastexcel.read_excel(str(path))
    except FileNotFoundError:
        raise SourceFileError(path, "file not found") from None
    except Exception as exc:  # calamine raises its own error types for corrupt archives
        raise SourceFileError(path, f"not a readable Excel workbook ({_one_line(exc)})") from None

    found: dict[str, tuple[str, pl.DataFrame]] = {}
    for name in reader.sheet_names:
        key = next((k for k in SHEETS if name.strip().lower().startswith(k)), None)
        if key is None:
            continue
        if key in found:
            raise SourceFileError(path, f"a second sheet for {SHEET_TITLES[key]!r} (the first is {found[key][0]!r})", sheet=name)
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            frame = pl.from_arrow(sheet.to_arrow())
        except Exception as exc:
            raise SourceFileError(path, f"sheet cannot be read ({_one_line(exc)})", sheet=name) from None
        if isinstance(frame, pl.Series):
            frame = frame.to_frame()
        found[key] = (name, frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)}))
    missing = [SHEET_TITLES[k] for k in SHEETS if k not in found]
    if missing:
        has = ", ".join(repr(n) for n in reader.sheet_names) or "none"
        what = "sheets" if len(missing) > 1 else "sheet"
        raise SourceFileError(path, f"no {what} {' and '.join(repr(m) for m in missing)} (the workbook's sheets: {has})")
    return found


def _shifts(frame: pl.DataFrame, origin: tuple[int, int] | None) -> tuple[int, int]:
    """(row shift, column shift): spreadsheet row = frame index + 1 + row shift, likewise columns."""
    if origin is None:
        return 0, 0
    for i in range(min(frame.height, 50)):
        for j, cell in enumerate(frame.row(i)):
            if cell is not None and str(cell).strip():
                return origin[0] - (i + 1), origin[1] - j
    return 0, 0


def _year_of(cell) -> int | None:
    text = str(cell).strip().removesuffix(".0")
    return int(text) if _YEAR.match(text) else None


def _blank(cell) -> bool:
    return cell is None or not str(cell).strip()


@dataclass
class _Header:
    reporter: str
    reporter_row: int
    unit: str
    multiplier: float
    header_idx: int  # 0-based frame index of the year header row
    years: dict[int, int]  # frame column index -> year (every non-blank header cell is a year)


def _header(path: Path, sheet: str, frame: pl.DataFrame, row_shift: int = 0, col_shift: int = 0) -> _Header:
    """Find the year header, the unit and the reporter above the partner rows."""
    if frame.height == 0 or frame.width < 2:
        raise SourceFileError(path, "empty sheet (no partner rows and year columns)", sheet=sheet)
    header_idx = None
    for i in range(min(_HEADER_SCAN_ROWS, frame.height)):
        row = frame.row(i)
        if _blank(row[0]) and any(not _blank(c) and _year_of(c) is not None for c in row[1:]):
            header_idx = i
            break
    if header_idx is None:
        raise SourceFileError(path, f"no year header row (a row of 4-digit years) in the first {_HEADER_SCAN_ROWS} rows", sheet=sheet)
    excel_row = header_idx + 1 + row_shift
    years: dict[int, int] = {}
    seen: dict[int, int] = {}
    for j, cell in enumerate(frame.row(header_idx)):
        if j == 0 or _blank(cell):
            continue
        year = _year_of(cell)
        letter = excel_column(j + col_shift)
        if year is None:
            raise SourceFileError(path, f"year header cell {str(cell).strip()!r} is not a 4-digit year", sheet=sheet, row=excel_row, column=letter)
        if year in seen:
            raise SourceFileError(
                path, f"year {year} appears twice in the year header (columns {excel_column(seen[year] + col_shift)} and {letter})",
                sheet=sheet, row=excel_row, column=letter,
            )
        seen[year] = j
        years[j] = year

    labels = [(i, str(v).strip()) for i, v in enumerate(frame["c0"][:header_idx].to_list()) if not _blank(v)]
    units = [(i, lab) for i, lab in labels if _UNIT_LIKE.search(lab)]
    if not units:
        raise SourceFileError(path, "no unit line above the year header (expected e.g. 'US Dollars, Millions')", sheet=sheet)
    unit_idx, unit = units[-1]
    multiplier = UNITS.get(re.sub(r"\s+", " ", unit).lower())
    if multiplier is None:
        known = ", ".join(repr(u) for u in UNIT_NAMES)
        raise SourceFileError(
            path, f"unknown unit {unit!r} (known: {known})", sheet=sheet, row=unit_idx + 1 + row_shift,
            column=excel_column(col_shift),
        )
    others = [(i, lab) for i, lab in labels if i != unit_idx and not _UNIT_LIKE.search(lab)]
    title_key = next(k for k in SHEETS if sheet.strip().lower().startswith(k))
    candidates = [(i, lab) for i, lab in others if not lab.lower().startswith(title_key)]
    if not candidates:
        raise SourceFileError(path, "no reporter name above the unit line", sheet=sheet)
    reporter_idx, reporter = candidates[-1]
    return _Header(reporter, reporter_idx + 1 + row_shift, unit, multiplier, header_idx, years)


FORMULA_WITHOUT_VALUE = "formula without a cached value (the workbook was saved without calculating it)"


def _uncached_formula_rows(path: Path, sheet: str, scan: _SheetScan, head: _Header, row_shift: int, col_shift: int) -> pl.DataFrame:
    """Quarantine rows for formula cells below the year header that hold no cached value."""
    header_row = head.header_idx + 1 + row_shift
    years = {j + col_shift: year for j, year in head.years.items()}
    records = [
        {"file": path.name, "sheet": sheet, "row": row,
         "column": f"{excel_column(col)} ({years[col]})" if col in years else excel_column(col),
         "raw_value": formula, "reason": FORMULA_WITHOUT_VALUE}
        for row, col, formula in scan.uncached_formulas if row > header_row and col > col_shift
    ]
    return quarantine_frame(records)


def parse_dots_workbook(path: str | Path) -> ParseResult:
    """Parse one DOTS workbook (both sheets) into long rows, quarantining bad cells and rows."""
    path = Path(path)
    sheets = _read_sheets(path)
    scans = _scan_sheets(path)
    parts: list[pl.DataFrame] = []
    quarantine: list[pl.DataFrame] = []
    reporters: dict[str, tuple[str, int]] = {}  # reporter -> (first sheet, row) naming it
    units: set[str] = set()
    for key, (sheet_name, frame) in sheets.items():
        flow, valuation = SHEETS[key]
        scan = scans.get(sheet_name)
        row_shift, col_shift = _shifts(frame, scan.origin if scan else None)
        head = _header(path, sheet_name, frame, row_shift, col_shift)
        if scan and scan.uncached_formulas:
            quarantine.append(_uncached_formula_rows(path, sheet_name, scan, head, row_shift, col_shift))
        if reporters and head.reporter not in reporters:
            (other, (other_sheet, _)), = reporters.items()
            raise SourceFileError(
                path, f"reporter {head.reporter!r} differs from {other!r} on sheet {other_sheet!r}",
                sheet=sheet_name, row=head.reporter_row, column=excel_column(col_shift),
            )
        reporters.setdefault(head.reporter, (sheet_name, head.reporter_row))
        reporter, unit, multiplier = head.reporter, head.unit, head.multiplier
        units.add(unit)
        names = frame.columns
        value_cols = names[1:]
        col_year = {names[j]: head.years.get(j) for j in range(1, len(names))}
        col_label = {
            names[j]: (f"{excel_column(j + col_shift)} ({head.years[j]})" if j in head.years else excel_column(j + col_shift))
            for j in range(1, len(names))
        }
        body = (
            frame.slice(head.header_idx + 1)
            .with_row_index("source_row", offset=head.header_idx + 2 + row_shift)
            .rename({names[0]: "partner_name"})
            .with_columns(pl.col("partner_name").str.replace_all(_ODD_SPACES, " ").str.strip_chars(), pl.col("source_row").cast(pl.Int64))
        )
        long = body.unpivot(index=["source_row", "partner_name"], on=value_cols, variable_name="col", value_name="raw")
        long = long.with_columns(pl.col("raw").str.strip_chars()).filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
        long = long.with_columns(
            pl.col("col").replace_strict(col_year, default=None, return_dtype=pl.Int32).alias("year"),
            pl.col("col").replace_strict(col_label, default=None, return_dtype=pl.String).alias("column"),
            # no-break and other odd spaces read as plain spaces, then trimmed
            pl.col("raw").str.replace_all(_ODD_SPACES, " ").str.strip_chars().alias("clean"),
        ).with_columns(
            pl.col("clean").str.ends_with(ESTIMATE_FLAG).alias("is_estimate"),
            pl.col("clean").str.strip_suffix(ESTIMATE_FLAG).str.strip_chars().alias("number_text"),
        ).with_columns(
            # "1,032.13" -> "1032.13": thousands separators only where they group digits by three
            pl.when(pl.col("number_text").str.contains(_GROUPED_NUMBER))
            .then(pl.col("number_text").str.replace_all(r"[, ]", ""))
            .otherwise(pl.col("number_text"))
            .alias("number_text"),
        ).with_columns(
            pl.when(pl.col("number_text").str.contains(_NUMBER))
            .then(pl.col("number_text").cast(pl.Float64, strict=False))
            .alias("value"),
        ).with_columns((pl.col("value") * multiplier).alias("value_usd"))
        reason = (
            pl.when(pl.col("year").is_null())
            .then(pl.lit("figure in a column without a year header"))
            .when(pl.col("partner_name").is_null() | (pl.col("partner_name") == ""))
            .then(pl.lit("figure without a partner name"))
            .when(pl.col("value").is_null())
            .then(pl.format("not a number: '{}'", pl.col("raw")))
            .when(pl.col("value").is_nan() | ~pl.col("value_usd").is_finite())
            .then(pl.lit("not a finite number"))
            .when(pl.col("value") < 0)
            .then(pl.lit("negative trade value"))
        )
        long = long.with_columns(reason.alias("reason"))
        bad = long.filter(pl.col("reason").is_not_null())
        good = long.filter(pl.col("reason").is_null())

        # Duplicate partner rows (names compared case- and space-insensitively): a repeat with
        # identical figures is set aside (the first stays); repeats that disagree are all set aside,
        # since nothing says which one is right.
        good = good.with_columns(
            pl.col("partner_name").str.to_lowercase().str.replace_all(r"\s+", " ").alias("partner_key")
        )
        rows = good.group_by("partner_key", "source_row").agg(
            pl.col("partner_name").first(), pl.struct("year", "value").sort_by("year").alias("figures")
        )
        dupes = rows.filter(pl.len().over("partner_key") > 1).sort("source_row")
        if dupes.height:
            dupes = dupes.with_columns(
                pl.col("source_row").first().over("partner_key").alias("first_row"),
                (pl.col("figures").n_unique().over("partner_key") == 1).alias("identical"),
            )
            drop = dupes.filter(~pl.col("identical") | (pl.col("source_row") != pl.col("first_row"))).with_columns(
                pl.when(pl.col("identical"))
                .then(pl.format("duplicate partner row (same figures as row {})", pl.col("first_row")))
                .otherwise(
                    pl.format(
                        "duplicate partner row with conflicting figures (rows {})",
                        pl.col("source_row").cast(pl.String).str.join(", ").over("partner_key"),
                    )
                )
                .alias("dup_reason")
            )
            quarantine.append(
                drop.sort("source_row").select(
                    pl.lit(path.name).alias("file"),
                    pl.lit(sheet_name).alias("sheet"),
                    pl.col("source_row").alias("row"),
                    pl.lit(f"{excel_column(col_shift)} (partner)").alias("column"),
                    pl.col("partner_name").alias("raw_value"),
                    pl.col("dup_reason").alias("reason"),
                )
            )
            good = good.join(drop.select("source_row"), on="source_row", how="anti")

        quarantine.append(
            bad.with_columns(pl.col("col").str.slice(1).cast(pl.Int64).alias("col_index")).sort("source_row", "col_index").select(
                pl.lit(path.name).alias("file"),
                pl.lit(sheet_name).alias("sheet"),
                pl.col("source_row").alias("row"),
                pl.col("column"),
                pl.col("raw").alias("raw_value"),
                pl.col("reason"),
            )
        )
        parts.append(
            good.select(
                pl.lit(SOURCE).alias("source"),
                pl.lit(reporter).alias("reporter_name"),
                pl.col("partner_name"),
                pl.lit(flow).alias("flow"),
                pl.lit(valuation).alias("valuation"),
                pl.col("year"),
                pl.col("value_usd"),
                pl.col("raw").alias("value_as_published"),
                pl.lit(unit).alias("unit_as_published"),
                pl.col("is_estimate"),
                pl.lit(sheet_name).alias("sheet"),
                pl.col("source_row"),
            )
        )
    rows = pl.concat(parts).cast(ROW_SCHEMA).sort("flow", "source_row", "year")
    q = pl.concat([quarantine_frame(), *[x.cast(quarantine_frame().schema) for x in quarantine]])
    reporter = next(iter(reporters))
    # what this workbook delivers: one reporter's figures (two files of one release delivering the
    # same reporter are duplicates; the loader counts them once)
    return ParseResult(rows=rows, quarantine=q, meta={"reporter_name": reporter, "delivery": reporter, "units": sorted(units)})
