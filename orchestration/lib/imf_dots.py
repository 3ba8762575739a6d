"""IMF Direction of Trade Statistics (DOTS) per-reporter Excel exports.

Layout (the real format, one workbook per reporter)::

    sheet "Exports, FOB"  (or the full title "Exports, FOB to Partner Countries")
    row 1   Exports, FOB to Partner Countries
    row 2   <reporter name, e.g. "Azerbaijan, Rep. of">
    row 3   <unit, e.g. "US Dollars, Millions">
    row 4   <blank> | 1992 | 1993 | ...           (the year header)
    row 5+  <partner name> | value | value | ...  (a value may end in " e": an IMF estimate)

The second sheet is "Imports, CIF". Names are returned as written; resolving them to codes is a
separate step (:mod:`orchestration.lib.countries`).
"""

from __future__ import annotations

import re
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
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
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


def _sheet_origins(path: Path) -> dict[str, tuple[int, int]]:
    """Sheet name -> (1-based row, 0-based column) of its first cell holding a value.

    calamine drops leading empty rows and columns, so the frame's (0, 0) is not the sheet's A1;
    this anchor lets quarantine rows name the row and column a person sees in Excel.
    """
    import zipfile

    origins: dict[str, tuple[int, int]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            workbook = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
            targets = dict(re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            for name, rid in re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
                target = targets.get(rid, b"").decode().lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                with zf.open(member) as fh:
                    head = fh.read(1 << 20)
                found = _FIRST_VALUE.search(head)
                if found:
                    import html

                    origins[html.unescape(name.decode())] = (int(found.group(2)), _column_index(found.group(1).decode()))
    except Exception:  # an anchor is a nicety for messages; the data does not depend on it
        return {}
    return origins


def _read_sheets(path: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except FileNotFoundError:
        raise SourceFileError(path, "file not found") from None
    except Exception as exc:  # calamine raises its own error types for corrupt archives
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceFileError(path, f"not a readable Excel workbook ({problem})") from None

    found: dict[str, tuple[str, pl.DataFrame]] = {}
    for name in reader.sheet_names:
        key = next((k for k in SHEETS if name.strip().lower().startswith(k)), None)
        if key is None:
            continue
        if key in found:
            raise SourceFileError(path, f"two sheets for {key!r}", sheet=name)
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            frame = pl.from_arrow(sheet.to_arrow())
            found[key] = (name, frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)}))
        except Exception as exc:
            raise SourceFileError(path, f"sheet cannot be read ({exc})", sheet=name) from None
    missing = [k for k in SHEETS if k not in found]
    if missing:
        raise SourceFileError(
            path,
            f"expected sheets 'Exports, FOB' and 'Imports, CIF', found {reader.sheet_names}",
        )
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


def _header(path: Path, sheet: str, frame: pl.DataFrame, row_shift: int = 0) -> tuple[str, str, float, int]:
    """(reporter, unit text, multiplier, 0-based index of the year header row)."""
    if frame.height == 0 or frame.width < 2:
        raise SourceFileError(path, "empty sheet", sheet=sheet)
    first = frame.columns[0]
    header_idx = None
    for i in range(min(_HEADER_SCAN_ROWS, frame.height)):
        cells = [c for c in frame.row(i)[1:] if c is not None and str(c).strip()]
        if cells and all(_YEAR.match(str(c).strip().removesuffix(".0")) for c in cells):
            header_idx = i
            break
    if header_idx is None:
        raise SourceFileError(path, f"no year header row (a row of 4-digit years) in the first {_HEADER_SCAN_ROWS} rows", sheet=sheet)
    labels = [str(v).strip() for v in frame[first][:header_idx].to_list() if v is not None and str(v).strip()]
    units = [lab for lab in labels if lab.lower().startswith("us dollars") or "dollar" in lab.lower() or "euro" in lab.lower()]
    if not units:
        raise SourceFileError(path, "no unit line above the year header (expected e.g. 'US Dollars, Millions')", sheet=sheet)
    unit = units[0]
    multiplier = UNITS.get(re.sub(r"\s+", " ", unit).lower())
    if multiplier is None:
        unit_row = next(i for i, v in enumerate(frame[first].to_list()) if v is not None and str(v).strip() == unit)
        raise SourceFileError(
            path, f"unknown unit {unit!r} (known: {', '.join(UNITS)})", sheet=sheet, row=unit_row + 1 + row_shift
        )
    title_and_reporter = [lab for lab in labels if lab != unit]
    if len(title_and_reporter) < 2:
        raise SourceFileError(path, "no reporter name above the year header", sheet=sheet)
    return title_and_reporter[1], unit, multiplier, header_idx


