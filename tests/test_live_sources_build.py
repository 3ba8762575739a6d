"""Fetched API releases flow into the marts: ``corridor fetch`` → ``raw/<api>/<release>/`` → ``corridor build``.

A user with network runs ``corridor fetch comtrade …`` / ``corridor fetch imf …`` and then
``corridor build``. Here the "APIs" are pytest-httpserver on 127.0.0.1 (COMTRADE_BASE_URL /
IMF_SDMX_BASE_URL point the real CLI at it), serving synthetic records in the real schemas; the raw
folder is a private copy of the repo's raw/. The builds are real (Dagster, GX, dbt, publish).

Steps share one warehouse, in order: (1) a Comtrade and an IMF release → marts; (2) a revised
Comtrade release and a failed (incomplete) fetch → the revision supersedes, history keeps both, the
incomplete release is skipped; (3) a release with a Comtrade code no mapping knows → the dbt test
``all_codes_mapped`` fails the build, naming it, and the published warehouse is unchanged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import REPO, build_env, copy_raw, run_build
from tests.fake_apis import FakeComtrade, universe

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"
REPORTERS = ("31", "842")                              # Azerbaijan, USA (842 is not ISO's 840)
PARTNERS = ("0", "156", "251", "490", "699", "757")    # World, China, France, Other Asia nes, India, Switzerland
COMTRADE = "/data/v1/get/C/A/HS"
IMTS = "/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN+RU.A"
pytestmark = pytest.mark.slow


def fetch(workdir: Path, raw: Path, server: HTTPServer, *args: str) -> subprocess.CompletedProcess:
    env = build_env(workdir, raw) | {
        "COMTRADE_BASE_URL": server.url_for("/data/v1/get/C/{freq}/{clCode}"),
        "IMF_SDMX_BASE_URL": server.url_for("/sdmx"),
        "COMTRADE_API_KEY": "test-key-not-a-secret",
    }
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "fetch", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def serve_comtrade(server: HTTPServer, records: list[dict], short_by: int = 0) -> None:
    server.clear()
    server.expect_request(COMTRADE).respond_with_handler(FakeComtrade(records, short_by=short_by))


def records(revise: dict | None = None, extra_partner: str | None = None) -> list[dict]:
    """The synthetic Comtrade universe for 2019, with each World record (partner 0) the sum of the
    reporter's other partners, as in real data; ``revise`` maps (reporter, partner, flow) -> value."""
    partners = PARTNERS + ((extra_partner,) if extra_partner else ())
    rows = universe(REPORTERS, partners, ["2019"])
    for record in rows:
        key = (record["reporterCode"], record["partnerCode"], record["flowCode"])
        if revise and key in revise:
            record["primaryValue"] = revise[key]
            record["fobvalue" if record["flowCode"] == "X" else "cifvalue"] = revise[key]
    for world in (r for r in rows if r["partnerCode"] == 0):
        total = sum(r["primaryValue"] for r in rows if r["partnerCode"] != 0
                    and (r["reporterCode"], r["flowCode"]) == (world["reporterCode"], world["flowCode"]))
        world["primaryValue"] = total
        world["fobvalue" if world["flowCode"] == "X" else "cifvalue"] = total
    return rows


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def comtrade_args(release: str, partners=PARTNERS) -> list[str]:
    return ["comtrade", "--reporter", ",".join(REPORTERS), "--partner", ",".join(partners), "--period", "2019",
            "--release", release]


@pytest.fixture(scope="module")
def steps(tmp_path_factory, server):
    """Runs the three steps once; returns what each produced."""
    tmp = tmp_path_factory.mktemp("live_sources")
    raw = copy_raw(tmp / "raw")
    work = tmp / "wh"
    out: dict[str, object] = {"raw": raw, "warehouse": work / "corridor.duckdb"}

    # (1) a Comtrade release and an IMF release
    serve_comtrade(server, records())
    fetched = fetch(work, raw, server, *comtrade_args("2024-05-01"))
    assert fetched.returncode == 0, fetched.stderr
    server.clear()
    server.expect_request(IMTS).respond_with_data((FIXTURES / "imts_sdmx_annual.json").read_bytes(),
                                                  content_type="application/vnd.sdmx.data+json;version=1.0.0")
    fetched = fetch(work, raw, server, "imf", "--reporter", "AZ", "--partner", "CN,RU", "--start", "2019",
                    "--end", "2020", "--release", "2024-05-01")
    assert fetched.returncode == 0, fetched.stderr
    out["build1"] = run_build(work, raw)
    assert out["build1"].returncode == 0, out["build1"].stdout[-3000:] + out["build1"].stderr[-3000:]
    out["step1"] = {
        "comtrade": query(out["warehouse"], "select reporter_iso3, partner_iso3, partner_entity_type, flow, valuation, "
                          "period, value_usd, release from marts.fct_trade_flows where source = 'comtrade' order by all"),
        "imf_sdmx": query(out["warehouse"], "select reporter_iso3, partner_iso3, flow, year, value_usd, release "
                          "from marts.fct_trade_flows where source = 'imf_sdmx' order by all"),
    }

    # (2) a revised release (AZE exports to China 2019) and a fetch that fails part-way
    serve_comtrade(server, records(revise={(31, 156, "X"): 2222.0}))
    assert fetch(work, raw, server, *comtrade_args("2024-06-01")).returncode == 0
    serve_comtrade(server, records(), short_by=1)
    out["failed_fetch"] = fetch(work, raw, server, *comtrade_args("2024-07-01"))
    out["build2"] = run_build(work, raw, "--incremental")
    assert out["build2"].returncode == 0, out["build2"].stdout[-3000:] + out["build2"].stderr[-3000:]
    out["version2"] = query(out["warehouse"], "select version_id from audit.build_info")[0][0]

    # (3) a release with a partner code that neither the ISO table nor the seed maps
    serve_comtrade(server, records(extra_partner="998"))
    assert fetch(work, raw, server, *comtrade_args("2024-08-01", PARTNERS + ("998",))).returncode == 0
    out["build3"] = run_build(work, raw, "--incremental")
    return out


