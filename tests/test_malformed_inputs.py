"""A corpus of malformed IMF DOTS workbooks, each made by the test from a copy of a real one.

A file that cannot be read as a whole raises SourceFileError with one exact line naming the file,
the place (sheet / row / column where known) and the problem. A readable file with bad cells loads
its good figures and quarantines each bad one with file, sheet, row, column, raw value and reason.
Nothing under raw/ is ever modified: every input is written to tmp_path.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from conftest import CROSSWALK, DOTS_AZE
from orchestration.lib.countries import Resolver, load_crosswalk
from orchestration.lib.errors import SourceFileError
from orchestration.lib.imf_dots import parse_dots_workbook

EXPORTS, IMPORTS = "Exports, FOB", "Imports, CIF"
NAME = "DOTS_13.xlsx"  # every copy keeps the real file's name, so messages read as they would in raw/
# the real file's one known problem: the repeated, identical Australia row on both sheets
AUSTRALIA = [
    (NAME, EXPORTS, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)"),
    (NAME, IMPORTS, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)"),
]
AZE_ROWS = 2948 + 3787


def raw_bytes() -> bytes:
    return DOTS_AZE.read_bytes()


def write(tmp_path: Path, data: bytes | str, name: str = NAME) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


def edited(tmp_path: Path, edit, name: str = NAME) -> Path:
    wb = openpyxl.load_workbook(DOTS_AZE)
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def set_cells(sheet: str, **cells):
    def edit(wb):
        for ref, value in cells.items():
            wb[sheet][ref] = value
    return edit


def damage_member(data: bytes, member: str) -> bytes:
    """Overwrite 64 bytes inside one archive member's compressed data (the central directory is intact)."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    local = info.header_offset
    name_len = int.from_bytes(data[local + 26:local + 28], "little")
    extra_len = int.from_bytes(data[local + 28:local + 30], "little")
    start = local + 30 + name_len + extra_len + 100
    out = bytearray(data)
    out[start:start + 64] = bytes(64)
    return bytes(out)


