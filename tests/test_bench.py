"""The benchmark suite: SYNTHETIC generators at tiny scale, and one tiny end-to-end benchmark run."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from orchestration.bench import generate, run
from orchestration.lib.countries import load_crosswalk
from orchestration.lib.imf_dots import parse_dots_workbook

DUPLICATE_REASON = "duplicate partner row (same figures as row 8)"


@pytest.fixture(scope="module")
def tiny_dots(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("bench_dots")
    return out, generate.write_dots_workbooks(out, reporters=3, years=5, first_year=1988, seed=0)


def test_dots_layout_is_the_real_one(tiny_dots):
    _, paths = tiny_dots
    wb = openpyxl.load_workbook(paths[0], read_only=True)
    assert wb.sheetnames == ["Exports, FOB", "Imports, CIF"]
    for ws, title in zip(wb.worksheets, ("Exports, FOB to Partner Countries", "Imports, CIF from Partner Countries")):
        rows = [r for r in ws.iter_rows(min_row=1, max_row=9, values_only=True)]
        assert rows[1][1] == title
        assert rows[3][1] == "Azerbaijan, Rep. of"
        assert rows[4][1] == "US Dollars, Millions"
        assert list(rows[6][2:7]) == ["1988", "1989", "1990", "1991", "1992"]
        assert rows[7][0] is None and isinstance(rows[7][1], str)
    assert "SYNTHETIC" in paths[0].name


def test_dots_parse_with_only_the_documented_duplicates_and_real_names(tiny_dots):
    out, paths = tiny_dots
    assert len(paths) == 3
    crosswalk = load_crosswalk(out / "reference" / "country_names.csv")
    known = set(crosswalk["key"].to_list())
    reporters = []
    estimates = 0
    for path in paths:
        result = parse_dots_workbook(path)
        q = result.quarantine
        assert q.height == 2, q  # one documented duplicate per sheet
        assert set(q["reason"].to_list()) == {DUPLICATE_REASON}
        rows = result.rows
        assert rows.height > 0 and rows["year"].n_unique() == 5
        estimates += rows["is_estimate"].sum()
        names = set(rows["partner_name"].unique().to_list()) | {result.meta["reporter_name"]}
        assert {n.casefold() for n in names} <= known, names - {n for n in names if n.casefold() in known}
        assert {"World", "Euro Area", "Countries & Areas not specified"} <= names
        reporters.append(result.meta["reporter_name"])
        # World = sum of the partner rows × (1 + noise <= 1 %)
        types = crosswalk.select(pl.col("key"), pl.col("entity_type")).unique("key")
        typed = rows.with_columns(pl.col("partner_name").str.to_lowercase().alias("key")).join(types, on="key")
        sums = typed.group_by("flow", "year").agg(
            pl.col("value_usd").filter(pl.col("entity_type").is_in(["country", "historical", "unspecified"])).sum().alias("parts"),
            pl.col("value_usd").filter(pl.col("key") == "world").first().alias("world"),
        )
        ratio = (sums["world"] / sums["parts"]).to_list()
        assert all(1.0 - 1e-6 <= r <= 1.01 + 1e-6 for r in ratio), ratio
    assert len(set(reporters)) == 3
    assert estimates > 0
    assert (out / "README_SYNTHETIC.md").is_file()
    assert (out / "claims" / "claims.csv").is_file()


def test_comtrade_csv_columns_and_row_count(tmp_path):
    path = generate.write_comtrade_csv(tmp_path / "comtrade_SYNTHETIC.csv", rows=2_500, seed=1, chunk_rows=1_000)
    frame = pl.read_csv(path, schema_overrides={"cmdCode": pl.String})
    assert tuple(frame.columns) == generate.COMTRADE_COLUMNS
    assert frame.height == 2_500
    assert frame["cmdCode"].str.len_chars().eq(6).all()
    assert set(frame["flowCode"].unique().to_list()) <= {"X", "M"}
    assert (frame["primaryValue"] > 0).all()


@pytest.mark.bench
def test_run_main_tiny_writes_every_measurement(tmp_path):
    # --reporters 1: the full build is the start-up build (one fresh build) + the two incremental builds
    out = tmp_path / "bench"
    code = run.main(["--reporters", "1", "--years", "3", "--first-year", "2018", "--repeats", "1",
                     "--comtrade-rows", "1000", "--out", str(out)])
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_bytes"] > 0
    expected = {
        "dbt_parse_cold_s", "build_startup_s", "build_full_s", "build_incremental_new_reporter_s", "build_incremental_changed_file_s",
        "build_peak_rss_bytes", "warehouse_bytes", "ingest_parse_s", "ingest_rows_per_s",
        "baseline_dots_read_s", "baseline_dots_insert_s", "baseline_dots_aggregate_s", "baseline_dots_total_s",
        "baseline_dots_db_bytes", "comtrade_duckdb_bulk_load_s", "comtrade_polars_load_s", "comtrade_aggregate_s",
    }
    assert set(results["measurements"]) == expected
    for key, entry in results["measurements"].items():
        # peak RSS has one run per build (here: the fresh build and the two incremental ones)
        assert len(entry["runs"]) == (3 if key == "build_peak_rss_bytes" else 1), key
        assert entry["median"] > 0 and all(r > 0 for r in entry["runs"]), key
    # with one reporter the full build is the start-up build: its marginal cost is 0 by definition
    assert all(v > 0 for k, v in results["ratios"].items() if k != "build_marginal_vs_dots_baseline")
    assert set(results["budgets"]) == set(run.BUDGETS)
    assert all(isinstance(b["pass"], bool) for b in results["budgets"].values())
    assert results["parameters"]["comtrade_rows_loaded"] == 1000
    slowest = results["profile"]["dbt_slowest_nodes"]
    assert slowest and all(n["seconds"] >= 0 for n in slowest)
    assert results["profile"]["duckdb_explain_analyze"]


def test_dbt_node_times_and_explain_on_the_real_build(built_warehouse, tmp_path):
    """The profiling helpers on the session's real build: dbt's slowest nodes and DuckDB's plans."""
    target = built_warehouse.parent / "target"
    nodes = run.dbt_node_times(target, top=50)
    by_name = {n["node"]: n for n in nodes}
    assert "partner_shares" in by_name and by_name["partner_shares"]["type"] == "model"
    assert by_name["partner_shares"]["seconds"] > 0
    assert nodes == sorted(nodes, key=lambda n: -n["seconds"])
    explained = run.explain_models(target, built_warehouse, ["partner_shares"], tmp_path)
    plan = explained["partner_shares"]
    assert plan["seconds"] > 0
    # the rank over partners is a window function: DuckDB's plan shows it
    assert "WINDOW" in {op["operator"] for op in plan["top_operators"]}
    assert json.loads((tmp_path / "explain_partner_shares.json").read_text())
