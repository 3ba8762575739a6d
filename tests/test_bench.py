"""The benchmark suite (tests/benchmarks/): the SYNTHETIC generators at tiny scale, the analyst's
baseline on the real workbooks, the budget arithmetic, and one tiny end-to-end benchmark run
(marker ``bench``: ``make test-bench``, not in ``make test``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from tests.benchmarks import analyst_baseline, generate, run
from conftest import DOTS_AZE, RAW
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
    # (count_figures equals the parsed count: see the next test). 2,672,647 with generator 2; 3 draws
    # from the crosswalk's larger IMF vocabulary ("Malaysia, West", SACCA)
    figures = generate.count_figures(235, 61, 1960, seed=0)
    assert figures == 2_696_088
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


def test_comtrade_release_is_a_complete_fetched_release(tmp_path):
    """The bench's Comtrade release is laid out as the connector writes one (the raw/comtrade asset
    loads the data files of complete releases) and its records parse as the CSV's, none set aside.
    The build through the asset is the end-to-end bench test's."""
    from orchestration.lib.connectors.comtrade import parse_comtrade_release
    from orchestration.lib.connectors.http import data_files

    path = generate.write_comtrade_csv(tmp_path / "c.csv", rows=2_500, seed=1, chunk_rows=1_000)
    release = generate.write_comtrade_release(path, tmp_path / "raw", "2024-01-01", record_cap=1_000)
    assert release == tmp_path / "raw" / "comtrade" / "2024-01-01"
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["rows"] == 2_500
    assert [(f["file"], f.get("rows"), f.get("count")) for f in manifest["files"]] == [
        ("count-0001.json", None, 1000), ("data-0001.json", 1000, None), ("count-0002.json", None, 1000),
        ("data-0002.json", 1000, None), ("count-0003.json", None, 500), ("data-0003.json", 500, None)]
    assert [p.name for p in data_files(release)] == ["data-0001.json", "data-0002.json", "data-0003.json"]
    doc = json.loads((release / "data-0003.json").read_text())
    assert doc["count"] == len(doc["data"]) == 500 and doc["error"] == ""
    assert doc["data"][0]["refYear"] == int(doc["data"][0]["period"]) and len(doc["data"][0]["cmdCode"]) == 6
    parsed = parse_comtrade_release(release)
    assert parsed.quarantine.height == 0 and parsed.rows.height == 2_500
    assert parsed.rows["primaryValue"].sum() == pytest.approx(pl.read_csv(path)["primaryValue"].sum(), rel=1e-12)


def test_analyst_baseline_on_the_real_workbooks(tmp_path):
    """The pandas + openpyxl baseline reads the real IMF exports in raw/imf_dots/ and gets the real
    shares: Azerbaijan's 2019 exports to China 752.1626 of 19,635.7486 million (3.83 %), its imports
    from China 1,431.5926 of 13,667.6418 million (10.47 %), as Corridor's parser reads them."""
    trade = analyst_baseline.read_workbook(DOTS_AZE)
    shares = analyst_baseline.partner_shares(trade)
    aze_chn = shares[(shares["partner"] == "China, P.R.: Mainland") & (shares["year"] == 2019)].set_index("flow")
    assert aze_chn.loc["exports", "value_usd"] == pytest.approx(752_162_600.0)
    assert aze_chn.loc["exports", "world_usd"] == pytest.approx(19_635_748_600.0)
    assert aze_chn.loc["exports", "share_pct"] == pytest.approx(100 * 752.1626 / 19_635.7486)
    assert aze_chn.loc["imports", "share_pct"] == pytest.approx(100 * 1_431.5926 / 13_667.6418)
    assert set(trade["reporter"]) == {"Azerbaijan, Rep. of"}
    # every figure Corridor's parser loads, the script reads too (IMF estimates " e" included)
    rows = parse_dots_workbook(DOTS_AZE).rows
    script = trade.drop_duplicates(["partner", "flow", "year"])
    assert rows.height == len(script)
    assert rows["value_usd"].sum() == pytest.approx(script["value_usd"].sum(), rel=1e-12)
    # the script end to end: the four real workbooks of raw/imf_dots/ into a DuckDB file
    analyst_baseline.main(RAW / "imf_dots", tmp_path / "a.duckdb")
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as con:
        reporters = con.execute("select count(distinct reporter), min(share_pct) >= 0 from partner_shares").fetchone()
    assert reporters == (4, True)


def _m(**medians) -> dict:
    return {k: {"median": v, "runs": [v], "unit": "bytes" if k.endswith("_bytes") else "s"} for k, v in medians.items()}


