"""The quirks of the real IMF DOTS set, each handled where it occurs (no build: parser, crosswalk, loader).

The 114 real workbooks of tests/fixtures/imf_dots_more/ (with the four of raw/imf_dots/, half of the IMF set)
carry: estimates of 1,000 or more written as text with a thousands separator ("1,032.13 e"); one
reporter delivered twice (DOTS_143 and DOTS_144, Nicaragua); reporters that are not countries;
partner names the Azerbaijan and China files do not have. Copies made by the tests add the other
forms a workbook can take (no-break spaces, formulas without a cached value, legacy .xls, upper-case
file names) — from the real files' cells, never invented figures.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from conftest import CROSSWALK, DOTS_AZE, REPO
from orchestration.lib.countries import Resolver, load_crosswalk
from orchestration.lib.imf_dots import FORMULA_WITHOUT_VALUE, parse_dots_workbook
from orchestration.lib.warehouse import AUDIT_DDL, load_files

MORE = REPO / "tests" / "fixtures" / "imf_dots_more"
EXPORTS, IMPORTS = "Exports, FOB", "Imports, CIF"


@pytest.fixture(scope="module")
def real_set() -> dict[str, object]:
    """Every real workbook parsed once: file name -> ParseResult."""
    files = sorted(MORE.glob("*.xlsx")) + sorted((REPO / "raw" / "imf_dots").glob("*.xlsx"))
    return {p.name: parse_dots_workbook(p) for p in files}


def test_estimates_with_a_thousands_separator_load_as_estimates(real_set):
    # DOTS_100.xlsx (Jamaica), sheet Imports, CIF, row 49 (United States), column AI (1992): "1,032.13 e"
    result = real_set["DOTS_100.xlsx"]
    cell = result.rows.filter(pl.col("sheet") == IMPORTS, pl.col("source_row") == 49, pl.col("year") == 1992).row(0, named=True)
    assert (cell["reporter_name"], cell["partner_name"]) == ("Jamaica", "United States")
    assert cell["value_as_published"] == "1,032.13 e"
    assert cell["value_usd"] == pytest.approx(1_032.13e6)
    assert cell["is_estimate"] is True


def test_no_real_figure_is_lost_to_the_number_format(real_set):
    """Across the 118 real workbooks every figure loads except the repeated partner rows (counted
    once) and the World workbook's five negative residuals (quarantined, with their reason)."""
    reasons: dict[str, int] = {}
    estimates_1bn = 0
    for result in real_set.values():
        for reason in result.quarantine["reason"]:
            key = "duplicate" if reason.startswith("duplicate partner row (same figures") else reason
            reasons[key] = reasons.get(key, 0) + 1
        estimates_1bn += result.rows.filter(pl.col("is_estimate") & (pl.col("value_usd") >= 1e9)).height
    assert set(reasons) == {"duplicate", "negative trade value"}
    assert reasons["negative trade value"] == 5
    # IMF estimates of USD 1 bn or more, every one written "1,0xx.xx e"-style: all load
    assert estimates_1bn == 1171
    # every figure of the 118 workbooks but the repeated rows' and the five negatives
    assert sum(r.rows.height for r in real_set.values()) == 1_276_971


def test_every_real_area_name_is_known_and_classified():
    resolver = Resolver.from_path(CROSSWALK)
    names = pl.read_csv(REPO / "tests" / "fixtures" / "imf_dots_area_names.csv")
    assert names.height == 244
    resolved = {n: resolver.resolve(n) for n in names["name"]}
    assert [n for n, hit in resolved.items() if hit is None] == []
    assert resolved["South African Common Customs Area (SACCA)"] == ("XSC", "aggregate")
    assert resolved["Malaysia, West"] == ("XMW", "historical")
    assert resolved["World"] == ("WLD", "aggregate")
    assert resolved["Nicaragua"] == ("NIC", "country")


@pytest.mark.parametrize("written, value, estimate", [
    ("1\u00a0032.13\u00a0e", 1032.13, True),   # no-break spaces as thousands separator and before the flag
    ("\u202f19 635.75", 19635.75, False),      # a narrow no-break space in front, a space grouping digits
    ("12.5\u00a0e", 12.5, True),
    ("2,183.76", 2183.76, False),
])
def test_odd_spaces_and_separators_wherever_written(tmp_path, written, value, estimate):
    wb = openpyxl.load_workbook(DOTS_AZE)
    wb[EXPORTS]["AD9"] = written
    path = tmp_path / "DOTS_13.xlsx"
    wb.save(path)
    cell = parse_dots_workbook(path).rows.filter(pl.col("sheet") == EXPORTS, pl.col("source_row") == 9, pl.col("year") == 2019)
    assert cell["value_usd"].item() == pytest.approx(value * 1e6)
    assert cell["is_estimate"].item() is estimate


def test_formula_without_a_cached_value_is_quarantined(tmp_path):
    wb = openpyxl.load_workbook(DOTS_AZE)
    wb[EXPORTS]["AD9"] = "=AC9*1.1"   # openpyxl saves formulas without calculating them
    path = tmp_path / "DOTS_13.xlsx"
    wb.save(path)
    result = parse_dots_workbook(path)
    assert ("DOTS_13.xlsx", EXPORTS, 9, "AD (2019)", "=AC9*1.1", FORMULA_WITHOUT_VALUE) in result.quarantine.rows()
    assert result.rows.filter(pl.col("sheet") == EXPORTS, pl.col("source_row") == 9, pl.col("year") == 2019).is_empty()
    assert result.rows.height == parse_dots_workbook(DOTS_AZE).rows.height - 1


