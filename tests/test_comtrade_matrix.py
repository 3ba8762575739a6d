"""The UN Comtrade trade-matrix parser (orchestration/lib/comtrade_matrix.py), on the real 2024
extract and on malformed copies of it. Pure functions: no Dagster, no warehouse."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.comtrade_matrix import WORLD_REASON, ZERO_REASON, parse_trade_matrix, product_of
from orchestration.lib.countries import Resolver
from orchestration.lib.errors import SourceFileError

ROOT = Path(__file__).resolve().parents[1]
NAME = "trade_matrix_all_transport_modes_TOTAL__AZE_CHN_rows_extract.csv"
MATRIX = ROOT / "raw" / "comtrade_matrix" / "2024" / NAME
CROSSWALK = ROOT / "raw" / "reference" / "country_names.csv"


@pytest.fixture(scope="module")
def parsed():
    return parse_trade_matrix(MATRIX)


def cell(result, exporter: str, partner: str) -> dict | None:
    rows = result.rows.filter((pl.col("reporter_name") == exporter) & (pl.col("partner_name") == partner))
    return rows.row(0, named=True) if rows.height else None


def test_azerbaijan_exports_to_china_2024(parsed):
    row = cell(parsed, "Azerbaijan", "China")
    assert round(row["value_usd"]) == 19_700_022
    assert row["value_as_published"] == "19700022.11"
    assert (row["year"], row["flow"], row["product_code"], row["transport_mode"]) == (2024, "exports", "TOTAL", "all_transport_modes")
    assert (row["source_row"], row["source_column"]) == (2, "AR (China)")


def test_zero_cells_are_gaps_never_zeros(parsed):
    # China reports exports to all three; this pull has none: quarantined, not loaded as 0
    for partner in ("Azerbaijan", "Armenia", "Georgia"):
        assert cell(parsed, "China", partner) is None
        (q,) = parsed.quarantine.filter((pl.col("row") == 3) & pl.col("column").str.ends_with(f"({partner})")).to_dicts()
        assert (q["raw_value"], q["reason"]) == ("0.0", ZERO_REASON)
    assert parsed.rows.filter(pl.col("value_usd") <= 0).is_empty()
    zeros = parsed.quarantine.filter(pl.col("reason") == ZERO_REASON)
    assert zeros.group_by("row").len().sort("row").rows() == [(2, 99), (3, 14)]


def test_world_is_the_carriers_row_sum_and_does_not_load(parsed):
    world = parsed.quarantine.filter(pl.col("reason") == WORLD_REASON).sort("row")
    assert world.select("row", "column", "raw_value").rows() == [
        (2, "B (World)", "26551175488.519997"), (3, "B (World)", "3495635267560.0")]
    # it is the sum of the row, gaps included: no independent total
    china = parsed.rows.filter(pl.col("reporter_name") == "China")["value_usd"].sum()
    assert china == pytest.approx(3_495_635_267_560.0, rel=1e-12)
    assert not parsed.rows.filter(pl.col("partner_name") == "World").height


def test_every_cell_is_accounted_for(parsed):
    with MATRIX.open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    cells = sum(len(line) - 1 for line in lines[1:])
    assert parsed.rows.height + parsed.quarantine.height == cells == 440
    assert parsed.rows.height == 325


def test_every_partner_name_is_in_the_crosswalk(parsed):
    resolver = Resolver.from_path(CROSSWALK)
    names = set(parsed.rows["reporter_name"]) | set(parsed.rows["partner_name"])
    assert sorted(n for n in names if resolver.resolve(n) is None) == []
    assert resolver.resolve("Rep. of Korea") == ("KOR", "country")
    assert resolver.resolve("China, Hong Kong SAR") == ("HKG", "country")


@pytest.mark.parametrize("name, expected", [
    (NAME, ("TOTAL", "all_transport_modes")),
    ("trade_matrix_all_transport_modes_TOTAL.csv", ("TOTAL", "all_transport_modes")),
    ("trade_matrix_all_transport_modes_HS27.csv", ("27", "all_transport_modes")),
])
def test_product_from_the_carriers_file_name(name, expected):
    assert product_of(Path(name)) == expected


@pytest.mark.parametrize("name, problem", [
    ("trade_matrix_sea_only_TOTAL.csv", "only a part of trade"),
    ("matrix_2024.csv", "product is unknown"),
])
def test_file_names_that_do_not_say_the_product_fail(tmp_path, name, problem):
    path = tmp_path / "comtrade_matrix" / "2024" / name
    path.parent.mkdir(parents=True)
    shutil.copyfile(MATRIX, path)
    with pytest.raises(SourceFileError) as err:
        parse_trade_matrix(path)
    assert problem in str(err.value) and "\n" not in str(err.value)


def test_the_year_is_the_release_folder(tmp_path):
    path = tmp_path / "comtrade_matrix" / NAME
    path.parent.mkdir(parents=True)
    shutil.copyfile(MATRIX, path)
    with pytest.raises(SourceFileError, match=r"raw/comtrade_matrix/<YYYY>/"):
        parse_trade_matrix(path)
    assert parse_trade_matrix(path, year=2024).rows.height == 325


def edited(tmp_path: Path, edit) -> Path:
    with MATRIX.open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    edit(lines)
    path = tmp_path / "comtrade_matrix" / "2024" / NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)
    return path


def test_bad_cells_are_quarantined_the_rest_loads(tmp_path):
    def edit(lines):
        china = lines[0].index("China")
        lines[1][china] = "n/a"             # Azerbaijan -> China
        lines[1][china + 1] = "-5"          # Azerbaijan -> Hong Kong
    result = parse_trade_matrix(edited(tmp_path, edit))
    bad = result.quarantine.filter(~pl.col("reason").is_in([WORLD_REASON, ZERO_REASON])).sort("column")
    assert bad.select("row", "column", "raw_value", "reason").rows() == [
        (2, "AR (China)", "n/a", "not a number: 'n/a'"),
        (2, "AS (China, Hong Kong SAR)", "-5", "negative trade value"),
    ]
    assert result.rows.height == 325 - 2


@pytest.mark.parametrize("edit, problem", [
    (lambda lines: lines[0].__setitem__(0, "exporter"), "first header cell should be empty"),
    (lambda lines: lines[0].__setitem__(1, "Total"), "no 'World' column"),
    (lambda lines: lines[0].__setitem__(3, "Afghanistan"), "appear twice"),
])
def test_files_that_are_not_a_matrix_fail_with_one_line(tmp_path, edit, problem):
    with pytest.raises(SourceFileError) as err:
        parse_trade_matrix(edited(tmp_path, edit))
    assert problem in str(err.value) and "\n" not in str(err.value)


def test_a_ragged_row_is_quarantined(tmp_path):
    result = parse_trade_matrix(edited(tmp_path, lambda lines: lines[2].pop()))
    assert result.rows.filter(pl.col("reporter_name") == "China").is_empty()
    (q,) = result.quarantine.filter(pl.col("row") == 3).to_dicts()
    assert q["reason"] == "220 cells for 221 columns"