BASE = dict(build_full_s=40.0, analyst_pandas_openpyxl_s=50.0, baseline_dots_total_s=8.0, build_nothing_changed_s=2.5,
            build_new_workbook_s=12.0, build_changed_workbook_s=5.0, build_embedded_s=14.0, build_embedded_warm_s=9.0,
            build_embedded_warm_dbt_s=4.0, publish_s=1.0, ingest_parse_s=12.0, baseline_dots_read_s=6.0,
            warehouse_bytes=4e8, baseline_dots_db_bytes=1e8, comtrade_duckdb_bulk_load_s=4.0,
            comtrade_polars_load_s=5.0, comtrade_aggregate_s=2.0, comtrade_duckdb_json_load_s=20.0, comtrade_corridor_ingest_s=30.0,
            comtrade_corridor_dbt_s=10.0)


def test_budgets_from_hand_made_measurements():
    m = _m(**BASE)
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9, 3e9, 1.5e9], "unit": "bytes"}
    ratios, why = run.compute_ratios(m)
    budgets = run.evaluate_budgets(m, ratios, why, {"full": 1.5e9, "comtrade": 3e9, "embedded": 1e9})
    assert set(budgets) == set(run.BUDGETS)
    value = {k: b["value"] for k, b in budgets.items()}
    verdict = {k: b["pass"] for k, b in budgets.items()}
    assert (value["full_build_s"], verdict["full_build_s"]) == (40.0, False)
    assert value["full_vs_analyst"] == pytest.approx(0.8) and verdict["full_vs_analyst"] is False
    assert verdict["nothing_changed_s"] is True
    # the slower of the two one-workbook cases decides both of its budgets
    assert value["one_workbook_s"] == 12.0 and verdict["one_workbook_s"] is False
    assert value["one_workbook_vs_full"] == pytest.approx(0.3) and verdict["one_workbook_vs_full"] is False
    assert (value["embedded_build_s"], verdict["embedded_build_s"]) == (14.0, False)
    assert value["peak_rss_bytes"] == 3e9 and verdict["peak_rss_bytes"] is False and budgets["peak_rss_bytes"]["build"] == "comtrade"
    assert value["comtrade_ingestion_vs_duckdb_bulk"] == pytest.approx(7.5)
    assert ratios["comtrade_corridor_ingest_vs_duckdb_json"] == pytest.approx(1.5)  # informative, not a budget
    assert ratios["comtrade_marts_vs_plain_sql"] == pytest.approx((10 - 4) / 2)
    assert ratios["new_workbook_vs_full"] == pytest.approx(0.3) and ratios["build_full_vs_dots_baseline"] == pytest.approx(5.0)
    # .ci/run is never run by the benchmark: not measured, never a pass
    assert budgets["ci_run_s"]["pass"] is None and budgets["ci_run_s"]["reason"]
    assert all(b["measured"] for k, b in budgets.items() if k != "ci_run_s")
    # within the limits: met (the limits are inclusive)
    m = _m(**{**BASE, "build_full_s": 25.0, "analyst_pandas_openpyxl_s": 50.0, "build_new_workbook_s": 3.75,
              "build_changed_workbook_s": 3.0, "build_embedded_s": 10.0, "comtrade_corridor_ingest_s": 6.0})
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9, 2 * run.GIB], "unit": "bytes"}
    budgets = run.evaluate_budgets(m, *run.compute_ratios(m))
    assert all(b["pass"] is True for k, b in budgets.items() if k != "ci_run_s"), budgets


def test_budgets_not_measured_are_not_passes():
    # a failed Comtrade build and a failed changed-workbook build
    m = _m(**{k: v for k, v in BASE.items() if not k.startswith("comtrade_corridor") and k != "build_changed_workbook_s"})
    m["build_peak_rss_bytes"] = {"median": 1e9, "runs": [1e9], "unit": "bytes"}
    ratios, why = run.compute_ratios(m)
    budgets = run.evaluate_budgets(m, ratios, why)
    b = budgets["comtrade_ingestion_vs_duckdb_bulk"]
    assert b["value"] is None and b["pass"] is None and b["measured"] is False and "did not run" in b["reason"]
    # the new-workbook case still counts, and the missing one is named
    assert budgets["one_workbook_s"]["value"] == 12.0 and "build_changed_workbook_s" in budgets["one_workbook_s"]["reason"]
    # no analyst baseline: the ratio is not measured, the absolute budget still is
    m = _m(**{k: v for k, v in BASE.items() if k != "analyst_pandas_openpyxl_s"})
    budgets = run.evaluate_budgets(m, *run.compute_ratios(m))
    assert budgets["full_vs_analyst"]["pass"] is None and budgets["full_build_s"]["pass"] is False
    assert budgets["peak_rss_bytes"]["pass"] is None and budgets["peak_rss_bytes"]["reason"] == "no build measured"