def _as_xls(source: Path, target: Path) -> Path:
    """The real workbook's cells written into the legacy .xls container (same cells, other format)."""
    import xlwt

    wb, out = openpyxl.load_workbook(source, data_only=True), xlwt.Workbook()
    for ws in wb.worksheets:
        sheet = out.add_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    sheet.write(cell.row - 1, cell.column - 1, cell.value)
    out.save(str(target))
    return target


def test_legacy_xls_and_upper_case_names_are_read(tmp_path):
    from orchestration.defs.ingestion.imf_dots import SPEC
    from orchestration.defs.resources import RawFilesResource

    folder = tmp_path / "imf_dots"
    folder.mkdir()
    _as_xls(DOTS_AZE, folder / "DOTS_13.xls")
    shutil.copyfile(REPO / "raw" / "imf_dots" / "DOTS_40.xlsx", folder / "DOTS_40.XLSX")
    (folder / "notes.ods").write_bytes(b"not read")
    files = RawFilesResource(root=str(tmp_path)).files("imf_dots", *SPEC.patterns)
    assert [p.name for p in files] == ["DOTS_13.xls", "DOTS_40.XLSX"]
    legacy, modern = parse_dots_workbook(folder / "DOTS_13.xls"), parse_dots_workbook(DOTS_AZE)
    key = ["flow", "partner_name", "year"]
    assert legacy.rows.select(*key, "value_usd", "is_estimate").sort(key).equals(
        modern.rows.select(*key, "value_usd", "is_estimate").sort(key))


def _loader(tmp_path, files: list[Path]):
    """load_files into a fresh DuckDB with the imf_dots parser (no Dagster): returns (conn, report)."""
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute(AUDIT_DDL)
    report = load_files(conn, source="imf_dots", table="raw.imf_dots", files=files, root=tmp_path / "raw",
                        parse=parse_dots_workbook)
    return conn, report


def test_a_reporter_delivered_twice_with_the_same_figures_counts_once(tmp_path):
    folder = tmp_path / "raw" / "imf_dots"
    folder.mkdir(parents=True)
    for name in ("DOTS_143.xlsx", "DOTS_144.xlsx"):
        shutil.copyfile(MORE / name, folder / name)
    assert (folder / "DOTS_143.xlsx").read_bytes() != (folder / "DOTS_144.xlsx").read_bytes()
    conn, report = _loader(tmp_path, sorted(folder.iterdir()))
    assert [(f.file, f.status) for f in report.files] == [("imf_dots/DOTS_143.xlsx", "loaded"), ("imf_dots/DOTS_144.xlsx", "duplicate")]
    current = conn.execute("select count(*) from raw.imf_dots where load_id in "
                           "(select load_id from audit.load_log where is_current)").fetchone()[0]
    assert current == 7610
    message = conn.execute("select message from audit.load_log where file = 'imf_dots/DOTS_144.xlsx'").fetchone()[0]
    assert message == "the same 7610 figures as imf_dots/DOTS_143.xlsx ('Nicaragua'): counted once, from imf_dots/DOTS_143.xlsx"
    # loading again: nothing changes, still counted once
    load_files(conn, source="imf_dots", table="raw.imf_dots", files=sorted(folder.iterdir()),
               root=tmp_path / "raw", parse=parse_dots_workbook)
    assert conn.execute("select count(*) from raw.imf_dots where load_id in "
                        "(select load_id from audit.load_log where is_current)").fetchone()[0] == 7610


def test_a_reporter_delivered_twice_with_different_figures_the_later_delivery_wins(tmp_path):
    folder = tmp_path / "raw" / "imf_dots"
    folder.mkdir(parents=True)
    shutil.copyfile(MORE / "DOTS_143.xlsx", folder / "DOTS_143.xlsx")
    wb = openpyxl.load_workbook(MORE / "DOTS_144.xlsx")
    wb[EXPORTS]["AD9"] = 999.5          # one figure revised in the second delivery
    wb.save(folder / "DOTS_144.xlsx")
    os.utime(folder / "DOTS_143.xlsx", (1_600_000_000, 1_600_000_000))   # delivered first
    os.utime(folder / "DOTS_144.xlsx", (1_700_000_000, 1_700_000_000))   # delivered later
    conn, report = _loader(tmp_path, sorted(folder.iterdir()))
    statuses = sorted((f.file, f.status) for f in report.files)
    assert statuses == [("imf_dots/DOTS_143.xlsx", "loaded"), ("imf_dots/DOTS_143.xlsx", "superseded"),
                        ("imf_dots/DOTS_144.xlsx", "loaded")]
    current_files = [r[0] for r in conn.execute("select file from audit.load_log where is_current").fetchall()]
    assert current_files == ["imf_dots/DOTS_144.xlsx"]
    reason = conn.execute("select reason from audit.quarantine where file = 'imf_dots/DOTS_143.xlsx' "
                          "and category = 'duplicate' and reason like 'delivery%'").fetchone()[0]
    assert reason.startswith("delivery of 'Nicaragua' superseded by imf_dots/DOTS_144.xlsx (a later-dated delivery")
    revised = conn.execute("select value_usd from raw.imf_dots t join audit.load_log l using (load_id) "
                           "where l.is_current and t.sheet = ? and t.source_row = 9 and t.value_as_published = '999.5'",
                           [EXPORTS]).fetchall()
    assert revised == [(pytest.approx(999.5e6),)]


def test_crosswalk_names_are_unique_after_normalisation():
    frame = load_crosswalk(CROSSWALK)
    assert frame["key"].n_unique() == frame.height
