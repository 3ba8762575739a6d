"""The benchmark suite: SYNTHETIC generators at tiny scale, and one tiny end-to-end benchmark run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
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
        # figures only in the reporter's years (Azerbaijan and the Kyrgyz Rep. from 1992: one year here)
        profile = generate.reporter_profile(result.meta["reporter_name"], 5, 1988, 0)
        assert rows.height > 0 and rows["year"].min() == profile.first_year and rows["year"].max() == 1992
        assert rows["year"].n_unique() == 1992 - profile.first_year + 1
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
    assert reporters == ["Azerbaijan, Rep. of", "China, P.R.: Mainland", "Kyrgyz Rep."]
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


def test_dots_realistic_density_is_calibrated_to_the_real_dots():
    # the issue: 235 reporters × 1960-2020 ≈ 2.6 million figures; counted without writing files
    # (count_figures equals the parsed count: see the next test)
    figures = generate.count_figures(235, 61, 1960, seed=0)
    assert figures == 2_672_647
    assert 0.9 * 2.6e6 <= figures <= 1.1 * 2.6e6
    # the earlier all-cells layout stays available: 6.8 million at 235 × 61, 2.5 times as many
    # (counted on 20 reporters here: the full count takes as long again)
    names = generate.reporter_names(235)[::12]
    dense, sparse = (generate.count_figures(names=names, dense=d) for d in (True, False))
    assert 6.6e6 <= dense * 235 / len(names) <= 6.9e6
    assert 2.0 <= dense / sparse <= 3.2


@pytest.fixture(scope="module")
def sparse_dots(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("bench_dots_sparse")
    # seed 0: AZE, CHN, Kyrgyz Rep., Botswana, Russian Federation, Tonga (successor states, a late
    # starter, full histories)
    return out, generate.write_dots_workbooks(out, reporters=6, years=61, first_year=1960, seed=0)


def test_dots_density_first_years_and_coverage(sparse_dots):
    _, paths = sparse_dots
    vocab = generate.imf_vocabulary()
    parsed = [parse_dots_workbook(p) for p in paths]
    assert sum(r.rows.height for r in parsed) == generate.count_figures(6, 61, 1960, seed=0)
    by_name = {r.meta["reporter_name"]: r.rows for r in parsed}
    for name, rows in by_name.items():
        profile = generate.reporter_profile(name, 61, 1960, 0, vocab)
        years = rows["year"]
        # no figure before the reporter's first year; every reporting year has figures
        assert years.min() == profile.first_year and years.max() == 2020, name
        assert years.n_unique() == 2020 - profile.first_year + 1, name
        # coverage: the real files fill 52 % (AZE) and 77 % (CHN) of partner × year cells; the generator
        # draws a mature coverage in 40-80 % that starts at half of it, over ~250 partner rows
        # (historical ones filled before 1992 only): 30-75 % of the cells over the reporting years
        partners = rows["partner_name"].n_unique()
        share = rows.height / (partners * years.n_unique() * 2)
        assert 0.30 <= share <= 0.75, (name, share)
        # per reporting year: 100-500 figures (the real files: 232 for AZE, 366 for CHN)
        assert 100 <= rows.height / years.n_unique() <= 500, (name, rows.height)
    first = {name: rows["year"].min() for name, rows in by_name.items()}
    # successor states start in 1992-1993 (the real Azerbaijan file starts in 1992); others earlier
    assert {first[n] for n in ("Azerbaijan, Rep. of", "Kyrgyz Rep.", "Russian Federation")} <= {1992, 1993}
    assert first["China, P.R.: Mainland"] == first["Tonga"] == 1960 and 1960 < first["Botswana"] < 1992
    # ... and appear as partners only from 1992; the focus corridor exists from both sides
    china = by_name["China, P.R.: Mainland"]
    aze_in_china = china.filter(pl.col("partner_name") == "Azerbaijan, Rep. of")
    assert aze_in_china["year"].min() == 1992 and aze_in_china.height == 2 * (2020 - 1992 + 1)
    chn_in_aze = by_name["Azerbaijan, Rep. of"].filter(pl.col("partner_name") == "China, P.R.: Mainland")
    assert chn_in_aze.height == 2 * (2020 - by_name["Azerbaijan, Rep. of"]["year"].min() + 1)
    # the historical entities report up to 1991 only
    assert china.filter(pl.col("partner_name") == "USSR")["year"].max() <= 1991


def test_dots_world_and_aggregates_sum_the_kept_cells(sparse_dots):
    out, paths = sparse_dots
    crosswalk = load_crosswalk(out / "reference" / "country_names.csv")
    types = crosswalk.select(pl.col("key"), pl.col("entity_type")).unique("key")
    rows = parse_dots_workbook(paths[0]).rows  # Azerbaijan: nothing before 1992, World included
    typed = rows.with_columns(pl.col("partner_name").str.to_lowercase().alias("key")).join(types, on="key")
    sums = typed.group_by("flow", "year").agg(
        pl.col("value_usd").filter(pl.col("entity_type").is_in(["country", "historical", "unspecified"])).sum().alias("parts"),
        pl.col("value_usd").filter(pl.col("key") == "world").first().alias("world"),
        pl.col("value_usd").filter(pl.col("key") == "advanced economies").first().alias("advanced"),
        pl.col("value_usd").filter(pl.col("entity_type") == "country").sum().alias("countries"),
    )
    assert sums.height == 2 * (2020 - rows["year"].min() + 1)
    assert sums["world"].null_count() == 0
    ratio = (sums["world"] / sums["parts"]).to_list()
    assert all(1.0 - 1e-6 <= r <= 1.01 + 1e-6 for r in ratio), ratio
    assert (sums["advanced"] <= sums["countries"] * (1 + 1e-9)).all()


def test_dense_option_writes_every_partner_every_year(tmp_path):
    paths = generate.write_dots_workbooks(tmp_path, reporters=2, years=5, first_year=1988, seed=0, dense=True)
    vocab = generate.imf_vocabulary()
    assert "dense (all cells)" in (tmp_path / "README_SYNTHETIC.md").read_text()
    for path in paths:
        result = parse_dots_workbook(path)
        rows = result.rows
        assert result.quarantine.height == 2
        # every reporter from the first year, Azerbaijan too (1988-1991 are empty in the realistic layout)
        assert sorted(rows["year"].unique().to_list()) == [1988, 1989, 1990, 1991, 1992]
        countries = rows.filter(pl.col("partner_name").is_in(vocab.countries))
        cells = countries.group_by("flow", "partner_name").len()
        # every partner country row has figures; of its cells only EMPTY_SHARE (3 %) are left empty
        assert cells["partner_name"].n_unique() >= 0.85 * (len(vocab.countries) - 1)
        assert countries.height >= (1 - 3 * generate.EMPTY_SHARE) * cells.height * 5
        # historical partners: before 1992 only, every year
        historical = rows.filter(pl.col("partner_name").is_in(vocab.historical))
        assert sorted(historical["year"].unique().to_list()) == [1988, 1989, 1990, 1991]
        assert historical.height == 2 * 4 * (len(vocab.historical) - (result.meta["reporter_name"] in vocab.historical))
    assert sum(parse_dots_workbook(p).rows.height for p in paths) == generate.count_figures(2, 5, 1988, 0, dense=True)


def test_one_more_year_keeps_the_earlier_figures(tmp_path):
    """The bench's "one new year": the same seed with years + 1 adds a column and changes nothing else."""
    name = "China, P.R.: Mainland"
    before = parse_dots_workbook(generate.write_dots_workbook(tmp_path / "a.xlsx", name, 4, 2015, seed=5)).rows
    after = parse_dots_workbook(generate.write_dots_workbook(tmp_path / "b.xlsx", name, 5, 2015, seed=5)).rows
    key = ["flow", "partner_name", "year", "value_as_published"]
    assert after.filter(pl.col("year") < 2019).select(key).sort(key).equals(before.select(key).sort(key))
    # the new column: at least the mature coverage's lower bound (40 %) of ~2 × 230 partner rows
    assert 0.4 * 2 * 230 <= after.filter(pl.col("year") == 2019).height == after.height - before.height


