"""Fetched API releases flow into the marts: ``corridor fetch`` → ``raw/<api>/<release>/`` → ``corridor build``.

A user with network runs ``corridor fetch comtrade …`` / ``corridor fetch imf …`` and then
``corridor build``. Here the "APIs" are pytest-httpserver on 127.0.0.1 (COMTRADE_BASE_URL /
IMF_SDMX_BASE_URL point the real CLI at it), serving synthetic records in the real schemas; the raw
folder is a private copy of the repo's raw/. The build is real (Dagster, GX, dbt, publish), run in
this process through the build runner as the CLI runs it; the fetches go through the CLI's entry point.

One build reads every kind of release, laid out at once: a Comtrade release fetched with
Corridor's ISO3 codes and an IMF release (→ marts, codes resolved back); a revised Comtrade release
fetched with numeric codes (supersedes; history keeps both); a fetch that failed part-way
(publishes nothing); a release of a partner code no reference table knows (its records are
quarantined with the reason, the check warns, the rest publishes); a later release whose data file
was changed after the fetch (its sha256 no longer matches the manifest: skipped, so it cannot
supersede the genuine one); a later release whose manifest is malformed (skipped, the source does
not crash).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import build, copy_raw, failure_text, settings
from orchestration.lib.connectors.areas import area_table
from orchestration.lib.connectors.releases import fetched_release_files
from tests.fake_apis import FakeComtrade, universe

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"
REPORTERS = ("31", "842")                              # Azerbaijan, USA (842 is not ISO's 840)
PARTNERS = ("0", "156", "251", "490", "699", "757")    # World, China, France, Other Asia nes, India, Switzerland
REPORTERS_ISO3 = ("AZE", "USA")
PARTNERS_ISO3 = ("WLD", "CHN", "FRA", "XAN", "IND", "CHE")  # the same, as Corridor names them
COMTRADE = "/data/v1/get/C/A/HS"
IMTS = "/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN+RU.A"
pytestmark = pytest.mark.slow


class Log(list):
    def warning(self, message: str) -> None:
        self.append(message)


def fetch(raw: Path, server: HTTPServer, *args: str) -> tuple[int, str, str]:
    """``corridor fetch …`` through the CLI's entry point, in this process (a subprocess would only
    add start-up time: nothing here must die); returns (exit code, stdout, stderr)."""
    from orchestration.cli import main

    out, err = io.StringIO(), io.StringIO()
    with settings(CORRIDOR_RAW=raw, COMTRADE_BASE_URL=server.url_for("/data/v1/get/C/{freq}/{clCode}"),
                  IMF_SDMX_BASE_URL=server.url_for("/sdmx"), COMTRADE_API_KEY="test-key-not-a-secret"), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["fetch", *args])
    return code, out.getvalue(), err.getvalue()


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


def comtrade_args(release: str, reporters=REPORTERS, partners=PARTNERS) -> list[str]:
    return ["comtrade", "--reporter", ",".join(reporters), "--partner", ",".join(partners), "--period", "2019",
            "--release", release]


@pytest.fixture(scope="module")
def steps(tmp_path_factory, server):
    """Lays out the releases and runs the build once; returns what it produced."""
    tmp = tmp_path_factory.mktemp("live_sources")
    raw = copy_raw(tmp / "raw")
    work = tmp / "wh"
    comtrade = raw / "comtrade"
    out: dict[str, object] = {"raw": raw, "warehouse": work / "corridor.duckdb"}

    # a Comtrade release fetched with Corridor's codes, and an IMF release
    serve_comtrade(server, records())
    code, stdout, stderr = fetch(raw, server, *comtrade_args("2024-05-01", REPORTERS_ISO3, PARTNERS_ISO3))
    assert code == 0, stderr
    out["iso3_calls"] = [dict(req.args) for req, _ in server.log if req.path == COMTRADE]
    server.clear()
    server.expect_request(IMTS).respond_with_data((FIXTURES / "imts_sdmx_annual.json").read_bytes(),
                                                  content_type="application/vnd.sdmx.data+json;version=1.0.0")
    code, _, stderr = fetch(raw, server, "imf", "--reporter", "AZE", "--partner", "CHN,RUS",
                            "--start", "2019", "--end", "2020", "--release", "2024-05-01")
    assert code == 0, stderr

    # a revised release (AZE exports to China 2019), fetched with Comtrade's numeric codes
    serve_comtrade(server, records(revise={(31, 156, "X"): 2222.0}))
    assert fetch(raw, server, *comtrade_args("2024-06-01"))[0] == 0
    # a fetch that fails part-way (one record short of the count)
    serve_comtrade(server, records(), short_by=1)
    out["failed_fetch"] = fetch(raw, server, *comtrade_args("2024-07-01"))
    out["layout_after_failure"] = sorted(p.name for p in comtrade.iterdir())
    # the records of a partner code that neither the ISO table nor source_area_codes.csv maps
    serve_comtrade(server, records(extra_partner="998"))
    assert fetch(raw, server, *comtrade_args("2024-08-01", REPORTERS, ("998",)))[0] == 0
    # a later release whose data file is changed after the fetch: loaded, it would supersede 2024-06-01
    serve_comtrade(server, records(revise={(31, 156, "X"): 3333.0}))
    assert fetch(raw, server, *comtrade_args("2024-09-01"))[0] == 0
    tampered = comtrade / "2024-09-01" / "data-0001.json"
    body = tampered.read_bytes()
    assert body.count(b'"primaryValue": 3333.0') == 1
    tampered.write_bytes(body.replace(b'"primaryValue": 3333.0', b'"primaryValue": 7777.0'))
    # a later release whose manifest lists its files in a shape no connector writes (an object)
    malformed = comtrade / "2024-10-01"
    shutil.copytree(comtrade / "2024-09-01", malformed)
    (malformed / "data-0001.json").write_bytes((comtrade / "2024-06-01" / "data-0001.json").read_bytes())
    manifest = json.loads((comtrade / "2024-06-01" / "manifest.json").read_text())
    manifest["files"] = {entry["file"]: entry for entry in manifest["files"]}
    (malformed / "manifest.json").write_text(json.dumps(manifest))
    out["layout"] = sorted(p.name for p in comtrade.iterdir())
    out["skipped"] = fetched_release_files(raw, "comtrade", Log())[1]  # what the asset logs and reports

    out["build"] = build(work, raw)
    assert out["build"].success and out["build"].published, failure_text(out["build"])
    return out


def test_iso3_codes_are_sent_as_comtrade_codes(steps):
    assert [(c["reporterCode"], c["partnerCode"]) for c in steps["iso3_calls"]] == [
        (",".join(REPORTERS), ",".join(PARTNERS))] * 2  # the count call and the data call


def test_comtrade_releases_reach_the_marts_with_codes_mapped(steps):
    rows = query(steps["warehouse"], "select reporter_iso3, partner_iso3, partner_entity_type, flow, valuation, period, "
                 "value_usd, release from marts.fct_trade_flows where source = 'comtrade' order by all")
    assert len(rows) == len(REPORTERS) * len(PARTNERS) * 2
    assert {r[0] for r in rows} == set(REPORTERS_ISO3)
    assert {(r[1], r[2]) for r in rows} == {("WLD", "aggregate"), ("CHN", "country"), ("FRA", "country"),
                                            ("XAN", "unspecified"), ("IND", "country"), ("CHE", "country")}
    by_key = {(r[0], r[1], r[3]): r for r in rows}
    # make_record: 1000 + reporter + partner + year % 100 (+0.5 for imports); 2024-06-01 revised AZE -> CHN exports
    assert by_key[("AZE", "CHN", "exports")][4:] == ("FOB", "2019", 2222.0, "2024-06-01")
    assert by_key[("AZE", "WLD", "exports")][6] == 2222.0 + sum(1000 + 31 + p + 19 for p in (251, 490, 699, 757))
    assert by_key[("USA", "XAN", "imports")][4:7] == ("CIF", "2019", 1000 + 842 + 490 + 19 + 0.5)
    # a figure's version is the release that changed it: only the revised two come from 2024-06-01
    assert {(r[0], r[1], r[3]) for r in rows if r[7] == "2024-06-01"} == {("AZE", "CHN", "exports"), ("AZE", "WLD", "exports")}
    assert {r[7] for r in rows} == {"2024-05-01", "2024-06-01"}


def test_comtrade_partner_shares_use_the_comtrade_world_total(steps):
    share = query(steps["warehouse"], "select value_usd, reporter_total_usd, round(share_pct, 4) from marts.partner_shares "
                  "where source = 'comtrade' and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'exports' and year = 2019")
    world = 2222.0 + sum(1000 + 31 + p + 19 for p in (251, 490, 699, 757))
    assert share == [(2222.0, world, round(100 * 2222.0 / world, 4))]


def test_imf_sdmx_release_reaches_the_marts_scaled_by_unit_mult(steps):
    rows = query(steps["warehouse"], "select reporter_iso3, partner_iso3, flow, year, value_usd, release "
                 "from marts.fct_trade_flows where source = 'imf_sdmx' order by all")
    assert len(rows) == 7  # 8 observations, one without a value (quarantined)
    assert ("AZE", "CHN", "exports", 2019, 411_000_000.0, "2024-05-01") in rows
    assert {r[1] for r in rows} == {"CHN", "RUS"}


def test_imf_dots_figures_unchanged_by_other_sources(steps):
    turnover = query(steps["warehouse"], "select round(value_usd / 1e6, 2) from marts.partner_shares where source = 'imf_dots' "
                     "and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'turnover' and year = 2019")
    assert turnover == [(2183.76,)]


def test_revised_release_supersedes_and_history_keeps_both(steps):
    history = query(steps["warehouse"], "select value_usd, release, valid_to is null, is_latest from marts.fct_trade_flows_history "
                    "where source = 'comtrade' and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'exports' order by valid_from")
    assert history == [(1206.0, "2024-05-01", False, False), (2222.0, "2024-06-01", True, True)]
    # unrevised figures: one version each, no duplicates from the second release
    counts = query(steps["warehouse"], "select count(*), count(distinct (reporter_iso3, partner_iso3, flow, period)) "
                   "from marts.fct_trade_flows where source = 'comtrade'")
    assert counts == [(24, 24)]


def test_only_complete_verified_releases_load(steps):
    releases = query(steps["warehouse"], "select release, count(*) from audit.load_log where target_table = 'raw.comtrade' "
                     "and is_current group by 1 order by 1")
    assert releases == [("2024-05-01", 1), ("2024-06-01", 1), ("2024-08-01", 1)]
    # the changed release never supersedes: neither its changed figure nor its genuine ones are anywhere
    assert query(steps["warehouse"], "select count(*) from marts.fct_trade_flows_history where source = 'comtrade' "
                 "and release > '2024-08-01'") == [(0,)]


def test_a_failed_fetch_leaves_no_release_folder(steps):
    code, _, err = steps["failed_fetch"]
    assert code == 1 and len(err.splitlines()) == 1
    assert err.startswith("corridor: fetch comtrade failed: 127.0.0.1:") and "23 records returned, 24 expected" in err
    # the responses stay hidden for inspection, in no folder a build reads, until the next fetch removes them
    assert steps["layout_after_failure"] == [".partial-2024-07-01", "2024-05-01", "2024-06-01", "MANIFEST.md"]
    assert steps["layout"] == ["2024-05-01", "2024-06-01", "2024-08-01", "2024-09-01", "2024-10-01", "MANIFEST.md"]


def test_tampered_and_malformed_releases_are_skipped_with_a_reason(steps):
    # what the raw/comtrade asset reported (its metadata) is what the function says
    assert steps["build"].materialised["raw/comtrade"]["files_not_read"] == steps["skipped"]
    tampered, malformed = steps["skipped"]
    assert tampered.startswith("comtrade/2024-09-01: data-0001.json: sha256 is ")
    assert tampered.endswith("(changed after it was fetched); release skipped")
    assert malformed == ("comtrade/2024-10-01: manifest.json 'files' is an object, expected a list of "
                         "{file, kind, sha256} objects; release skipped")


def test_an_unknown_comtrade_code_is_quarantined_and_the_rest_publishes(steps):
    quarantined = query(steps["warehouse"], "select q.\"column\", q.raw_value, q.reason, q.category, count(*) "
                        "from audit.quarantine q join audit.load_log l using (load_id) "
                        "where l.target_table = 'raw.comtrade' and l.is_current group by all")
    assert quarantined == [("partnerCode", "998", "unknown UN Comtrade country code (not in raw/reference/"
                            "baci_comtrade_country_codes_V202201.csv or raw/reference/source_area_codes.csv)",
                            "reference", len(REPORTERS) * 2)]
    warned = {c.name: c.metadata for c in steps["build"].warnings}
    assert "raw/comtrade:comtrade_country_names_known" in warned  # the check warns; the build published


def test_the_fetch_translation_is_the_table_the_loader_resolves_with(steps):
    """One mapping: every API code the fetch knows resolves, in the resolver the build's loader
    assembles from the loaded reference tables, to the Corridor code the fetch translates from."""
    from orchestration.defs.ingestion._loading import fetched_release_files as used_by_the_assets
    from orchestration.defs.ingestion._source import reference_resolver

    assert used_by_the_assets is fetched_release_files
    with duckdb.connect(str(steps["warehouse"]), read_only=True) as conn:
        resolver = reference_resolver(conn)
    for api, vocabulary in (("comtrade", "comtrade"), ("imf_sdmx", "imf")):
        table = area_table(api, steps["raw"])
        assert len(table) > 200
        resolved = {code: (resolver.resolve(code, vocabulary) or (None,))[0] for code in table}
        assert resolved == table
    assert (area_table("comtrade", steps["raw"])["842"], area_table("imf_sdmx", steps["raw"])["W00"]) == ("USA", "WLD")


def test_builds_without_docs_when_corridor_docs_is_0(steps):
    # the test builds run with CORRIDOR_DOCS=0: published and reported, but no docs site
    assert steps["build"].published and "warehouse/docs" not in steps["build"].materialised
    assert not (steps["warehouse"].parent / "docs").exists()
    assert (steps["warehouse"].parent / "report" / "AZE-CHN" / "index.html").is_file()
