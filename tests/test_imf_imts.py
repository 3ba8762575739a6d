"""The IMF IMTS exports matrix parser (orchestration/lib/imf_imts.py), on the real file and on
malformed copies of its edges. Pure functions: no Dagster, no warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.countries import Resolver
from orchestration.lib.errors import SourceFileError
from orchestration.lib.imf_imts import parse_imts_matrix
from orchestration.lib.releases import reference_year

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / "raw" / "imf_imts" / "2025" / "trade_data.json"
CROSSWALK = ROOT / "raw" / "reference" / "country_names.csv"


@pytest.fixture(scope="module")
def parsed():
    return parse_imts_matrix(MATRIX)


def value(result, exporter: str, importer: str) -> float:
    rows = result.rows.filter((pl.col("reporter_name") == exporter) & (pl.col("partner_name") == importer))
    assert rows.height == 1, (exporter, importer, rows.height)
    return rows["value_usd"][0]


def test_real_matrix_loads_every_edge(parsed):
    assert parsed.rows.height == 22_100 and parsed.quarantine.is_empty()
    assert parsed.meta == {"year": 2025, "edges": 22_100, "nodes": 196, "unit": "USD mn", "indicator": "XG_FOB_USD"}
    assert set(parsed.rows["year"].unique()) == {2025}
    assert set(parsed.rows["flow"].unique()) == {"exports"} and set(parsed.rows["valuation"].unique()) == {"FOB"}


def test_azerbaijan_china_each_as_its_exporter_reports(parsed):
    assert value(parsed, "China", "Azerbaijan") == pytest.approx(3_157.9e6)
    assert value(parsed, "Azerbaijan", "China") == pytest.approx(86.7e6)
    # the independent IMTS extract the provenance cites
    assert value(parsed, "Azerbaijan", "Italy") == pytest.approx(11_207.3e6)
    assert value(parsed, "Azerbaijan", "Russia") == pytest.approx(1_223.8e6)
    row = parsed.rows.filter((pl.col("reporter_name") == "China") & (pl.col("partner_name") == "Azerbaijan")).row(0, named=True)
    assert row["value_as_published"] == "3157.9" and row["unit_as_published"] == "USD mn"
    raw = json.loads(MATRIX.read_text(encoding="utf-8"))["edges"][row["source_row"] - 1]
    assert (raw["source"], raw["target"], raw["value"]) == ("China", "Azerbaijan", 3157.9)


def test_published_zeros_load_as_zero(parsed):
    assert parsed.rows.filter(pl.col("value_usd") == 0).height == 3_412


def test_every_name_is_in_the_crosswalk(parsed):
    resolver = Resolver.from_path(CROSSWALK)
    names = set(parsed.rows["reporter_name"]) | set(parsed.rows["partner_name"])
    unknown = sorted(n for n in names if resolver.resolve(n) is None)
    assert unknown == []
    assert resolver.resolve("CAR") == ("CAF", "country") and resolver.resolve("DR Congo") == ("COD", "country")
    assert resolver.resolve("Congo") == ("COG", "country")


def test_the_year_is_the_release_folder_never_guessed(tmp_path):
    assert reference_year(MATRIX, "imf_imts") == 2025
    later = tmp_path / "imf_imts" / "2025" / "2026-09" / "trade_data.json"
    assert reference_year(later, "imf_imts") == 2025
    loose = tmp_path / "imf_imts" / "trade_data.json"
    loose.parent.mkdir(parents=True)
    loose.write_text(json.dumps({"nodes": [], "edges": [{"source": "China", "target": "Azerbaijan", "value": 3157.9}]}))
    with pytest.raises(SourceFileError) as err:
        parse_imts_matrix(loose)
    message = str(err.value)
    assert message.startswith("trade_data.json: ") and "raw/imf_imts/<YYYY>/trade_data.json" in message
    assert "\n" not in message
    # a year folder above the source folder does not count
    outside = tmp_path / "2024" / "raw" / "imf_imts" / "trade_data.json"
    with pytest.raises(SourceFileError):
        reference_year(outside, "imf_imts")


def write(tmp_path: Path, edges, name: str = "trade_data.json") -> Path:
    path = tmp_path / "imf_imts" / "2025" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nodes": [], "edges": edges}), encoding="utf-8")
    return path


REAL = [{"source": "China", "target": "Azerbaijan", "value": 3157.9}, {"source": "Azerbaijan", "target": "China", "value": 86.7}]


@pytest.mark.parametrize("bad, column, reason", [
    ({"source": "Georgia", "target": "China", "value": "n/a"}, "value", "not a number"),
    ({"source": "Georgia", "target": "China", "value": None}, "value", "not a number"),
    ({"source": "Georgia", "target": "China", "value": -1.5}, "value", "negative trade value"),
    ({"source": "Georgia", "target": "China"}, "value", "not a number"),
    ({"target": "China", "value": 1.0}, "source", "missing exporter"),
    ({"source": "Georgia", "target": "", "value": 1.0}, "target", "missing importer"),
    ({"source": "Georgia", "target": "Georgia", "value": 1.0}, "target", "exporting to itself"),
    ({"source": "China", "target": "Azerbaijan", "value": 3100.0}, "source", "duplicate exporter -> importer pair (first at edge 1)"),
])
def test_bad_edges_are_quarantined_the_rest_loads(tmp_path, bad, column, reason):
    result = parse_imts_matrix(write(tmp_path, [*REAL, bad]))
    assert result.rows.height == 2
    assert value(result, "China", "Azerbaijan") == pytest.approx(3_157.9e6)
    (q,) = result.quarantine.to_dicts()
    assert (q["file"], q["row"], q["column"]) == ("trade_data.json", 3, column)
    assert reason in q["reason"]


@pytest.mark.parametrize("text, problem", [
    ("{\"edges\": [", "not valid JSON"),
    ("[1, 2]", "no 'edges' list"),
    ("{\"nodes\": []}", "no 'edges' list"),
    ("{\"edges\": []}", "'edges' list is empty"),
])
def test_unreadable_files_fail_with_one_line(tmp_path, text, problem):
    path = tmp_path / "imf_imts" / "2025" / "trade_data.json"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFileError) as err:
        parse_imts_matrix(path)
    assert problem in str(err.value) and "\n" not in str(err.value)


def test_unknown_names_are_split_off_with_their_edge(tmp_path):
    """Names resolve where every source's do (the loader's resolver): an unknown name's edge is set aside."""
    from orchestration.defs.ingestion._source import SPECS, resolve_countries
    import orchestration.defs.ingestion.imf_imts  # noqa: F401  (declares the spec)
    from orchestration.lib.countries import unknown_reason

    spec = next(s for s in SPECS if s.name == "imf_imts")
    path = write(tmp_path, [*REAL, {"source": "Atlantis", "target": "China", "value": 1.0}])
    result = resolve_countries(spec.countries, Resolver.from_path(CROSSWALK))(parse_imts_matrix(path), path)
    assert result.rows.select("reporter_code", "partner_code").rows() == [("CHN", "AZE"), ("AZE", "CHN")]
    assert result.quarantine.select("file", "row", "column", "raw_value", "reason").rows() == [
        ("trade_data.json", 3, "reporter_name", "Atlantis", unknown_reason("name"))]