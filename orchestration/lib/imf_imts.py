"""IMF IMTS goods-exports matrix as its carrier ships it (``trade_data.json``).

Layout (github.com/aalavandhan/aalavandhan.github.io, ``apps/global-trade/trade_data.json``)::

    {"nodes": [{"id": "China", "gdp": …, "totalExports": …, "totalImports": …, …}, …],
     "edges": [{"source": "Italy", "target": "Egypt", "value": 3255.0, "pctSrcGdp": …, "pctDstGdp": …}, …]}

An edge is IMF IMTS goods exports FOB (indicator ``XG_FOB_USD``) from ``source`` to ``target`` **as
the exporter reports them**, in US dollars, millions, rounded to 0.1. The carrier dropped imports,
aggregates and "not specified" partners, so there is no World total. The file states neither year
nor unit: the unit is the carrier's (its page: "USD millions"), the year is the name of the release
folder (``raw/imf_imts/<YYYY>/``, :func:`orchestration.lib.releases.reference_year`) — never guessed.

Every edge either loads (``rows``) or is quarantined with its number in ``edges`` (1-based, as
``row``), the key and the reason: missing exporter or importer, a value that is not a number, a
negative value, an economy exporting to itself, a repeated exporter → importer pair (all but the
first). ``0.0`` is a published figure (below USD 0.05 mn after rounding) and loads. Names are
returned as written; resolving them to codes is a separate step (the crosswalk). The nodes' totals
are the carrier's own sums and are not loaded (see raw/imf_imts/MANIFEST.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.releases import reference_year
from orchestration.lib.results import ParseResult, quarantine_frame

SOURCE = "imf_imts"
FOLDER = "imf_imts"
TABLE = "raw.imf_imts"
INDICATOR = "XG_FOB_USD"
UNIT = "USD mn"
USD_PER_UNIT = 1e6
KEY = ("release", "reporter_code", "partner_code", "flow", "year")

ROW_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String,
    "reporter_name": pl.String,
    "partner_name": pl.String,
    "indicator": pl.String,
    "flow": pl.String,
    "valuation": pl.String,
    "year": pl.Int32,
    "value_usd": pl.Float64,
    "value_as_published": pl.String,
    "unit_as_published": pl.String,
    "source_row": pl.Int64,
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _load(path: Path) -> dict:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        # numbers kept as written: value_as_published is the text of the file
        return json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise SourceFileError(path, f"not valid JSON ({exc.msg})", row=exc.lineno) from None


def parse_imts_matrix(path: Path, year: int | None = None) -> ParseResult:
    """Read one ``trade_data.json``; ``year`` defaults to the release folder's (see the module doc)."""
    path = Path(path)
    data = _load(path)
    if year is None:
        year = reference_year(path, FOLDER)
    if not isinstance(data, dict) or not isinstance(data.get("edges"), list):
        raise SourceFileError(path, "not the IMTS matrix layout: no 'edges' list at the top level")
    edges = data["edges"]
    if not edges:
        raise SourceFileError(path, "the 'edges' list is empty")

    rows: list[tuple] = []
    problems: list[dict] = []
    seen: dict[tuple[str, str], int] = {}

    def reject(n: int, column: str, value, reason: str) -> None:
        problems.append({"file": path.name, "sheet": None, "row": n, "column": column,
                         "raw_value": None if value is None else str(value), "reason": reason})

    for n, edge in enumerate(edges, 1):
        if not isinstance(edge, dict):
            reject(n, "edge", edge, "not an object with source, target and value")
            continue
        exporter, importer, raw = edge.get("source"), edge.get("target"), edge.get("value")
        if not isinstance(exporter, str) or not exporter.strip():
            reject(n, "source", exporter, "missing exporter (source)")
            continue
        if not isinstance(importer, str) or not importer.strip():
            reject(n, "target", importer, "missing importer (target)")
            continue
        exporter, importer = exporter.strip(), importer.strip()
        text = raw if isinstance(raw, str) else None
        if text is None or not _NUMBER.match(text):
            reject(n, "value", raw, f"not a number: {raw!r}")
            continue
        value = float(text)
        if value < 0:
            reject(n, "value", text, "negative trade value")
            continue
        if exporter == importer:
            reject(n, "target", importer, "an economy exporting to itself")
            continue
        first = seen.setdefault((exporter, importer), n)
        if first != n:
            reject(n, "source", f"{exporter} -> {importer}", f"duplicate exporter -> importer pair (first at edge {first})")
            continue
        rows.append((SOURCE, exporter, importer, INDICATOR, "exports", "FOB", year, value * USD_PER_UNIT, text, UNIT, n))

    frame = pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row")
    nodes = data.get("nodes") if isinstance(data.get("nodes"), list) else []
    return ParseResult(
        rows=frame,
        quarantine=quarantine_frame(problems),
        meta={"year": year, "edges": len(edges), "nodes": len(nodes), "unit": UNIT, "indicator": INDICATOR},
    )
