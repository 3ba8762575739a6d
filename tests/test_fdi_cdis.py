"""The IMF CDIS positions parser (orchestration/lib/fdi_cdis.py), on the real extracts and on
malformed copies. Pure functions: no Dagster, no warehouse."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.errors import SourceFileError
from orchestration.lib.fdi_cdis import DATA360_REASON, parse_cdis_file

FOLDER = Path(__file__).resolve().parents[1] / "raw" / "fdi_cdis"
INWARD = FOLDER / "cdis_dbnomics_mirror_inward_from_cn__AZ_extract.csv"
OUTWARD = FOLDER / "cdis_dbnomics_cn_outward__AZ_extract.csv"
DATA360 = FOLDER / "cdis_data360_cn_outward__AZ_extract.csv"


def by_year(result) -> dict[int, float]:
    return dict(result.rows.select("year", "value_usd").iter_rows())


def test_azerbaijan_reports_its_inward_position_from_china():
    result = parse_cdis_file(INWARD)
    assert result.quarantine.is_empty() and result.rows.height == 15
    row = result.rows.filter(pl.col("year") == 2023).row(0, named=True)
    assert (row["reporter_area"], row["counterpart_area"], row["indicator"]) == ("AZ", "CN", "IIW_BP6_USD")
    assert (row["direction"], row["reporting_side"]) == ("inward", "host")
    assert row["value_usd"] == pytest.approx(209.954283011765e6)
    assert round(row["value_usd"] / 1e6, 1) == 210.0
    assert by_year(result)[2009] == pytest.approx(120.196e6)


def test_china_reports_its_outward_position_in_azerbaijan():
    result = parse_cdis_file(OUTWARD)
    assert result.rows.height == 6 and sorted(by_year(result)) == list(range(2018, 2024))
    row = result.rows.filter(pl.col("year") == 2023).row(0, named=True)
    assert (row["reporter_area"], row["counterpart_area"], row["reporting_side"]) == ("CN", "AZ", "investor")
    assert row["value_usd"] == pytest.approx(34.7943e6)
    # the two sides of the same position differ by a factor of six in 2023
    inward = by_year(parse_cdis_file(INWARD))
    assert inward[2023] / row["value_usd"] == pytest.approx(6.034, abs=0.001)


def test_the_data360_copy_is_quarantined_not_loaded():
    result = parse_cdis_file(DATA360)
    assert result.rows.is_empty()
    assert result.quarantine["reason"].unique().to_list() == [DATA360_REASON]
    assert result.quarantine.select("row", "raw_value").rows()[-1] == (7, "34.7943")
    assert result.meta["layout"] == "data360"
    # it repeats the DBnomics figures (the carrier matched them by value): nothing is lost
    assert sorted(float(v) * 1e6 for v in result.quarantine["raw_value"]) == pytest.approx(sorted(by_year(parse_cdis_file(OUTWARD)).values()))


def test_bad_rows_are_quarantined_the_rest_loads(tmp_path):
    lines = INWARD.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("IIW_BP6_USD", "IIWD_BP6_USD")   # a debt-instrument indicator
    lines[2] = lines[2].replace("2010", "20x0")
    lines[3] = lines[3].replace(",165.72", ",n/a")
    path = tmp_path / "cdis.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = parse_cdis_file(path)
    assert result.rows.height == 12
    assert result.quarantine.select("row", "column", "raw_value").rows() == [
        (2, "indicator", "IIWD_BP6_USD"), (3, "year", "20x0"), (4, "value_usd", "n/a")]


def test_a_file_without_the_columns_fails_with_one_line(tmp_path):
    path = tmp_path / "cdis.csv"
    path.write_text("reporter,partner,value\nAZ,CN,1\n", encoding="utf-8")
    with pytest.raises(SourceFileError) as err:
        parse_cdis_file(path)
    assert "missing required column" in str(err.value) and "\n" not in str(err.value)