def test_comtrade_breakdowns_unique_and_mapped(tmp_path):
    path = generate.write_comtrade_csv(tmp_path / "c.csv", rows=20_000, seed=2, chunk_rows=3_000)
    frame = pl.read_csv(path, schema_overrides={"cmdCode": pl.String})
    key = ["reporterCode", "partnerCode", "flowCode", "cmdCode", "period"]
    assert frame.select(key).unique().height == 20_000  # comtrade_key_unique would fail otherwise
    assert (frame["reporterCode"] != frame["partnerCode"]).all()
    with open(generate.RAW / "reference" / "baci_comtrade_country_codes_V202201.csv", encoding="utf-8-sig") as fh:
        iso3 = {int(r["country_code"]): r["iso_3digit_alpha"] for r in csv.DictReader(fh)}
    used = set(frame["reporterCode"].to_list()) | set(frame["partnerCode"].to_list())
    assert used <= set(iso3) and len(used) > 200
    # one code per country: Corridor maps 56 and 58 both to BEL (58 is Belgium-Luxembourg, used by
    # Comtrade before 1999 only), so records from both would give one Corridor key two figures
    countries = [iso3[c] if iso3[c] != "N/A" else c for c in used]
    assert len(countries) == len(set(countries))
    assert not used & {58, 280, 711, 736}


