"""IMF CDIS direct-investment positions (``IMF.STA:DIP``) as redistributed by DBnomics.

Layout (github.com/wkolichney/wb_cn_lending, ``fdi_analysis/``, pulled with its ``pull_cdis.py``)::

    ref_area,ref_area_label,counterpart_area,counterpart_label,indicator,year,value_usd
    AZ,Azerbaijan,CN,China,IIW_BP6_USD,2023,209.954283011765

``ref_area`` is the reporting economy, ``counterpart_area`` its counterpart (IMF's ISO alpha-2
codes; mapped to Corridor codes in dbt staging). The indicator says whose statistics a figure is:

* ``IIW_BP6_USD`` — inward position, reported by the **host** (ref_area) for investment from the
  counterpart;
* ``IOW_BP6_USD`` — outward position, reported by the **investor** (ref_area) for its investment in
  the counterpart.

End-year positions (stocks), **US dollars, millions** although the carrier named the column
``value_usd``; they may be negative (disinvestment, reverse investment). A row with another
indicator, a bad year or a non-numeric value is quarantined with its line and reason.

The carrier's World Bank Data360 copy (``REF_AREA,counterpart_area,…,COMP_BREAKDOWN_1,…,OBS_STATUS``)
is recognised and its rows are quarantined, not loaded: the carrier decoded its counterpart by
matching values to the DBnomics pull and dropped the direction column (its CDIS_README.md), so it
repeats the DBnomics figures without saying whose statistics they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.reference import read_csv_text
from orchestration.lib.results import ParseResult, excluded, quarantine_frame

SOURCE = "imf_cdis"
FOLDER = "fdi_cdis"
TABLE = "raw.fdi_cdis"
UNIT = "USD mn"
USD_PER_UNIT = 1e6
KEY = ("reporter_area", "counterpart_area", "indicator", "year")
# indicator -> (direction, the reporting side)
INDICATORS: dict[str, tuple[str, str]] = {
    "IIW_BP6_USD": ("inward", "host"),
    "IOW_BP6_USD": ("outward", "investor"),
}
DBNOMICS_COLUMNS = ["ref_area", "ref_area_label", "counterpart_area", "counterpart_label", "indicator", "year", "value_usd"]
DATA360_COLUMNS = ["REF_AREA", "counterpart_area", "counterpart_label", "COMP_BREAKDOWN_1", "year", "value_usd", "OBS_STATUS"]
DATA360_REASON = (
    "World Bank Data360 copy: the carrier decoded its counterpart by matching values to the DBnomics pull "
    "and dropped the direction column, so it repeats DBnomics figures without saying whose statistics "
    "they are; not loaded (the DBnomics file is)"
)

ROW_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String,
    "redistributor": pl.String,
    "reporter_area": pl.String,
    "reporter_label": pl.String,
    "counterpart_area": pl.String,
    "counterpart_label": pl.String,
    "indicator": pl.String,
    "direction": pl.String,
    "reporting_side": pl.String,
    "year": pl.Int32,
    "value_usd": pl.Float64,
    "value_as_published": pl.String,
    "unit_as_published": pl.String,
    "source_row": pl.Int64,
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_YEAR = re.compile(r"^\d{4}$")


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return [c.strip() for c in fh.readline().strip().split(",")]
    except (OSError, UnicodeDecodeError):
        return []  # read_csv_text reports the problem


def parse_cdis_file(path: Path) -> ParseResult:
    """Read one CDIS extract (DBnomics layout; a Data360 copy is quarantined, see the module doc)."""
    path = Path(path)
    header = _header(path)
    if header == DATA360_COLUMNS:
        frame = read_csv_text(path, DATA360_COLUMNS)
        problems = [
            {"file": path.name, "sheet": None, "row": i, "column": "value_usd", "raw_value": rec["value_usd"],
             "reason": DATA360_REASON}
            for i, rec in enumerate(frame.iter_rows(named=True), 2)
        ]
        return ParseResult(rows=pl.DataFrame(schema=ROW_SCHEMA), quarantine=excluded(quarantine_frame(problems), (DATA360_REASON,)),
                           meta={"layout": "data360", "rows_read": frame.height})
    frame = read_csv_text(path, DBNOMICS_COLUMNS)
    rows: list[tuple] = []
    problems: list[dict] = []
    for line, rec in enumerate(frame.iter_rows(named=True), 2):
        def reject(column: str, reason: str) -> None:
            problems.append({"file": path.name, "sheet": None, "row": line, "column": column,
                             "raw_value": rec[column], "reason": reason})

        indicator = rec["indicator"]
        if indicator not in INDICATORS:
            reject("indicator", f"not a total position in US dollars (expected one of {', '.join(INDICATORS)})")
            continue
        if not rec["ref_area"] or not rec["counterpart_area"]:
            reject("ref_area" if not rec["ref_area"] else "counterpart_area", "missing area code")
            continue
        if not _YEAR.match(rec["year"] or ""):
            reject("year", "not a 4-digit year")
            continue
        text = rec["value_usd"] or ""
        if not _NUMBER.match(text):
            reject("value_usd", f"not a number: {text!r}")
            continue
        direction, side = INDICATORS[indicator]
        rows.append((SOURCE, "dbnomics", rec["ref_area"], rec["ref_area_label"], rec["counterpart_area"],
                     rec["counterpart_label"], indicator, direction, side, int(rec["year"]),
                     float(text) * USD_PER_UNIT, text, UNIT, line))
    return ParseResult(rows=pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row"), quarantine=quarantine_frame(problems),
                       meta={"layout": "dbnomics", "rows_read": frame.height})
