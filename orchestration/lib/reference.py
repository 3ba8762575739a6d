"""Reference code tables: ISO/UN country codes and UN Comtrade (BACI) country codes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from orchestration.lib.countries import load_crosswalk
from orchestration.lib.errors import SourceFileError
from orchestration.lib.results import ParseResult


def read_csv_text(path: Path, required: list[str]) -> pl.DataFrame:
    """Read a CSV as text columns; a BOM is accepted; anything unreadable is a SourceFileError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise SourceFileError(path, "empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8", row=line) from None
    try:
        # no null_values: "NA" is Namibia's ISO2 code, not a missing value
        frame = pl.read_csv(text.encode(), infer_schema=False)
    except Exception as exc:
        raise SourceFileError(path, f"not a readable CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFileError(path, f"missing required column(s) {missing}", row=1)
    return frame.with_columns(pl.col(pl.String).str.strip_chars())


def parse_country_codes(path: Path) -> ParseResult:
    cols = {
        "ISO3166-1-Alpha-3": "iso3",
        "ISO3166-1-Alpha-2": "iso2",
        "ISO3166-1-numeric": "iso_numeric",
        "M49": "m49",
        "CLDR display name": "name",
        "UNTERM English Short": "unterm_short_name",
        "official_name_en": "official_name",
        "Region Name": "region",
        "Sub-region Name": "sub_region",
        "is_independent": "is_independent",
    }
    frame = read_csv_text(path, list(cols)).select([pl.col(k).alias(v) for k, v in cols.items()])
    rows = frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    return ParseResult(rows=rows.filter(pl.col("iso3").is_not_null() & (pl.col("iso3") != "")))


def parse_comtrade_codes(path: Path) -> ParseResult:
    cols = {
        "country_code": "comtrade_code",
        "country_name_abbreviation": "comtrade_name",
        "country_name_full": "comtrade_name_full",
        "iso_2digit_alpha": "iso2",
        "iso_3digit_alpha": "iso3",
    }
    frame = read_csv_text(path, list(cols)).select([pl.col(k).alias(v) for k, v in cols.items()])
    frame = frame.with_columns(
        pl.col("comtrade_code").cast(pl.Int32),
        pl.when(pl.col("iso3").is_in(["N/A", ""])).then(None).otherwise(pl.col("iso3")).alias("iso3"),
    )
    return ParseResult(rows=frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64)))


def parse_country_names(path: Path) -> ParseResult:
    frame = load_crosswalk(path)
    return ParseResult(rows=frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64)))


SOURCE_AREA_COLUMNS = ("vocabulary", "source_code", "code", "entity_type", "name", "note")
AREA_VOCABULARIES = ("comtrade", "imf")


def parse_source_area_codes(path: Path) -> ParseResult:
    """Codes the API sources write that no ISO table maps (Comtrade 0 World, 490 Other Asia nes;
    IMF W00 World…): one row per (vocabulary, source_code); a row with an unknown vocabulary or
    entity type, or without a code, is quarantined."""
    from orchestration.lib.countries import ENTITY_TYPES
    from orchestration.lib.results import quarantine_frame

    frame = read_csv_text(path, list(SOURCE_AREA_COLUMNS)).select(SOURCE_AREA_COLUMNS)
    frame = frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    problems = []
    for rec in frame.iter_rows(named=True):
        for column, ok, what in (("vocabulary", rec["vocabulary"] in AREA_VOCABULARIES, f"one of {', '.join(AREA_VOCABULARIES)}"),
                                 ("entity_type", rec["entity_type"] in ENTITY_TYPES, f"one of {', '.join(sorted(ENTITY_TYPES))}"),
                                 ("code", bool(rec["code"]) and len(rec["code"]) == 3, "a 3-letter code")):
            if not ok:
                problems.append({"file": path.name, "sheet": None, "row": rec["source_row"], "column": column,
                                 "raw_value": rec[column], "reason": f"not {what}"})
                break
    bad = {p["row"] for p in problems}
    return ParseResult(rows=frame.filter(~pl.col("source_row").is_in(sorted(bad))), quarantine=quarantine_frame(problems))