def parse_dots_workbook(path: str | Path) -> ParseResult:
    """Parse one DOTS workbook (both sheets) into long rows, quarantining bad cells and rows."""
    path = Path(path)
    sheets = _read_sheets(path)
    origins = _sheet_origins(path)
    parts: list[pl.DataFrame] = []
    quarantine: list[pl.DataFrame] = []
    reporters: set[str] = set()
    units: set[str] = set()
    for key, (sheet_name, frame) in sheets.items():
        flow, valuation = SHEETS[key]
        row_shift, col_shift = _shifts(frame, origins.get(sheet_name))
        reporter, unit, multiplier, header_idx = _header(path, sheet_name, frame, row_shift)
        reporters.add(reporter)
        units.add(unit)
        names = frame.columns
        header = frame.row(header_idx)
        year_cols = {
            names[j]: (int(str(header[j]).strip().removesuffix(".0")), excel_column(j + col_shift))
            for j in range(1, len(names))
            if header[j] is not None and str(header[j]).strip()
        }
        body = (
            frame.slice(header_idx + 1)
            .with_row_index("source_row", offset=header_idx + 2 + row_shift)
            .rename({names[0]: "partner_name"})
            .with_columns(pl.col("partner_name").str.strip_chars(), pl.col("source_row").cast(pl.Int64))
        )
        long = body.unpivot(index=["source_row", "partner_name"], on=list(year_cols), variable_name="col", value_name="raw")
        long = long.with_columns(pl.col("raw").str.strip_chars()).filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
        long = long.with_columns(
            pl.col("col").replace_strict({c: y for c, (y, _) in year_cols.items()}, return_dtype=pl.Int32).alias("year"),
            pl.col("col").replace_strict({c: f"{letter} ({y})" for c, (y, letter) in year_cols.items()}, return_dtype=pl.String).alias("column"),
            pl.col("raw").str.ends_with(" e").alias("is_estimate"),
        ).with_columns(
            pl.col("raw").str.strip_suffix(" e").str.strip_chars().alias("number_text"),
        ).with_columns(
            pl.when(pl.col("number_text").str.contains(_NUMBER))
            .then(pl.col("number_text").cast(pl.Float64, strict=False))
            .alias("value"),
        )
        reason = (
            pl.when(pl.col("partner_name").is_null() | (pl.col("partner_name") == ""))
            .then(pl.lit("figure without a partner name"))
            .when(pl.col("value").is_null())
            .then(pl.format("not a number: '{}'", pl.col("raw")))
            .when(pl.col("value") < 0)
            .then(pl.lit("negative trade value"))
            .when(~pl.col("value").is_finite())
            .then(pl.lit("not a finite number"))
        )
        long = long.with_columns(reason.alias("reason"))
        bad = long.filter(pl.col("reason").is_not_null())
        good = long.filter(pl.col("reason").is_null())

        # Duplicate partner rows: a repeat with identical figures is set aside (the first stays);
        # repeats that disagree are all set aside, since nothing says which one is right.
        rows = good.group_by("partner_name", "source_row").agg(
            pl.struct("year", "value").sort_by("year").alias("figures")
        )
        dupes = rows.filter(pl.len().over("partner_name") > 1).sort("source_row")
        if dupes.height:
            dupes = dupes.with_columns(
                pl.col("source_row").first().over("partner_name").alias("first_row"),
                (pl.col("figures").n_unique().over("partner_name") == 1).alias("identical"),
            )
            drop = dupes.filter(~pl.col("identical") | (pl.col("source_row") != pl.col("first_row"))).with_columns(
                pl.when(pl.col("identical"))
                .then(pl.format("duplicate partner row (same figures as row {})", pl.col("first_row")))
                .otherwise(pl.lit("duplicate partner row with conflicting figures"))
                .alias("dup_reason")
            )
            quarantine.append(
                drop.join(body.select("source_row", "partner_name"), on=["source_row", "partner_name"]).select(
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
            bad.select(
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
                (pl.col("value") * multiplier).alias("value_usd"),
                pl.col("raw").alias("value_as_published"),
                pl.lit(unit).alias("unit_as_published"),
                pl.col("is_estimate"),
                pl.lit(sheet_name).alias("sheet"),
                pl.col("source_row"),
            )
        )
    if len(reporters) != 1:
        raise SourceFileError(path, f"the two sheets name different reporters: {sorted(reporters)}")
    rows = pl.concat(parts).cast(ROW_SCHEMA).sort("flow", "source_row", "year")
    q = pl.concat([quarantine_frame(), *[x.cast(quarantine_frame().schema) for x in quarantine]])
    return ParseResult(rows=rows, quarantine=q, meta={"reporter_name": reporters.pop(), "units": sorted(units)})