def test_comtrade_release_loads_through_the_corridor_asset(tmp_path):
    """The bench's Comtrade release is what `corridor fetch comtrade` writes: the raw/comtrade_flows
    asset and its blocking checks load it as they would a fetched one."""
    import dagster as dg

    from orchestration.defs.ingestion.comtrade import comtrade_flows, comtrade_flows_checks
    from orchestration.defs.resources import RawFilesResource, WarehouseResource

    path = generate.write_comtrade_csv(tmp_path / "c.csv", rows=2_500, seed=1, chunk_rows=1_000)
    release = generate.write_comtrade_release(path, tmp_path / "raw", "2024-01-01", record_cap=1_000)
    assert release == tmp_path / "raw" / "comtrade" / "2024-01-01"
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["rows"] == 2_500
    assert [(f["file"], f.get("rows"), f.get("count")) for f in manifest["files"]] == [
        ("count-0001.json", None, 1000), ("data-0001.json", 1000, None), ("count-0002.json", None, 1000),
        ("data-0002.json", 1000, None), ("count-0003.json", None, 500), ("data-0003.json", 500, None)]
    doc = json.loads((release / "data-0003.json").read_text())
    assert doc["count"] == len(doc["data"]) == 500 and doc["error"] == ""
    assert doc["data"][0]["refYear"] == int(doc["data"][0]["period"]) and len(doc["data"][0]["cmdCode"]) == 6

    result = dg.materialize([comtrade_flows, comtrade_flows_checks], resources={
        "warehouse": WarehouseResource(path=str(tmp_path / "build.duckdb")),
        "raw_files": RawFilesResource(root=str(tmp_path / "raw"))}, raise_on_error=False)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"comtrade_required_columns_present": True, "comtrade_value_non_negative": True,
                      "comtrade_year_in_range": True, "comtrade_key_unique": True}
    meta = {k: v.value for k, v in result.asset_materializations_for_node("raw__comtrade_flows")[0].metadata.items()}
    assert (meta["files_loaded"], meta["rows_loaded"], meta["rows_quarantined"], meta["current_rows"]) == (3, 2_500, 0, 2_500)
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as conn:
        loaded = conn.execute(
            "select sum(primaryValue), count(distinct release), min(release) from raw.comtrade_flows").fetchone()
    assert loaded[0] == pytest.approx(pl.read_csv(path)["primaryValue"].sum(), rel=1e-12) and loaded[1:] == (1, "2024-01-01")


def _m(**medians) -> dict:
    return {k: {"median": v, "runs": [v], "unit": "s"} for k, v in medians.items()}


def test_growth_formula():
    # data-dependent time 20 s for 2.6 M figures, 2 s for 260 k: linear -> 1.0
    assert run.growth_ratio(30.0, 10.0, 12.0, 2_600_000, 260_000) == pytest.approx(1.0)
    # the full set costs 20 s for 10 × the rows of a 1 s tenth: twice the time per row
    assert run.growth_ratio(30.0, 10.0, 11.0, 2_600_000, 260_000) == pytest.approx(2.0)
    assert run.growth_ratio(30.0, 10.0, 13.0, 2_000_000, 250_000) == pytest.approx((20 / 3) / 8)
    # no data-dependent time: the formula says nothing
    assert run.growth_ratio(30.0, 10.0, 9.5, 2_600_000, 260_000) is None
    assert run.growth_ratio(9.0, 10.0, 12.0, 2_600_000, 260_000) is None