def test_comtrade_release_reaches_the_marts_with_codes_mapped(steps):
    rows = steps["step1"]["comtrade"]
    assert len(rows) == len(REPORTERS) * len(PARTNERS) * 2
    assert {r[0] for r in rows} == {"AZE", "USA"}
    mapped = {(r[1], r[2]) for r in rows}
    assert mapped == {("WLD", "aggregate"), ("CHN", "country"), ("FRA", "country"), ("XAN", "unspecified"),
                      ("IND", "country"), ("CHE", "country")}
    by_key = {(r[0], r[1], r[3]): r for r in rows}
    # make_record: 1000 + reporter + partner + year % 100 (+0.5 for imports)
    assert by_key[("AZE", "CHN", "exports")][4:7] == ("FOB", "2019", 1000 + 31 + 156 + 19)
    assert by_key[("AZE", "WLD", "exports")][6] == sum(1000 + 31 + p + 19 for p in (156, 251, 490, 699, 757))
    assert by_key[("USA", "XAN", "imports")][4:7] == ("CIF", "2019", 1000 + 842 + 490 + 19 + 0.5)
    assert {r[7] for r in rows} == {"2024-05-01"}


def test_comtrade_partner_shares_use_the_comtrade_world_total(steps):
    share = query(steps["warehouse"], "select value_usd, reporter_total_usd, round(share_pct, 4) from marts.partner_shares "
                  "where source = 'comtrade' and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'exports' and year = 2019")
    # after step 2 the revised value is the latest; World = the sum of AZE's five partners' exports
    world = 2222.0 + sum(1000 + 31 + p + 19 for p in (251, 490, 699, 757))
    assert share == [(2222.0, world, round(100 * 2222.0 / world, 4))]


def test_imf_sdmx_release_reaches_the_marts_scaled_by_unit_mult(steps):
    rows = steps["step1"]["imf_sdmx"]
    assert len(rows) == 7  # 8 observations, one without a value (quarantined)
    assert ("AZE", "CHN", "exports", 2019, 411_000_000.0, "2024-05-01") in rows
    assert {r[1] for r in rows} == {"CHN", "RUS"}


def test_imf_dots_figures_unchanged_by_other_sources(steps):
    turnover = query(steps["warehouse"], "select round(value_usd / 1e6, 2) from marts.partner_shares where source = 'imf_dots' "
                     "and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'turnover' and year = 2019")
    assert turnover == [(2183.76,)]


def test_revised_release_supersedes_and_history_keeps_both(steps):
    latest = query(steps["warehouse"], "select value_usd, release from marts.fct_trade_flows where source = 'comtrade' "
                   "and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'exports'")
    assert latest == [(2222.0, "2024-06-01")]
    history = query(steps["warehouse"], "select value_usd, release, valid_to is null, is_latest from marts.fct_trade_flows_history "
                    "where source = 'comtrade' and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'exports' order by valid_from")
    assert history == [(1206.0, "2024-05-01", False, False), (2222.0, "2024-06-01", True, True)]
    # unrevised figures: one version each, no duplicates from the second release
    counts = query(steps["warehouse"], "select count(*), count(distinct (reporter_iso3, partner_iso3, flow, period)) "
                   "from marts.fct_trade_flows where source = 'comtrade'")
    assert counts == [(24, 24)]


def test_incomplete_release_is_skipped(steps):
    assert steps["failed_fetch"].returncode != 0
    manifest = json.loads((steps["raw"] / "comtrade" / "2024-07-01" / "manifest.json").read_text())
    assert manifest["complete"] is False
    releases = query(steps["warehouse"], "select distinct release from raw.comtrade_flows order by 1")
    assert releases == [("2024-05-01",), ("2024-06-01",)]


def test_unmapped_comtrade_code_fails_the_build_and_names_it(steps):
    build = steps["build3"]
    assert build.returncode == 1
    output = build.stdout + build.stderr
    assert "all_codes_mapped_stg_comtrade__trade_flows_partner_comtrade_code" in output
    assert "not published" in output
    # the published warehouse is still the one from step 2
    assert query(steps["warehouse"], "select version_id from audit.build_info")[0][0] == steps["version2"]


def test_builds_without_docs_when_corridor_docs_is_0(steps):
    # conftest builds with CORRIDOR_DOCS=0: published and reported, but no docs site
    output = steps["build1"].stdout + steps["build1"].stderr
    assert "Warehouse published" in output and "dbt docs:" not in output
    assert not (steps["warehouse"].parent / "docs").exists()
    assert (steps["warehouse"].parent / "report" / "AZE-CHN" / "index.html").is_file()
