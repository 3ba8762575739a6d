"""UN Comtrade trade matrices as a carrier builds them (rows = exporters, columns = partners).

Layout (github.com/ffhopmann/interconnected_capstone, ``data/all_trade_matrices/``, built by its
``comtrade_data_pipeline.ipynb`` from ``comtradeapicall.getFinalData``, flowCode X)::

    ,World,Afghanistan,Albania,…          (header: an empty cell, then 'World', then Comtrade partner names)
    Azerbaijan,26551175488.52,513727.38,…  (one row per exporter, US dollars, primaryValue)

The file is a pivot, not an API response: no Comtrade codes, flags or CIF/FOB fields. It states
neither year nor flow. The flow is exports (the carrier queries flowCode X only); the product and
transport mode are in the carrier's file name ``trade_matrix_<mode>_<TOTAL|HSnn>.csv`` (a suffix
after ``__`` is an extract's); the year is the release folder's (``raw/comtrade_matrix/<YYYY>/``,
:func:`orchestration.lib.releases.reference_year`).

Two carrier artefacts never load as figures; each cell is quarantined with its reason:

* ``World`` is the carrier's sum of the row over the matrix's own partner list, not Comtrade's World
  total (partners outside the list are missing, and so are the gaps below);
* ``0.0`` is the carrier's fill for "no record returned" (the matrix starts as zeros, and Comtrade
  publishes no zero figures) — e.g. China's row holds 0 for Azerbaijan, Armenia and Georgia although
  China reports exports to all three: a gap of that pull, never a zero.

A cell that is not a number or is negative is quarantined too; every other cell loads.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.releases import reference_year
from orchestration.lib.results import ParseResult, excluded, quarantine_frame

SOURCE = "comtrade_matrix"
FOLDER = "comtrade_matrix"
TABLE = "raw.comtrade_matrix"
UNIT = "USD"
WORLD = "World"
KEY = ("release", "reporter_code", "partner_code", "flow", "year", "product_code")
WORLD_REASON = ("World column: the carrier's sum of the row over the matrix's partner list, not UN "
                "Comtrade's World total; not loaded")
ZERO_REASON = ("0.0 is the carrier's fill for 'no record returned' (the matrix starts as zeros; UN "
               "Comtrade publishes no zero figures): a gap in the pull, not a reported zero; not loaded")
# only matrices of all transport modes are trade totals (a sea-only matrix is a part of trade)
_NAME = re.compile(r"^trade_matrix_(?P<mode>[a-z_]+?)_(?P<product>TOTAL|HS\d{2})(?:__.*)?\.csv$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

ROW_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String,
    "reporter_name": pl.String,
    "partner_name": pl.String,
    "flow": pl.String,
    "valuation": pl.String,
    "year": pl.Int32,
    "product_code": pl.String,
    "transport_mode": pl.String,
    "value_usd": pl.Float64,
    "value_as_published": pl.String,
    "unit_as_published": pl.String,
    "source_row": pl.Int64,
    "source_column": pl.String,
}


def product_of(path: Path) -> tuple[str, str]:
    """(product code, transport mode) from the carrier's file name; SourceFileError if it says neither."""
    m = _NAME.match(Path(path).name)
    if not m:
        raise SourceFileError(path, "file name does not follow the carrier's trade_matrix_<mode>_<TOTAL|HSnn>.csv, "
                                    "so the product is unknown")
    mode, product = m.group("mode"), m.group("product")
    if mode != "all_transport_modes":
        raise SourceFileError(path, f"transport mode {mode!r} is only a part of trade; only all_transport_modes matrices load")
    return ("TOTAL" if product == "TOTAL" else product[2:]), mode


def _excel_column(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_trade_matrix(path: Path, year: int | None = None) -> ParseResult:
    """Read one trade matrix; ``year`` defaults to the release folder's (see the module doc)."""
    path = Path(path)
    product, mode = product_of(path)
    if year is None:
        year = reference_year(path, FOLDER)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"not UTF-8 text (byte {exc.start})") from None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or len(lines[0]) < 2:
        raise SourceFileError(path, "empty file or no partner columns", row=1)
    header = [h.strip() for h in lines[0]]
    if header[0] != "":
        raise SourceFileError(path, f"not a trade matrix: the first header cell should be empty (row labels), found {header[0]!r}", row=1)
    partners = header[1:]
    if WORLD not in partners:
        raise SourceFileError(path, "not a trade matrix: no 'World' column", row=1)
    duplicated = sorted({p for p in partners if partners.count(p) > 1})
    if duplicated:
        raise SourceFileError(path, f"partner column(s) {duplicated} appear twice", row=1)

    rows: list[tuple] = []
    problems: list[dict] = []
    for line_no, cells in enumerate(lines[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        exporter = cells[0].strip()
        if len(cells) != len(header):
            problems.append({"file": path.name, "sheet": None, "row": line_no, "column": "A",
                             "raw_value": exporter, "reason": f"{len(cells)} cells for {len(header)} columns"})
            continue
        for index, (partner, raw) in enumerate(zip(partners, cells[1:]), 1):
            raw = raw.strip()
            where = f"{_excel_column(index)} ({partner})"

            def reject(reason: str) -> None:
                problems.append({"file": path.name, "sheet": None, "row": line_no, "column": where,
                                 "raw_value": raw, "reason": reason})

            if partner == WORLD:
                reject(WORLD_REASON)
                continue
            if not _NUMBER.match(raw):
                reject(f"not a number: {raw!r}")
                continue
            value = float(raw)
            if value < 0:
                reject("negative trade value")
            elif value == 0:
                reject(ZERO_REASON)
            else:
                rows.append((SOURCE, exporter, partner, "exports", "FOB", year, product, mode, value, raw, UNIT,
                             line_no, where))
    return ParseResult(
        rows=pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row"),
        quarantine=excluded(quarantine_frame(problems), (WORLD_REASON, ZERO_REASON)),
        meta={"year": year, "product_code": product, "transport_mode": mode, "exporters": len(lines) - 1,
              "partners": len(partners) - 1},
    )