def error_of(path: Path) -> str:
    with pytest.raises(SourceFileError) as info:
        parse_dots_workbook(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message and "calamine" not in message
    return message


# -- files that cannot be read: (kind, how the test makes it, the exact message) ---------------------

def _clear_year_header(wb):
    for col in range(3, 32):
        wb[EXPORTS].cell(7, col).value = None


def _rename_sheets(wb):
    wb[EXPORTS].title = "Sheet1"
    wb[IMPORTS].title = "Sheet2"


def _both_reporters(value):
    def edit(wb):
        for ws in wb.worksheets:
            ws["B4"] = value
    return edit


def _empty_imports(wb):
    wb.remove(wb[IMPORTS])
    wb.create_sheet(IMPORTS)


FILE_ERRORS = {
    "truncated file (cut bytes)": (
        lambda t: write(t, raw_bytes()[: len(raw_bytes()) * 2 // 3]),
        "DOTS_13.xlsx: truncated or corrupt Excel workbook (the zip archive is incomplete)",
    ),
    "last bytes cut off": (
        lambda t: write(t, raw_bytes()[:-10]),
        "DOTS_13.xlsx: truncated or corrupt Excel workbook (the zip archive is incomplete)",
    ),
    "damaged bytes inside a sheet": (
        lambda t: write(t, damage_member(raw_bytes(), "xl/worksheets/sheet1.xml")),
        "DOTS_13.xlsx: corrupt Excel workbook (archive member 'xl/worksheets/sheet1.xml' is damaged)",
    ),
    "random bytes, not a zip": (
        lambda t: write(t, bytes((i * 7919 + 13) % 256 for i in range(5000))),
        "DOTS_13.xlsx: not an Excel workbook (an .xlsx file is a zip archive; this one is not)",
    ),
    "empty 0-byte file": (
        lambda t: write(t, b""),
        "DOTS_13.xlsx: empty file (0 bytes), not an Excel workbook",
    ),
    "CSV saved as .xlsx": (
        lambda t: write(t, "Partner,1992,1993\nWorld,1571.2,993.1\n"),
        "DOTS_13.xlsx: a text file (CSV?), not an Excel workbook (an .xlsx file is a zip archive)",
    ),
    "a zip that is not a workbook": (
        lambda t: _zip_of_csv(t),
        "DOTS_13.xlsx: a zip archive but not an Excel workbook (no xl/workbook.xml)",
    ),
    "file not found": (
        lambda t: t / NAME,
        "DOTS_13.xlsx: file not found",
    ),
    "wrong sheet names": (
        lambda t: edited(t, _rename_sheets),
        "DOTS_13.xlsx: no sheets 'Exports, FOB' and 'Imports, CIF' (the workbook's sheets: 'Sheet1', 'Sheet2')",
    ),
    "missing imports sheet": (
        lambda t: edited(t, lambda wb: wb.remove(wb[IMPORTS])),
        "DOTS_13.xlsx: no sheet 'Imports, CIF' (the workbook's sheets: 'Exports, FOB')",
    ),
    "two exports sheets": (
        lambda t: edited(t, lambda wb: wb.copy_worksheet(wb[EXPORTS])),
        "DOTS_13.xlsx, sheet 'Exports, FOB Copy': a second sheet for 'Exports, FOB' (the first is 'Exports, FOB')",
    ),
    "empty imports sheet": (
        lambda t: edited(t, _empty_imports),
        "DOTS_13.xlsx, sheet 'Imports, CIF': empty sheet (no partner rows and year columns)",
    ),
    "no year header": (
        lambda t: edited(t, _clear_year_header),
        "DOTS_13.xlsx, sheet 'Exports, FOB': no year header row (a row of 4-digit years) in the first 12 rows",
    ),
    "year header with a non-year cell": (
        lambda t: edited(t, set_cells(EXPORTS, AF7="Total")),
        "DOTS_13.xlsx, sheet 'Exports, FOB', row 7, column AF: year header cell 'Total' is not a 4-digit year",
    ),
    "year header with a year twice": (
        lambda t: edited(t, set_cells(IMPORTS, E7="1992")),
        "DOTS_13.xlsx, sheet 'Imports, CIF', row 7, column E: year 1992 appears twice in the year header (columns C and E)",
    ),
    "unknown unit": (
        lambda t: edited(t, set_cells(EXPORTS, B5="Euros, Millions")),
        "DOTS_13.xlsx, sheet 'Exports, FOB', row 5, column B: unknown unit 'Euros, Millions' "
        "(known: 'US Dollars', 'US Dollars, Thousands', 'US Dollars, Millions', 'US Dollars, Billions')",
    ),
    "missing unit line": (
        lambda t: edited(t, set_cells(IMPORTS, B5=None)),
        "DOTS_13.xlsx, sheet 'Imports, CIF': no unit line above the year header (expected e.g. 'US Dollars, Millions')",
    ),
    "missing reporter line": (
        lambda t: edited(t, set_cells(EXPORTS, B4=None)),
        "DOTS_13.xlsx, sheet 'Exports, FOB': no reporter name above the unit line",
    ),
    "two sheets naming different reporters": (
        lambda t: edited(t, set_cells(IMPORTS, B4="Armenia, Rep. of")),
        "DOTS_13.xlsx, sheet 'Imports, CIF', row 4, column B: reporter 'Armenia, Rep. of' differs from "
        "'Azerbaijan, Rep. of' on sheet 'Exports, FOB'",
    ),
}


def _zip_of_csv(tmp_path: Path) -> Path:
    path = tmp_path / NAME
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("trade.csv", "Partner,1992\nWorld,1571.2\n")
    return path


@pytest.mark.parametrize("kind", list(FILE_ERRORS))
def test_unreadable_file_raises_one_exact_line(tmp_path, kind):
    make, message = FILE_ERRORS[kind]
    assert error_of(make(tmp_path)) == message


@pytest.fixture(scope="module", autouse=True)
def raw_is_never_modified():
    """Every input of this module is a copy in tmp_path: the real workbooks stay byte-identical."""
    before = {p.name: p.read_bytes() for p in DOTS_AZE.parent.iterdir()}
    yield
    assert {p.name: p.read_bytes() for p in DOTS_AZE.parent.iterdir()} == before


# -- readable files with bad cells: exact quarantine rows --------------------------------------------

def parsed(tmp_path, edit):
    return parse_dots_workbook(edited(tmp_path, edit))


def extra_quarantine(result) -> list[tuple]:
    from orchestration.lib.results import QUARANTINE_SCHEMA

    return [r for r in result.quarantine.select(list(QUARANTINE_SCHEMA)).rows() if r not in AUSTRALIA]


def loaded(result, sheet: str, row: int, year: int) -> dict | None:
    hit = result.rows.filter(pl.col("sheet") == sheet, pl.col("source_row") == row, pl.col("year") == year)
    return hit.row(0, named=True) if hit.height else None


CELL_PROBLEMS = {
    # kind: (sheet, cell, value written, quarantine row expected (without the file name))
    "text in a numeric cell": (EXPORTS, "AD9", "n/a", (EXPORTS, 9, "AD (2019)", "n/a", "not a number: 'n/a'")),
    "negative value": (IMPORTS, "AE9", -12.5, (IMPORTS, 9, "AE (2020)", "-12.5", "negative trade value")),
    "decimal comma": (EXPORTS, "AD9", "19635,75", (EXPORTS, 9, "AD (2019)", "19635,75", "not a number: '19635,75'")),
    "separators not grouping by three": (EXPORTS, "AD9", "19,63,5.75", (EXPORTS, 9, "AD (2019)", "19,63,5.75", "not a number: '19,63,5.75'")),
    "estimate marker without its space": (EXPORTS, "AD9", "5.46e", (EXPORTS, 9, "AD (2019)", "5.46e", "not a number: '5.46e'")),
    "a number too large for a double": (EXPORTS, "AD9", "1e400", (EXPORTS, 9, "AD (2019)", "1e400", "not a finite number")),
    "a figure beyond the last year column": (EXPORTS, "AG9", 7.25, (EXPORTS, 9, "AG", "7.25", "figure in a column without a year header")),
}


@pytest.mark.parametrize("kind", list(CELL_PROBLEMS))
def test_bad_cell_is_quarantined_and_the_rest_loads(tmp_path, kind):
    sheet, ref, value, expected = CELL_PROBLEMS[kind]
    result = parsed(tmp_path, set_cells(sheet, **{ref: value}))
    assert extra_quarantine(result) == [(NAME, *expected)]
    replaced = 1 if ref[:2] in ("AD", "AE") else 0  # the edit overwrote a real figure
    assert result.rows.height == AZE_ROWS - replaced
    assert loaded(result, sheet, 9, 2018) is not None  # the rest of the row still loads


def test_blank_partner_name_with_figures(tmp_path):
    def edit(wb):
        ws = wb[EXPORTS]
        for col in range(2, 32):
            ws.cell(12, col).value = None  # row 12 is Austria
        ws["D12"], ws["AD12"] = 1.5, "2.25"

    result = parsed(tmp_path, edit)
    assert extra_quarantine(result) == [
        (NAME, EXPORTS, 12, "D (1993)", "1.5", "figure without a partner name"),
        (NAME, EXPORTS, 12, "AD (2019)", "2.25", "figure without a partner name"),
    ]
    assert result.rows.filter(pl.col("source_row") == 12, pl.col("sheet") == EXPORTS).is_empty()


def test_duplicate_partner_row_with_conflicting_figures(tmp_path):
    result = parsed(tmp_path, set_cells(EXPORTS, AD32=99.9))  # row 32 repeats Australia (row 8)
    conflict = "duplicate partner row with conflicting figures (rows 8, 32)"
    assert result.quarantine.rows() == [
        (NAME, EXPORTS, 8, "B (partner)", "Australia", conflict),
        (NAME, EXPORTS, 32, "B (partner)", "Australia", conflict),
        AUSTRALIA[1],
    ]
    # neither version loads: nothing says which one is right
    assert result.rows.filter(pl.col("partner_name") == "Australia")["sheet"].unique().to_list() == [IMPORTS]


def test_identical_duplicate_partner_row(tmp_path):
    """A third identical Australia row (after rows 8 and 32) is set aside like the second."""
    def edit(wb):
        ws = wb[EXPORTS]
        ws.append([None] + [c.value for c in ws[8]][1:])

    result = parsed(tmp_path, edit)
    last = 194  # the real sheet ends on row 193
    assert result.quarantine.rows() == [
        AUSTRALIA[0],
        (NAME, EXPORTS, last, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)"),
        AUSTRALIA[1],
    ]
    assert result.rows.height == AZE_ROWS


def test_duplicate_partner_name_differing_only_in_case_and_spaces(tmp_path):
    result = parsed(tmp_path, set_cells(EXPORTS, B32="  AUSTRALIA "))
    assert result.quarantine.rows() == [
        (NAME, EXPORTS, 32, "B (partner)", "AUSTRALIA", "duplicate partner row (same figures as row 8)"),
        AUSTRALIA[1],
    ]


@pytest.mark.parametrize("text", ["19635.7486 e   ", "  19635.7486  e ", "19635.7486 e\t"])
def test_estimate_with_trailing_spaces_loads_flagged(tmp_path, text):
    result = parsed(tmp_path, set_cells(EXPORTS, AD9=text))
    assert extra_quarantine(result) == []
    row = loaded(result, EXPORTS, 9, 2019)
    assert row["is_estimate"] is True
    assert row["value_usd"] == pytest.approx(19_635.7486e6)
    assert row["value_as_published"] == text.strip()


# -- names unknown to the crosswalk: quarantined by the trade asset's transform ----------------------

@pytest.fixture(scope="module")
def resolver():
    return Resolver(load_crosswalk(CROSSWALK))


def _resolve(resolver, result, path):
    """The loader's country resolution, as the imf_dots source spec declares it."""
    from orchestration.defs.ingestion._source import resolve_countries
    from orchestration.defs.ingestion.imf_dots import SPEC

    return resolve_countries(SPEC.countries, resolver)(result, path)


def test_unknown_partner_name_is_quarantined(tmp_path, resolver):
    from orchestration.lib.countries import unknown_reason

    path = edited(tmp_path, set_cells(EXPORTS, B12="Atlantis"))
    result = _resolve(resolver, parse_dots_workbook(path), path)
    assert extra_quarantine(result) == [(NAME, EXPORTS, 12, "partner_name", "Atlantis", unknown_reason("name"))]
    assert unknown_reason("name") == "unknown country name (not in raw/reference/country_names.csv)"
    assert set(result.quarantine["category"].drop_nulls()) == {"reference"}
    assert result.rows.filter(pl.col("partner_name") == "Atlantis").is_empty()
    assert result.rows["partner_code"].null_count() == 0
    # every other figure resolves and stays
    assert result.rows.height == AZE_ROWS - 29
    assert set(result.rows.filter(pl.col("partner_name") == "World")["partner_code"]) == {"WLD"}
    assert set(result.rows["reporter_code"]) == {"AZE"}


def test_unknown_reporter_name_quarantines_its_rows_not_the_warehouse(tmp_path, resolver):
    """A reporter the crosswalk does not know is a gap in the reference data, not a broken file: every
    partner row is quarantined with the reason (and the check warns); nothing escapes as an error."""
    from orchestration.lib.countries import unknown_reason

    path = edited(tmp_path, _both_reporters("Atlantis"))
    result = _resolve(resolver, parse_dots_workbook(path), path)
    assert result.rows.is_empty()
    reference = result.quarantine.filter(pl.col("category") == "reference")
    assert set(reference["reason"]) == {unknown_reason("name")}
    assert set(reference["raw_value"]) == {"Atlantis"} and set(reference["column"]) == {"reporter_name"}
    # one row per partner row of each sheet (the Australia repeat is already set aside by the parser)
    assert reference.height == parse_dots_workbook(DOTS_AZE).rows.select("sheet", "source_row").n_unique()


# -- property: any cell contents load or are quarantined; nothing else ever escapes ------------------

YEARS = [2016, 2017, 2018, 2019]
PARTNERS = ["World", "Australia", "Australia", "australia ", "China, P.R.: Mainland", "", "   ", None]

def safe_text(max_size: int):
    """Text a worksheet can hold (no control characters, no lone surrogates)."""
    return st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=max_size)


numbers = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
texts = st.one_of(
    safe_text(12),
    st.sampled_from(["n/a", "5.46 e", " 7 e  ", "-1", "1e400", "..", "e", "1,0", "=1+1", "0", "nan", "inf", "x e"]),
    numbers.map(str),
)
cells = st.one_of(st.none(), numbers, texts)
partner_names = st.one_of(st.sampled_from(PARTNERS), safe_text(8))
sheet_bodies = st.lists(st.tuples(partner_names, st.lists(cells, min_size=len(YEARS), max_size=len(YEARS) + 1)), max_size=6)


def _put(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text is text, even when it starts with "="


def dots_workbook(path: Path, bodies: dict[str, list], unit: str = "US Dollars, Millions",
                  year_cells: list | None = None) -> Path:
    """A small workbook in the DOTS layout (title B2, reporter B4, unit B5, years row 7, partners from row 8)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, body in bodies.items():
        ws = wb.create_sheet(sheet)
        ws["B2"] = f"{sheet} {'to' if sheet == EXPORTS else 'from'} Partner Countries"
        ws["B4"] = "Azerbaijan, Rep. of"
        _put(ws, 5, 2, unit)
        for j, year in enumerate(year_cells or [str(y) for y in YEARS]):
            _put(ws, 7, 3 + j, year)
        for i, (partner, values) in enumerate(body):
            _put(ws, 8 + i, 2, partner)
            for j, value in enumerate(values):
                _put(ws, 8 + i, 3 + j, value)
    wb.save(path)
    return path


def _present(value) -> bool:
    return value is not None and str(value).strip() != ""


def assert_accounted(result, bodies: dict[str, list], multiplier: float = 1e6) -> None:
    q = result.quarantine
    assert q["file"].unique().to_list() in ([], ["DOTS_prop.xlsx"])
    assert q["reason"].null_count() == 0
    dup_rows = {(s, r) for s, r, c in q.select("sheet", "row", "column").iter_rows() if c == "B (partner)"}
    cell_q = {(s, r, c.split(" ")[0]) for s, r, c in q.select("sheet", "row", "column").iter_rows() if c != "B (partner)"}
    loaded = {(s, r, y): v for s, r, y, v in result.rows.select("sheet", "source_row", "year", "value_usd").iter_rows()}
    expected_cells = 0
    for sheet, body in bodies.items():
        for i, (_, values) in enumerate(body):
            row = 8 + i
            for j, value in enumerate(values):
                if not _present(value):
                    continue
                expected_cells += 1
                letter = get_column_letter(3 + j)
                year = YEARS[j] if j < len(YEARS) else None
                if (sheet, row, letter) in cell_q:
                    assert (sheet, row, year) not in loaded
                elif (sheet, row) in dup_rows:
                    assert (sheet, row, year) not in loaded
                else:
                    assert (sheet, row, year) in loaded, (sheet, row, letter, value)
                    got = loaded[(sheet, row, year)]
                    if isinstance(value, (int, float)):
                        assert got == pytest.approx(value * multiplier, rel=1e-9, abs=1e-3 * multiplier)
                    assert got >= 0
    # nothing invented: every loaded figure and every cell-level quarantine row is one of those cells
    assert len(loaded) == result.rows.height
    assert len(loaded) + len(cell_q) <= expected_cells
    assert len(cell_q) == q.filter(pl.col("column") != "B (partner)").height


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exports=sheet_bodies, imports=sheet_bodies)
def test_property_every_figure_loads_or_is_quarantined(tmp_path, exports, imports):
    bodies = {EXPORTS: exports, IMPORTS: imports}
    result = parse_dots_workbook(dots_workbook(tmp_path / "DOTS_prop.xlsx", bodies))
    assert_accounted(result, bodies)


header_cells = st.one_of(st.sampled_from(["1999", "2000", 2001, "19 99", "", None, "Total"]), safe_text(5))
units = st.one_of(st.sampled_from(["US Dollars, Millions", "US Dollars, Billions", "Euros, Millions", "", "x"]), safe_text(10))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=sheet_bodies, unit=units, year_cells=st.lists(header_cells, min_size=1, max_size=5))
def test_property_arbitrary_labels_raise_only_source_file_errors(tmp_path, body, unit, year_cells):
    path = tmp_path / "DOTS_prop.xlsx"
    dots_workbook(path, {EXPORTS: body, IMPORTS: body}, unit=unit, year_cells=year_cells)
    try:
        result = parse_dots_workbook(path)
    except SourceFileError as exc:
        message = str(exc)
        assert message.startswith("DOTS_prop.xlsx") and "\n" not in message
        return
    assert result.rows["value_usd"].is_finite().all()
    assert (result.rows["value_usd"] >= 0).all()
    assert result.meta["reporter_name"] == "Azerbaijan, Rep. of"