BASE = dict(build_full_s=25.0, build_startup_s=10.0, build_startup_dbt_s=4.0, publish_s=1.5,
            build_incremental_new_reporter_s=4.0, build_incremental_changed_file_s=3.0,
            build_incremental_new_year_s=26.0, baseline_dots_total_s=5.0, baseline_dots_read_s=2.0,
            ingest_parse_s=3.0, warehouse_bytes=2e8, baseline_dots_db_bytes=1e8,
            comtrade_duckdb_bulk_load_s=4.0, comtrade_polars_load_s=5.0, comtrade_aggregate_s=2.0,
            comtrade_corridor_ingest_s=600.0, comtrade_corridor_dbt_s=7.0)


def test_budgets_from_hand_made_measurements():
    m = _m(**BASE, build_tenth_s=11.5)
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9, 5e9, 2e9], "unit": "bytes"}  # 5e9: the Comtrade build
    ratios, why = run.compute_ratios(m, {"full": 2_600_000, "tenth": 260_000, "tenth_reporters": 23})
    budgets = run.evaluate_budgets(m, ratios, why)
    assert set(budgets) == set(run.BUDGETS)
    value = {k: b["value"] for k, b in budgets.items()}
    verdict = {k: b["pass"] for k, b in budgets.items()}
    assert value["full_dots_build_s"] == 25.0 and verdict["full_dots_build_s"] is True
    assert value["growth_10x"] == pytest.approx((15 / 1.5) / 10) and verdict["growth_10x"] is True  # 1.0
    assert value["publish_vs_full"] == pytest.approx(0.06) and verdict["publish_vs_full"] is True
    # the new-year case reloads every workbook: it decides the incremental budget
    assert value["incremental_vs_full"] == pytest.approx(26 / 25) and verdict["incremental_vs_full"] is False
    assert value["comtrade_ingestion_vs_duckdb_bulk"] == pytest.approx(150.0)
    assert verdict["comtrade_ingestion_vs_duckdb_bulk"] is False
    assert value["comtrade_marts_vs_plain_sql"] == pytest.approx((7 - 4) / 2) and verdict["comtrade_marts_vs_plain_sql"] is True
    assert value["peak_memory_bytes"] == 5e9 and verdict["peak_memory_bytes"] is False
    assert ratios["comtrade_polars_load_vs_duckdb_bulk"] == pytest.approx(1.25)
    assert all(b["measured"] for b in budgets.values())


def test_budgets_not_measured_are_not_passes():
    # fewer than 10 reporters (no one-tenth build) and a failed Comtrade build
    m = _m(**{k: v for k, v in BASE.items() if not k.startswith("comtrade_corridor")})
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9], "unit": "bytes"}
    ratios, why = run.compute_ratios(m, {"full": 2_600, "tenth": None, "tenth_reporters": 1})
    budgets = run.evaluate_budgets(m, ratios, why)
    for key in ("growth_10x", "comtrade_ingestion_vs_duckdb_bulk", "comtrade_marts_vs_plain_sql"):
        assert budgets[key]["value"] is None and budgets[key]["pass"] is None and budgets[key]["measured"] is False, key
        assert budgets[key]["reason"], key
    assert "fewer than 10 reporters" in budgets["growth_10x"]["reason"]
    assert budgets["full_dots_build_s"]["pass"] is True
    # a one-tenth set of 1 reporter is the start-up set: its data-dependent time is noise
    m = _m(**BASE, build_tenth_s=10.4)
    ratios, why = run.compute_ratios(m, {"full": 26_000, "tenth": 2_200, "tenth_reporters": 1})
    assert ratios["growth_10x"] is None and "start-up set" in why["growth_10x"]
    # tenth not slower than start-up: not measured, with the numbers
    ratios, why = run.compute_ratios(_m(**BASE, build_tenth_s=9.8), {"full": 26_000, "tenth": 2_200, "tenth_reporters": 2})
    assert ratios["growth_10x"] is None and "tenth - startup = -0.20 s" in why["growth_10x"]
    # an incremental case missing: the others still count, and the gap is named
    m = _m(**{k: v for k, v in BASE.items() if k != "build_incremental_new_year_s"})
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9], "unit": "bytes"}
    budgets = run.evaluate_budgets(m, *run.compute_ratios(m, {"full": 1, "tenth": None, "tenth_reporters": 1}))
    assert budgets["incremental_vs_full"]["value"] == pytest.approx(4 / 25) and budgets["incremental_vs_full"]["pass"] is True
    assert "new_year" in budgets["incremental_vs_full"]["reason"]