@pytest.mark.bench
def test_run_main_tiny_writes_every_measurement(tmp_path):
    """The harness end to end at tiny scale: every build through the CLI in a subprocess, the
    baselines, the Comtrade release through the real raw/comtrade asset, results.json and results.md."""
    out = tmp_path / "bench"
    code = run.main(["--reporters", "2", "--years", "3", "--first-year", "2018", "--repeats", "1",
                     "--comtrade-rows", "1000", "--out", str(out)])
    results = json.loads((out / "results.json").read_text())
    assert code == 0, results["build_errors"]
    assert results["build_errors"] == {} and results["anomalies"] == {}
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_bytes"] > 0
    assert results["load"]["start"]["uptime"] and len(results["load"]["end"]["loadavg"]) == 3
    expected = {
        "build_embedded_s", "build_embedded_dbt_s", "build_embedded_warm_s", "build_embedded_warm_dbt_s", "dbt_parse_s",
        "build_full_s", "build_full_dbt_s", "publish_s", "warehouse_bytes", "build_nothing_changed_s",
        "build_new_workbook_s", "build_changed_workbook_s", "build_force_s", "build_peak_rss_bytes",
        "definitions_load_s", "analyst_pandas_openpyxl_s", "analyst_peak_rss_bytes", "baseline_dots_read_s", "baseline_dots_insert_s",
        "baseline_dots_aggregate_s", "baseline_dots_total_s", "baseline_dots_db_bytes", "ingest_parse_s",
        "ingest_rows_per_s", "comtrade_duckdb_bulk_load_s", "comtrade_duckdb_json_load_s", "comtrade_polars_load_s",
        "comtrade_aggregate_s",
        "comtrade_corridor_build_s", "comtrade_corridor_ingest_s", "comtrade_corridor_checks_s",
        "comtrade_corridor_dbt_s", "comtrade_corridor_peak_rss_bytes",
    }
    assert set(results["measurements"]) == expected
    for key, entry in results["measurements"].items():
        # peak RSS: one run per build (embedded, embedded warm, full, nothing changed, new, changed, force, Comtrade)
        assert len(entry["runs"]) == (8 if key == "build_peak_rss_bytes" else 1), key
        assert entry["median"] > 0 and all(r > 0 for r in entry["runs"]), key
    steps = results["step_timings"]
    assert set(steps) == {"embedded", "embedded_warm", "full", "nothing_changed", "new_workbook", "changed_workbook",
                          "force", "comtrade"}
    # nothing changed: the runner stops before Dagster (no step ran)
    assert steps["nothing_changed"]["up_to_date"] is True and steps["nothing_changed"]["steps"] == {}
    # one new workbook reruns the DOTS source and what depends on it, not the other sources
    assert {"raw__imf_dots", "imf_dots_checks", "corridor_dbt_models", "warehouse__corridor"} <= set(steps["new_workbook"]["steps"])
    assert "raw__fdi_unctad" not in steps["new_workbook"]["steps"]
    assert steps["new_workbook"]["selection"].startswith("changed: imf_dots")
    assert {"raw__imf_dots", "imf_dots_checks", "corridor_dbt_models", "warehouse__corridor",
            "warehouse__docs"} <= set(steps["full"]["steps"])
    assert steps["full"]["steps"]["warehouse__corridor"] == results["measurements"]["publish_s"]["median"]
    assert steps["comtrade"]["steps"]["raw__comtrade"] == results["measurements"]["comtrade_corridor_ingest_s"]["median"]
    assert results["parameters"]["comtrade_rows_loaded"] == 1000
    budgets = results["budgets"]
    assert set(budgets) == set(run.BUDGETS)
    assert all(isinstance(b["pass"], bool) for k, b in budgets.items() if k != "ci_run_s")
    # the Comtrade release went through the raw/comtrade asset into the marts
    with duckdb.connect(str(out / "work" / "comtrade" / "corridor.duckdb"), read_only=True) as conn:
        current = "load_id in (select load_id from audit.load_log where is_current)"
        assert conn.execute(f"select count(*) from raw.comtrade where {current}").fetchone()[0] == 1000
        assert conn.execute("select count(*) from marts.fct_trade_flows where source = 'comtrade'").fetchone()[0] == 1000
    # where the time goes: dbt's slowest nodes (run_results.json) and DuckDB's plan of the slowest models
    prof = results["profile"]
    nodes = prof["dbt_slowest_nodes"]
    assert nodes and nodes == sorted(nodes, key=lambda n: -n["seconds"]) and prof["dbt_full"]["elapsed_s"] > 0
    assert prof["dbt_full"]["nodes"]["model"] > 20 and prof["comtrade_dbt_slowest_nodes"]
    assert prof["duckdb_explain_analyze"] and all(p["seconds"] > 0 for p in prof["duckdb_explain_analyze"].values())
    table = (out / "results.md").read_text()
    assert "| rebuild, nothing changed |" in table and "| corridor_dbt_models |" in table
