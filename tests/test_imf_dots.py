"""The IMF DOTS parser on the real workbooks in raw/imf_dots (and edited copies of them in tmp_path)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from orchestration.lib.imf_dots import ROW_SCHEMA, SOURCE, parse_dots_workbook
from orchestration.lib.results import QUARANTINE_SCHEMA

from conftest import DOTS_AZE, DOTS_CHN

EXPORTS, IMPORTS = "Exports, FOB", "Imports, CIF"
AZE_NAME, CHN_NAME = "Azerbaijan, Rep. of", "China, P.R.: Mainland"


@pytest.fixture(scope="module")
def aze():
    return parse_dots_workbook(DOTS_AZE)


@pytest.fixture(scope="module")
def chn():
    return parse_dots_workbook(DOTS_CHN)


def figure(rows: pl.DataFrame, partner: str, flow: str, year: int) -> dict:
    hit = rows.filter(pl.col("partner_name") == partner, pl.col("flow") == flow, pl.col("year") == year)
    assert hit.height == 1, (partner, flow, year, hit)
    return hit.row(0, named=True)


def edited_copy(tmp_path: Path, source: Path, name: str, edit) -> Path:
    """A copy of a real workbook with ``edit(workbook)`` applied by openpyxl (raw/ is never touched)."""
    wb = openpyxl.load_workbook(source)
    edit(wb)
    out = tmp_path / name
    wb.save(out)
    return out


# -- shape ------------------------------------------------------------------------------------------

def test_schema_and_meta(aze, chn):
    assert dict(aze.rows.schema) == ROW_SCHEMA
    assert dict(aze.quarantine.schema) == QUARANTINE_SCHEMA
    assert aze.meta == {"reporter_name": AZE_NAME, "delivery": AZE_NAME, "units": ["US Dollars, Millions"]}
    assert chn.meta == {"reporter_name": CHN_NAME, "delivery": CHN_NAME, "units": ["US Dollars, Millions"]}
    for result in (aze, chn):
        assert result.rows["source"].unique().to_list() == [SOURCE]
        assert set(result.rows["unit_as_published"]) == {"US Dollars, Millions"}
        assert set(zip(result.rows["flow"], result.rows["valuation"], result.rows["sheet"])) == {
            ("exports", "FOB", EXPORTS), ("imports", "CIF", IMPORTS),
        }


@pytest.mark.parametrize(
    "which, exports, imports, years",
    [("aze", 2948, 3787, (1992, 2020)), ("chn", 8417, 7667, (1961, 2020))],
)
def test_row_counts_per_sheet(request, which, exports, imports, years):
    result = request.getfixturevalue(which)
    counts = dict(result.rows.group_by("sheet").len().iter_rows())
    assert counts == {EXPORTS: exports, IMPORTS: imports}
    assert (result.rows["year"].min(), result.rows["year"].max()) == years
    # one figure per partner × flow × year once the duplicate row is set aside
    assert not result.rows.select("partner_name", "flow", "year").is_duplicated().any()


def test_every_figure_cell_is_accounted_for(aze):
    """Every non-empty figure cell of the real file loads, or its row is quarantined as a duplicate."""
    wb = openpyxl.load_workbook(DOTS_AZE, read_only=True)
    for sheet in (EXPORTS, IMPORTS):
        cells = sum(
            1
            for row in wb[sheet].iter_rows(min_row=8, min_col=3, values_only=True)
            for v in row
            if v is not None and str(v).strip()
        )
        loaded = aze.rows.filter(pl.col("sheet") == sheet).height
        dup_rows = aze.quarantine.filter(pl.col("sheet") == sheet)["row"].to_list()
        dup_cells = sum(
            1 for r in dup_rows for v in next(wb[sheet].iter_rows(min_row=r, max_row=r, min_col=3, values_only=True))
            if v is not None
        )
        assert loaded + dup_cells == cells, sheet


# -- the figures ------------------------------------------------------------------------------------

def test_azerbaijan_2019_world_totals_in_dollars(aze):
    exports = figure(aze.rows, "World", "exports", 2019)
    imports = figure(aze.rows, "World", "imports", 2019)
    assert exports["value_usd"] == pytest.approx(19_635.75e6, abs=0.01e6)
    assert imports["value_usd"] == pytest.approx(13_667.64e6, abs=0.01e6)
    assert exports["value_as_published"] == "19635.7486"
    assert exports["is_estimate"] is False


def test_china_reported_2016_trade_with_azerbaijan(chn):
    exports = figure(chn.rows, AZE_NAME, "exports", 2016)["value_usd"]
    imports = figure(chn.rows, AZE_NAME, "imports", 2016)["value_usd"]
    assert round(imports / 1e6, 1) == 412.0
    assert round(exports / 1e6, 1) == 356.9
    assert round((exports + imports) / 1e6, 1) == 768.9


def test_azerbaijan_china_2019_as_azerbaijan_reports_it(aze):
    exports = figure(aze.rows, CHN_NAME, "exports", 2019)["value_usd"]
    imports = figure(aze.rows, CHN_NAME, "imports", 2019)["value_usd"]
    assert (exports + imports) / 1e6 == pytest.approx(2_183.76, abs=0.005)
    # Hong Kong and Macao are partners of their own, never folded into China
    assert figure(aze.rows, "China, P.R.: Hong Kong", "exports", 2019)["value_usd"] == pytest.approx(5.042e6)


def test_estimates_are_flagged(aze, chn):
    est = figure(aze.rows, "Serbia and Montenegro", "exports", 2000)
    assert est["value_as_published"] == "5.46 e"
    assert est["is_estimate"] is True
    assert est["value_usd"] == pytest.approx(5.46e6)
    assert aze.rows["is_estimate"].sum() == 6
    flagged = aze.rows.filter(pl.col("is_estimate"))
    assert flagged["value_as_published"].str.ends_with(" e").all()
    assert not aze.rows.filter(~pl.col("is_estimate"))["value_as_published"].str.contains("e$").any()
    assert chn.rows["is_estimate"].sum() == 0


def test_spreadsheet_row_numbers(aze, chn):
    for result in (aze, chn):
        for flow in ("exports", "imports"):
            assert figure(result.rows, "World", flow, 2019)["source_row"] == 9
            assert figure(result.rows, "Australia", flow, 2019)["source_row"] == 8
    assert figure(chn.rows, AZE_NAME, "exports", 2016)["source_row"] == 114
    # the row number points at the cell holding the figure
    ws = openpyxl.load_workbook(DOTS_CHN, read_only=True)[EXPORTS]
    row = next(ws.iter_rows(min_row=114, max_row=114, values_only=True))
    assert row[1] == AZE_NAME


def test_identical_duplicate_australia_row_is_quarantined(aze, chn):
    for name, result in (("DOTS_13.xlsx", aze), ("DOTS_40.xlsx", chn)):
        assert result.quarantine.rows() == [
            (name, EXPORTS, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)"),
            (name, IMPORTS, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)"),
        ]
        assert set(result.rows.filter(pl.col("partner_name") == "Australia")["source_row"]) == {8}


# -- read from the sheet, not assumed -------------------------------------------------------------

def test_unit_is_read_from_the_sheet(tmp_path, aze):
    def billions(wb):
        for ws in wb.worksheets:
            ws["B5"] = "US Dollars, Billions"

    result = parse_dots_workbook(edited_copy(tmp_path, DOTS_AZE, "DOTS_13_billions.xlsx", billions))
    assert result.meta["units"] == ["US Dollars, Billions"]
    assert result.rows.height == aze.rows.height
    world = figure(result.rows, "World", "exports", 2019)
    assert world["unit_as_published"] == "US Dollars, Billions"
    assert world["value_usd"] == pytest.approx(1000 * figure(aze.rows, "World", "exports", 2019)["value_usd"])
    joined = result.rows.join(aze.rows, on=["flow", "source_row", "year"], suffix="_mn")
    assert joined.height == aze.rows.height
    assert ((joined["value_usd"] / joined["value_usd_mn"]).drop_nans() - 1000).abs().max() < 1e-6


def test_unit_per_sheet_may_differ(tmp_path, aze):
    result = parse_dots_workbook(
        edited_copy(tmp_path, DOTS_AZE, "DOTS_13_thousands.xlsx", lambda wb: wb[IMPORTS].__setitem__("B5", "US Dollars, Thousands"))
    )
    assert result.meta["units"] == ["US Dollars, Millions", "US Dollars, Thousands"]
    assert figure(result.rows, "World", "imports", 2019)["value_usd"] == pytest.approx(13_667.6418e3)
    assert figure(result.rows, "World", "exports", 2019)["value_usd"] == pytest.approx(19_635.7486e6)


def test_layout_is_found_not_assumed(tmp_path, aze):
    """Two extra rows above the data: every figure moves down two rows, with the same values."""
    def shift(wb):
        for ws in wb.worksheets:
            ws.insert_rows(1, 2)

    result = parse_dots_workbook(edited_copy(tmp_path, DOTS_AZE, "DOTS_13_shifted.xlsx", shift))
    assert figure(result.rows, "World", "exports", 2019)["source_row"] == 11
    assert result.rows.height == aze.rows.height
    assert result.quarantine["row"].to_list() == [34, 34]
    assert result.rows["value_usd"].sum() == pytest.approx(aze.rows["value_usd"].sum())


def test_any_number_of_reporters(tmp_path, aze, chn):
    """Each workbook names its reporter; a folder of any size parses file by file."""
    def armenia(wb):
        for ws in wb.worksheets:
            ws["B4"] = "Armenia, Rep. of"

    def euro_area(wb):  # a reporter whose name looks a little like a unit
        for ws in wb.worksheets:
            ws["B4"] = "Euro Area"

    folder = tmp_path / "dots"
    folder.mkdir()
    shutil.copy(DOTS_AZE, folder / "DOTS_13.xlsx")
    shutil.copy(DOTS_CHN, folder / "DOTS_40.xlsx")
    edited_copy(folder, DOTS_AZE, "DOTS_12.xlsx", armenia)
    edited_copy(folder, DOTS_CHN, "DOTS_163.xlsx", euro_area)
    results = {p.name: parse_dots_workbook(p) for p in sorted(folder.glob("*.xlsx"))}
    assert {n: r.meta["reporter_name"] for n, r in results.items()} == {
        "DOTS_12.xlsx": "Armenia, Rep. of",
        "DOTS_13.xlsx": AZE_NAME,
        "DOTS_163.xlsx": "Euro Area",
        "DOTS_40.xlsx": CHN_NAME,
    }
    rows = pl.concat([r.rows for r in results.values()])
    assert rows.height == 2 * (aze.rows.height + chn.rows.height)
    assert rows.group_by("reporter_name").len().sort("reporter_name")["len"].to_list() == [
        aze.rows.height, aze.rows.height, chn.rows.height, chn.rows.height,
    ]
    assert results["DOTS_163.xlsx"].meta["units"] == ["US Dollars, Millions"]