@pytest.mark.bench
def test_run_main_tiny_writes_every_measurement(tmp_path):
    # --reporters 1: the full build is the start-up build (one fresh build), then three incremental
    # builds (new reporter, changed file, new year) and the Comtrade build through Corridor
    out = tmp_path / "bench"
    code = run.main(["--reporters", "1", "--years", "3", "--first-year", "2018", "--repeats", "1",
                     "--comtrade-rows", "1000", "--out", str(out)])
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_bytes"] > 0
    assert results["parameters"]["dense"] is False and results["parameters"]["dots_density"] == "realistic"
    expected = {
        "dbt_parse_cold_s", "build_startup_s", "build_startup_dbt_s", "build_full_s", "build_full_dbt_s", "publish_s",
        "build_incremental_new_reporter_s", "build_incremental_changed_file_s", "build_incremental_new_year_s",
        "build_peak_rss_bytes", "warehouse_bytes", "ingest_parse_s", "ingest_rows_per_s",
        "baseline_dots_read_s", "baseline_dots_insert_s", "baseline_dots_aggregate_s", "baseline_dots_total_s",
        "baseline_dots_db_bytes", "comtrade_duckdb_bulk_load_s", "comtrade_polars_load_s", "comtrade_aggregate_s",
        "comtrade_corridor_build_s", "comtrade_corridor_ingest_s", "comtrade_corridor_checks_s", "comtrade_corridor_dbt_s",
        "comtrade_corridor_peak_rss_bytes",
    }
    assert results["comtrade_corridor_error"] is None
    assert set(results["measurements"]) == expected  # no one-tenth build with 1 reporter
    for key, entry in results["measurements"].items():
        # peak RSS has one run per build: the fresh one, three incremental ones, the Comtrade one
        assert len(entry["runs"]) == (5 if key == "build_peak_rss_bytes" else 1), key
        assert entry["median"] > 0 and all(r > 0 for r in entry["runs"]), key
    measured = results["measurements"]
    assert max(measured["build_peak_rss_bytes"]["runs"]) >= measured["comtrade_corridor_peak_rss_bytes"]["median"]
    # every build's Dagster steps were timed (corridor build --timings)
    steps = results["step_timings"]
    assert {"full", "incremental_new_reporter", "incremental_changed_file", "incremental_new_year", "comtrade"} <= set(steps)
    assert steps["full"]["warehouse__corridor"] == results["measurements"]["publish_s"]["median"]
    assert steps["comtrade"]["raw__comtrade_flows"] == results["measurements"]["comtrade_corridor_ingest_s"]["median"]
    assert {"raw__trade_flows", "trade_flows_checks", "corridor_dbt_models"} <= set(steps["full"])
    # with one reporter the full build is the start-up build: its marginal cost is 0 by definition,
    # and the growth budget cannot be measured
    assert results["ratios"]["growth_10x"] is None
    assert all(v > 0 for k, v in results["ratios"].items() if k not in ("build_marginal_vs_dots_baseline", "growth_10x",
                                                                         "comtrade_marts_vs_plain_sql"))
    assert set(results["budgets"]) == set(run.BUDGETS)
    budgets = results["budgets"]
    assert budgets["growth_10x"]["pass"] is None and budgets["growth_10x"]["measured"] is False
    assert all(isinstance(b["pass"], bool) for k, b in budgets.items() if k != "growth_10x")
    assert results["parameters"]["comtrade_rows_loaded"] == 1000
    # the Comtrade release holds the CSV's records, loaded by Corridor
    with duckdb.connect(str(tmp_path / "bench" / "work" / "comtrade" / "corridor.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from raw.comtrade_flows where is_current").fetchone()[0] == 1000
        assert conn.execute("select count(*) from marts.fct_trade_flows where source = 'comtrade'").fetchone()[0] == 1000
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
