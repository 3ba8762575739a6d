"""FDI parsers: the real UNCTAD table and CBAR press release in raw/, and malformed copies of them."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.errors import SourceFileError
from orchestration.lib.fdi import parse_fdi_release, parse_unctad_fdi

RAW = Path(__file__).resolve().parents[1] / "raw"
UNCTAD = RAW / "fdi_unctad" / "unctad_bilateral_fdi_2014_AZE_inflows_by_origin.csv"
CBAR = RAW / "fdi_releases" / "cbar_inward_fdi_press.csv"


@pytest.fixture(scope="module")
def unctad():
    return parse_unctad_fdi(UNCTAD)


def value(rows: pl.DataFrame, origin: str, year: int, column: str = "value_usd_mn") -> float:
    hit = rows.filter(pl.col("origin_name") == origin, pl.col("year") == year)
    assert hit.height == 1, (origin, year, hit)
    return hit[column][0]


def copy_with(tmp_path: Path, source: Path, old: str | None = None, new: str = "", *, encoding="utf-8") -> Path:
    text = source.read_text(encoding="utf-8")
    if old is not None:
        assert old in text
        text = text.replace(old, new, 1)
    target = tmp_path / source.name
    target.write_bytes(text.encode(encoding))
    return target


# ---- UNCTAD: real figures --------------------------------------------------------------------


def test_unctad_meta(unctad):
    assert unctad.meta["host_name"] == "Azerbaijan"
    assert unctad.meta["unit"] == "USD mn"
    assert unctad.meta["table_title"] == "Table 1. FDI flows in the host economy, by geographical origin"
    assert unctad.meta["notes"][0].startswith("Source:")
    assert unctad.quarantine.is_empty()


def test_unctad_world_totals(unctad):
    assert value(unctad.rows, "World", 2012) == 5382
    assert value(unctad.rows, "World", 2002) == 2012  # written "2 012"
    world = unctad.rows.filter(pl.col("origin_name") == "World")
    assert world["year"].to_list() == list(range(2001, 2013))
    assert world["level"].unique().to_list() == [0]
    assert world["source_row"][0] == 5  # line 5 in a text editor


def test_unctad_china_2008(unctad):
    assert value(unctad.rows, "China", 2008) == 8
    china = unctad.rows.filter(pl.col("origin_name") == "China").row(0, named=True)
    assert (china["level"], china["parent_name"], china["is_leaf"]) == (4, "East Asia", True)


def test_unctad_hierarchy(unctad):
    one_year = unctad.rows.filter(pl.col("year") == 2012)
    by_name = {r["origin_name"]: r for r in one_year.iter_rows(named=True)}
    assert by_name["World"]["parent_name"] is None
    assert by_name["Developed economies"]["parent_name"] == "World"
    assert by_name["Unspecified"]["parent_name"] == "World"
    assert by_name["Unspecified"]["is_leaf"]
    assert by_name["United States"]["parent_name"] == "North America"
    assert by_name["Russian Federation"]["parent_name"] == "CIS"
    assert not by_name["European Union"]["is_leaf"]
    assert by_name["Netherlands"]["parent_name"] == "European Union"


def test_unctad_largest_economies_2012(unctad):
    leaves = unctad.rows.filter(pl.col("year") == 2012, "is_leaf", pl.col("origin_name") != "Unspecified")
    top = leaves.filter(pl.col("value_usd_mn") == leaves["value_usd_mn"].max())
    assert sorted(top["origin_name"].to_list()) == ["Netherlands", "Turkey"]
    assert top["value_usd_mn"].to_list() == [186, 186]


def test_unctad_leaves_sum_close_to_world(unctad):
    """Leaf economies + Unspecified equal World within rounding: gaps 0, 0, 1, 1, -1, 0, 0, 1, 0, -1, 2, 1."""
    world = unctad.rows.filter(pl.col("level") == 0).select("year", world="value_usd_mn")
    leaves = unctad.rows.filter("is_leaf").group_by("year").agg(leaves=pl.col("value_usd_mn").sum())
    gaps = world.join(leaves, on="year").sort("year").select(gap=pl.col("world") - pl.col("leaves"))["gap"]
    assert gaps.to_list() == [0, 0, 1, 1, -1, 0, 0, 1, 0, -1, 2, 1]
    assert gaps.abs().max() <= 2


def test_unctad_every_parent_is_its_children_within_rounding(unctad):
    rows = unctad.rows
    children = (
        rows.filter(pl.col("parent_name").is_not_null())
        .group_by("parent_name", "year")
        .agg(children=pl.col("value_usd_mn").sum())
    )
    joined = rows.join(children, left_on=["origin_name", "year"], right_on=["parent_name", "year"])
    assert joined.height == 14 * 12  # 14 regions (World included) x 12 years
    assert (joined["children"] - joined["value_usd_mn"]).abs().max() <= 1


# ---- UNCTAD: value formats and malformed copies -----------------------------------------------


def test_unctad_negative_and_missing_values(tmp_path):
    path = copy_with(tmp_path, UNCTAD, '"Cyprus",NA,0,"0"', '"Cyprus",NA,"- -8","-3"')
    text = path.read_text().replace('"Norway",NA,0,"0"', '"Norway",NA,"..","1 234.5"')
    path.write_text(text)
    result = parse_unctad_fdi(path)
    assert value(result.rows, "Cyprus", 2001) == -8
    assert value(result.rows, "Cyprus", 2002) == -3
    assert result.rows.filter(pl.col("origin_name") == "Norway", pl.col("year") == 2001).is_empty()
    assert value(result.rows, "Norway", 2002) == 1234.5
    assert result.quarantine.is_empty()


def test_unctad_text_in_numeric_cell_is_quarantined(tmp_path):
    path = copy_with(tmp_path, UNCTAD, '"Germany",NA,0,"2"', '"Germany",NA,0,"abc"')
    result = parse_unctad_fdi(path)
    assert result.quarantine.select("row", "column", "raw_value", "reason").rows() == [
        (11, "2002", "abc", "not a number: 'abc'")
    ]
    assert result.rows.filter(pl.col("origin_name") == "Germany").height == 11
    assert value(result.rows, "World", 2012) == 5382


def test_unctad_bom_is_accepted(tmp_path):
    path = tmp_path / UNCTAD.name
    path.write_bytes(b"\xef\xbb\xbf" + UNCTAD.read_bytes())
    result = parse_unctad_fdi(path)
    assert result.meta["host_name"] == "Azerbaijan"
    assert value(result.rows, "World", 2012) == 5382


def test_unctad_generalises_to_another_host(tmp_path):
    text = UNCTAD.read_text().replace('"Azerbaijan"', '"Georgia"', 1).replace('"2001"', '"1999"')
    text = text.replace(",2001,", ",1999,")
    path = tmp_path / "GEO.csv"
    path.write_text(text)
    result = parse_unctad_fdi(path)
    assert result.meta["host_name"] == "Georgia"
    assert set(result.rows["host_name"]) == {"Georgia"}
    assert value(result.rows, "World", 1999) == 900


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('"(Millions of US dollars)"', '"(Thousands of euros)"', "unknown unit '(Thousands of euros)'"),
        ('"2","(Millions of US dollars)"', '"2",""', "no unit row"),
        ('"Region / economy"', '"World total"', "no header row 'Region / economy'"),
    ],
)
def test_unctad_unreadable_layout_raises(tmp_path, old, new, problem):
    path = copy_with(tmp_path, UNCTAD, old, new)
    with pytest.raises(SourceFileError, match=re.escape(problem)) as err:
        parse_unctad_fdi(path)
    assert str(err.value).startswith(UNCTAD.name)


def test_unctad_no_year_header_raises(tmp_path):
    lines = UNCTAD.read_text().splitlines(keepends=True)
    lines[3] = lines[3].split("NA,")[0] + "NA" + ',""' * 12 + "\n"
    path = tmp_path / UNCTAD.name
    path.write_text("".join(lines))
    with pytest.raises(SourceFileError, match="row 4: no year columns"):
        parse_unctad_fdi(path)


def test_unctad_unknown_unit_names_the_row(tmp_path):
    path = copy_with(tmp_path, UNCTAD, '"(Millions of US dollars)"', '"(Thousands of euros)"')
    with pytest.raises(SourceFileError) as err:
        parse_unctad_fdi(path)
    assert err.value.row == 3
    assert "row 3" in str(err.value)


@pytest.mark.parametrize("parser", [parse_unctad_fdi, parse_fdi_release])
def test_empty_file_raises(tmp_path, parser):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match="empty.csv: file is empty"):
        parser(path)


@pytest.mark.parametrize(("parser", "source"), [(parse_unctad_fdi, UNCTAD), (parse_fdi_release, CBAR)])
def test_latin1_file_raises_naming_the_file(tmp_path, parser, source):
    old = "Turkey" if source == UNCTAD else "Turkiye"
    path = copy_with(tmp_path, source, old, "Türkiye", encoding="latin-1")
    with pytest.raises(SourceFileError, match="not UTF-8") as err:
        parser(path)
    assert str(err.value).startswith(source.name)
    assert err.value.row == (30 if source == UNCTAD else 4)


def test_missing_file_raises(tmp_path):
    with pytest.raises(SourceFileError, match="nope.csv: file not found"):
        parse_unctad_fdi(tmp_path / "nope.csv")


def test_parsers_do_not_modify_input(tmp_path):
    before = UNCTAD.read_bytes(), CBAR.read_bytes()
    parse_unctad_fdi(UNCTAD)
    parse_fdi_release(CBAR)
    assert (UNCTAD.read_bytes(), CBAR.read_bytes()) == before


# ---- FDI releases: CBAR press layout ----------------------------------------------------------


@pytest.fixture(scope="module")
def cbar():
    return parse_fdi_release(CBAR)


def test_cbar_figures(cbar):
    rows = cbar.rows
    assert cbar.meta["layout"] == "cbar_press"
    assert cbar.quarantine.is_empty()
    assert rows.height == 22
    assert value(rows, "TOTAL", 2024, "value_usd") == 7.0e9
    assert value(rows, "United Kingdom", 2023, "value_usd") == 1.9e9
    assert set(rows["host_iso3"]) == {"AZE"}
    assert set(rows["measure"]) == {"inflow"}
    assert set(rows["unit_as_written"]) == {"USD mn"}


def test_cbar_source_carried_within_year(cbar):
    sources = cbar.rows.group_by("year").agg(pl.col("source").unique(), pl.col("url").unique()).sort("year")
    assert sources.rows() == [
        (2023, ["CBAR Statistics Dept director S. Nasirov (Trend)"], ["https://en.trend.az/business/3879098.html"]),
        (2024, ['CBAR data via Trend (">$7bn",+5.8%)'], ["https://en.trend.az/business/4023519.html"]),
    ]


def test_cbar_unquoted_comma_in_source_is_repaired_not_shifted(cbar):
    # line 13 has an unquoted comma inside the source text: the url must stay the url
    assert cbar.meta["repaired_rows"] == [13]
    total = cbar.rows.filter(pl.col("source_row") == 13).row(0, named=True)
    assert total["url"] == "https://en.trend.az/business/4023519.html"


def test_cbar_text_in_numeric_cell_is_quarantined(tmp_path):
    path = copy_with(tmp_path, CBAR, "2023,Cyprus,791.5", "2023,Cyprus,abc")
    result = parse_fdi_release(path)
    assert result.quarantine.select("row", "column", "raw_value", "reason").rows() == [
        (5, "fdi_inflow_usd_mn", "abc", "not a number: 'abc'")
    ]
    assert result.rows.height == 21


def test_cbar_bom_is_accepted(tmp_path):
    path = tmp_path / CBAR.name
    path.write_bytes(b"\xef\xbb\xbf" + CBAR.read_bytes())
    assert value(parse_fdi_release(path).rows, "TOTAL", 2024, "value_usd") == 7.0e9


def test_release_unknown_header_raises(tmp_path):
    path = copy_with(tmp_path, CBAR, "year,source_country", "yr,country")
    with pytest.raises(SourceFileError, match="row 1: header matches neither"):
        parse_fdi_release(path)


# ---- FDI releases: canonical layout -----------------------------------------------------------


def test_canonical_release(tmp_path):
    path = tmp_path / "release.csv"
    path.write_text(
        "host_iso3,origin,year,measure,value,unit,source,url\n"
        "GEO,CHN,2020,inflow,-12.5,USD mn,Test release,https://example.org/a\n"
        "GEO,China,2020,position,1.25,USD bn,Test release,https://example.org/a\n"
        "GEO,TUR,2020,inflow,5000000,USD,Test release,https://example.org/a\n"
        "GEO,TUR,2020,inflow,6,USD mn,Test release,https://example.org/a\n"
        "GEO,RUS,2020,stock,6,USD mn,Test release,https://example.org/a\n"
        "GEO,RUS,20x0,inflow,6,EUR mn,Test release,https://example.org/a\n"
    )
    result = parse_fdi_release(path)
    assert result.meta["layout"] == "canonical"
    assert result.rows.select("origin_name", "measure", "value_usd", "source_row").rows() == [
        ("CHN", "inflow", -12.5e6, 2),
        ("China", "position", 1.25e9, 3),
        ("TUR", "inflow", 5e6, 4),
    ]
    assert result.quarantine.select("row", "column", "reason").rows() == [
        (5, "origin", "duplicate of an earlier row for TUR 2020 inflow"),
        (6, "measure", "unknown measure: 'stock'"),
        (7, "unit", "unknown unit: 'EUR mn'"),
        (7, "year", "not a year: '20x0'"),
    ]
