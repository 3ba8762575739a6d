"""Live-source connectors (UN Comtrade, IMF IMTS SDMX) against a local HTTP server on 127.0.0.1.

No test touches the network: every "API" is pytest-httpserver bound to 127.0.0.1 on an ephemeral
port. No test sleeps: backoff delays go to an injected ``sleep`` that records them. Response
files are the synthetic fixtures in tests/fixtures/connectors (see its README).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path

import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration.commands.fetch import Progress
from orchestration.commands.fetch import main as fetch_main
from orchestration.lib.connectors import comtrade, imf_sdmx
from orchestration.lib.connectors.areas import UnknownAreaCode, area_codes
from orchestration.lib.connectors.comtrade import ComtradeQuery, fetch_comtrade, parse_comtrade_file, parse_comtrade_release
from orchestration.lib.connectors.http import GIVE_UP_AFTER, ConnectorError, _try_lock, fetch, redact_url
from orchestration.lib.connectors.imf_sdmx import fetch_imts, parse_imts_file, parse_imts_release
from orchestration.lib.connectors.releases import ReleaseError, fetched_release_files
from orchestration.lib.errors import ConfigError, SourceFileError
from orchestration.lib.results import QUARANTINE_SCHEMA
from tests.fake_apis import (
    FakeComtrade, RefusingPort, SilentServer, Sleeps, comtrade_body, json_response, make_record, universe, write_release,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "connectors"
KEY = "sekret-key-0123456789abcdef"
COMTRADE_PATH = "/data/v1/get/C/{freq}/{clCode}"
TIMEOUT = 5  # seconds; a hung local server fails a test instead of blocking the suite


@pytest.fixture
def api(server):
    server.clear()
    yield server
    server.check_assertions()  # every request the code made matched a handler, none went unanswered
    server.clear()


def fixture_doc(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def base_url(server: HTTPServer) -> str:
    return server.url_for(COMTRADE_PATH)


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    return [req for req, _ in server.log if req.path == path]


def serve_fixture_comtrade(server: HTTPServer, name: str) -> FakeComtrade:
    fake = FakeComtrade(fixture_doc(name)["data"])
    server.expect_request("/data/v1/get/C/A/HS").respond_with_handler(fake)
    return fake


# -- http.fetch -------------------------------------------------------------------------------------

def test_fetch_success_returns_body(api):
    api.expect_request("/ok", query_string={"a": "1"}).respond_with_data(b'{"x": 1}', content_type="application/json")
    assert fetch(api.url_for("/ok"), params={"a": 1}, timeout=TIMEOUT) == b'{"x": 1}'


def test_fetch_429_then_success_honours_retry_after(api):
    api.expect_ordered_request("/limited").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    api.expect_ordered_request("/limited").respond_with_data("slow down", status=429)  # no Retry-After: backoff
    api.expect_ordered_request("/limited").respond_with_json({"ok": True})
    sleeps = Sleeps()
    body = fetch(api.url_for("/limited"), backoff_base=0.01, sleep=sleeps, timeout=TIMEOUT)
    assert json.loads(body) == {"ok": True}
    assert sleeps == [7.0, 0.02]  # Retry-After, then backoff_base * 2**1
    assert len(api.log) == 3


def test_fetch_500_five_times_raises_without_the_key(api):
    api.expect_request("/broken").respond_with_data(f"internal error for key {KEY}", status=500)
    sleeps = Sleeps()
    url = api.url_for("/broken")
    with pytest.raises(ConnectorError) as info:
        fetch(url, params={"period": "2020", "subscription-key": KEY}, headers={"Ocp-Apim-Subscription-Key": KEY},
              retries=4, backoff_base=0.01, sleep=sleeps, timeout=TIMEOUT)
    err = info.value
    assert len(api.log) == 5
    assert sleeps == [0.01, 0.02, 0.04, 0.08]
    message = str(err)
    assert KEY not in message and "subscription-key" not in message
    assert "\n" not in message
    assert err.status == 500 and err.attempts == 5
    assert message.startswith(f"{url}?period=2020: HTTP 500: ")
    assert "after 5 attempts" in message


def test_fetch_other_4xx_fails_at_once(api):
    api.expect_request("/denied").respond_with_data("Access denied", status=401)
    sleeps = Sleeps()
    with pytest.raises(ConnectorError, match="HTTP 401") as info:
        fetch(api.url_for("/denied"), headers={"Ocp-Apim-Subscription-Key": KEY}, sleep=sleeps, timeout=TIMEOUT)
    assert sleeps == [] and len(api.log) == 1 and KEY not in str(info.value)


def test_fetch_truncated_body_content_length_mismatch(api):
    body = json.dumps(fixture_doc("comtrade_final_A_HS_TOTAL.json")).encode()

    def cut(request: Request) -> Response:
        resp = Response(body[: len(body) // 2], content_type="application/json")
        resp.headers["Content-Length"] = str(len(body))  # promises more than it sends
        resp.headers["Connection"] = "close"
        return resp

    api.expect_request("/cut").respond_with_handler(cut)
    sleeps = Sleeps()
    with pytest.raises(ConnectorError, match="truncated body") as info:
        fetch(api.url_for("/cut"), retries=2, backoff_base=0.001, sleep=sleeps, timeout=TIMEOUT)
    assert len(api.log) == 3 and len(sleeps) == 2
    assert info.value.status is None or info.value.status == 200


def test_fetch_json_that_does_not_parse(api):
    whole = (FIXTURES / "comtrade_final_A_HS_TOTAL.json").read_bytes()
    api.expect_request("/half").respond_with_data(whole[:300], content_type="application/json")  # consistent length, cut JSON
    with pytest.raises(ConnectorError, match="not valid JSON"):
        fetch(api.url_for("/half"), retries=1, backoff_base=0.001, sleep=Sleeps(), timeout=TIMEOUT)


def test_fetch_invalid_url_is_a_connector_error():
    with pytest.raises(ConnectorError, match="invalid URL"):
        fetch("not-a-url", sleep=Sleeps())


def test_redact_url_strips_secret_params():
    url = f"https://h.example/x?subscription-key={KEY}&period=2020&token=abc"
    assert redact_url(url) == "https://h.example/x?period=2020"


# -- Comtrade ---------------------------------------------------------------------------------------

QUERY = ComtradeQuery(reporter_codes=["31"], partner_codes=["156"], periods=["2019", "2020"])


def test_comtrade_success_lands_files_and_manifest(api, tmp_path, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    fake = serve_fixture_comtrade(api, "comtrade_final_A_HS_TOTAL.json")
    release = fetch_comtrade(QUERY, tmp_path, "r1", base_url=base_url(api), sleep=Sleeps(), timeout=TIMEOUT)

    assert release == tmp_path / "comtrade" / "r1"
    assert sorted(p.name for p in release.iterdir()) == ["count-0001.json", "data-0001.json", "manifest.json"]
    # the key went as a header on every call, never as a parameter
    assert [c["key"] for c in fake.calls] == [KEY, KEY]
    assert all("subscription-key" not in c["args"] for c in fake.calls)
    assert fake.calls[0]["args"]["countOnly"] == "true"
    assert fake.calls[1]["args"] == {"reporterCode": "31", "partnerCode": "156", "period": "2019,2020",
                                     "cmdCode": "TOTAL", "flowCode": "X,M", "maxRecords": "100000"}

    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["error"] is None
    assert manifest["release_id"] == "r1" and manifest["source"] == "comtrade"
    assert manifest["retrieved_at"].endswith("Z")
    assert manifest["query"] == {"typeCode": "C", "freq": "A", "clCode": "HS", "reporterCode": "31", "partnerCode": "156",
                                 "period": "2019,2020", "cmdCode": "TOTAL", "flowCode": "X,M"}
    assert manifest["rows"] == 4
    data_entry = next(f for f in manifest["files"] if f["kind"] == "data")
    assert data_entry["rows"] == data_entry["expected_rows"] == 4
    assert KEY not in (release / "manifest.json").read_text()

    result = parse_comtrade_file(release / "data-0001.json")
    assert dict(result.rows.schema) == comtrade.ROW_SCHEMA
    assert result.quarantine.height == 0
    assert result.rows.height == 4
    first = result.rows.row(0, named=True)
    assert {k: first[k] for k in ("reporterCode", "partnerCode", "flowCode", "cmdCode", "period", "primaryValue",
                                  "cifvalue", "fobvalue", "isReported", "isAggregate", "refYear", "refMonth", "freqCode")} == {
        "reporterCode": 31, "partnerCode": 156, "flowCode": "X", "cmdCode": "TOTAL", "period": "2019",
        "primaryValue": 411_000_000.0, "cifvalue": None, "fobvalue": 411_000_000.0, "isReported": True,
        "isAggregate": True, "refYear": 2019, "refMonth": 52, "freqCode": "A",
    }


def test_comtrade_splits_by_period_then_reporter_under_the_cap(api, tmp_path):
    records = universe(["31", "156"], ["156", "31", "643"], ["2018", "2019", "2020"])  # 2*3*3*2 = 36
    fake = FakeComtrade(records)
    api.expect_request("/data/v1/get/C/A/HS").respond_with_handler(fake)
    query = ComtradeQuery(reporter_codes=["31", "156"], partner_codes=["156", "31", "643"], periods=["2018", "2019", "2020"])
    release = fetch_comtrade(query, tmp_path, "split", base_url=base_url(api), api_key=KEY, record_cap=10,
                             sleep=Sleeps(), timeout=TIMEOUT)

    data_calls = [c["args"] for c in fake.calls if "countOnly" not in c["args"]]
    # 36 >= 10: split periods (2018,2019 | 2020); 24 >= 10: split 2018 | 2019; each year (12) >= 10: split reporters (6)
    assert [(c["period"], c["reporterCode"]) for c in data_calls] == [
        ("2018", "31"), ("2018", "156"), ("2019", "31"), ("2019", "156"), ("2020", "31"), ("2020", "156")]
    assert all(c["maxRecords"] == "10" for c in data_calls)
    assert len(fake.calls) == 11 + 6  # 11 count calls (1 + 2 + 2 + 6 leaves), 6 data calls

    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["rows"] == 36
    counts = [f["count"] for f in manifest["files"] if f["kind"] == "count"]
    assert counts == [36, 24, 12, 6, 6, 12, 6, 6, 12, 6, 6]
    assert all(f["rows"] == f["expected_rows"] < 10 for f in manifest["files"] if f["kind"] == "data")

    result = parse_comtrade_release(release)
    assert result.rows.height == 36
    assert result.rows.select("reporterCode", "partnerCode", "period", "flowCode").n_unique() == 36


def test_comtrade_row_count_mismatch_fails_but_keeps_the_response(api, tmp_path):
    fake = FakeComtrade(fixture_doc("comtrade_final_A_HS_TOTAL.json")["data"], short_by=1)
    api.expect_request("/data/v1/get/C/A/HS").respond_with_handler(fake)
    with pytest.raises(ConnectorError, match="3 records returned, 4 expected") as info:
        fetch_comtrade(QUERY, tmp_path, "short", base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)
    assert KEY not in str(info.value)
    assert not (tmp_path / "comtrade" / "short").exists()  # nothing a build would read
    partial = tmp_path / "comtrade" / ".partial-short"  # the evidence, hidden, until the next fetch
    saved = partial / "data-0001.json"
    assert saved.exists()  # saved before it was checked
    manifest = json.loads((partial / "manifest.json").read_text())
    assert manifest["complete"] is False and "3 records returned" in manifest["error"]
    entry = next(f for f in manifest["files"] if f["file"] == "data-0001.json")
    assert entry["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()


def test_comtrade_chunk_that_cannot_be_split(api, tmp_path):
    fake = FakeComtrade(universe(["31"], ["156"], ["2020"]))  # 2 records (X, M) for one of everything but flow
    api.expect_request("/data/v1/get/C/A/HS").respond_with_handler(fake)
    query = ComtradeQuery(reporter_codes=["31"], partner_codes=["156"], periods=["2020"], flow_codes=["X"])
    with pytest.raises(ConnectorError, match="cannot split further"):
        fetch_comtrade(query, tmp_path, "cap", base_url=base_url(api), api_key=KEY, record_cap=1, sleep=Sleeps(), timeout=TIMEOUT)
    assert all("countOnly" in c["args"] for c in fake.calls)  # no data call was made


def test_comtrade_429_then_success_through_fetch_comtrade(api, tmp_path):
    api.expect_ordered_request("/data/v1/get/C/A/HS").respond_with_data("Rate limit", status=429, headers={"Retry-After": "2"})
    api.expect_ordered_request("/data/v1/get/C/A/HS").respond_with_json({"count": 0, "data": [{"count": 0}], "error": ""})
    api.expect_ordered_request("/data/v1/get/C/A/HS").respond_with_json(fixture_doc("comtrade_empty.json"))
    sleeps = Sleeps()
    release = fetch_comtrade(QUERY, tmp_path, "rl", base_url=base_url(api), api_key=KEY, backoff_base=0.01,
                             sleep=sleeps, timeout=TIMEOUT)
    assert sleeps == [2.0]
    assert json.loads((release / "manifest.json").read_text())["complete"] is True


def test_comtrade_500_five_times_message_has_no_key(api, tmp_path):
    api.expect_request("/data/v1/get/C/A/HS").respond_with_data("upstream down", status=500)
    sleeps = Sleeps()
    with pytest.raises(ConnectorError) as info:
        fetch_comtrade(QUERY, tmp_path, "down", base_url=base_url(api), api_key=KEY, retries=4, backoff_base=0.01,
                       sleep=sleeps, timeout=TIMEOUT)
    assert len(api.log) == 5 and len(sleeps) == 4
    assert KEY not in str(info.value) and "HTTP 500" in str(info.value)
    assert all(req.headers.get("Ocp-Apim-Subscription-Key") == KEY for req, _ in api.log)
    assert sorted(p.name for p in (tmp_path / "comtrade").iterdir()) == []  # no response saved: nothing left


def test_comtrade_empty_result_is_valid(api, tmp_path):
    serve_fixture_comtrade(api, "comtrade_empty.json")
    release = fetch_comtrade(QUERY, tmp_path, "empty", base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)
    result = parse_comtrade_file(release / "data-0001.json")
    assert result.rows.height == 0 and result.quarantine.height == 0
    assert dict(result.rows.schema) == comtrade.ROW_SCHEMA
    assert json.loads((release / "manifest.json").read_text())["rows"] == 0


def test_comtrade_bad_records_are_quarantined():
    result = parse_comtrade_file(FIXTURES / "comtrade_bad_records.json")
    assert dict(result.quarantine.schema) == QUARANTINE_SCHEMA
    assert result.rows["partnerCode"].to_list() == [156]
    q = {(r["row"], r["column"]): r["reason"] for r in result.quarantine.iter_rows(named=True)}
    assert q[(2, "primaryValue")] == "missing primaryValue"
    assert q[(3, "primaryValue")] == "negative primaryValue" and q[(3, "fobvalue")] == "negative fobvalue"
    assert q[(4, "netWgt")] == "netWgt is not a number"
    assert q[(5, "partnerCode")] == "missing partnerCode"
    assert set(result.quarantine["file"]) == {"comtrade_bad_records.json"}


def test_comtrade_parse_rejects_a_truncated_file(tmp_path):
    whole = (FIXTURES / "comtrade_final_A_HS_TOTAL.json").read_bytes()
    cut = tmp_path / "data-0001.json"
    cut.write_bytes(whole[:500])
    with pytest.raises(SourceFileError, match=r"^data-0001\.json: not valid JSON"):
        parse_comtrade_file(cut)
    short = tmp_path / "short.json"
    doc = fixture_doc("comtrade_final_A_HS_TOTAL.json")
    doc["data"] = doc["data"][:3]
    short.write_text(json.dumps(doc))
    with pytest.raises(SourceFileError, match="'count' says 4 records but 'data' holds 3"):
        parse_comtrade_file(short)


def test_landing_zone_is_written_before_parsing_and_parsing_reads_the_saved_file(api, tmp_path):
    serve_fixture_comtrade(api, "comtrade_final_A_HS_TOTAL.json")
    release = fetch_comtrade(QUERY, tmp_path, "lz", base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)
    api.clear()  # the "API" is gone: what follows reads only the landing zone
    manifest = json.loads((release / "manifest.json").read_text())
    for entry in manifest["files"]:
        path = release / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["bytes"] == path.stat().st_size
        assert entry["retrieved_at"].endswith("Z")
    # the saved bytes are exactly what the server sent, and the parser reads them from disk
    saved = release / "data-0001.json"
    doc = json.loads(saved.read_bytes())
    doc["data"][0]["primaryValue"] = 1.0
    doc["data"][0]["fobvalue"] = 1.0
    saved.write_text(json.dumps(doc))  # (a tmp copy; raw/ is never edited)
    assert parse_comtrade_file(saved).rows["primaryValue"][0] == 1.0
    assert len(api.log) == 0
    # a release folder is never overwritten
    with pytest.raises(ConfigError, match="already exists"):
        fetch_comtrade(QUERY, tmp_path, "lz", base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)


def test_comtrade_query_validation():
    with pytest.raises(ConfigError, match="YYYYMM"):
        ComtradeQuery(reporter_codes=["31"], partner_codes=["156"], periods=["2020"], freq="M")
    with pytest.raises(ConfigError, match="flowCode"):
        ComtradeQuery(reporter_codes=["31"], partner_codes=["156"], periods=["2020"], flow_codes=["RX"])
    q = ComtradeQuery.from_mapping({"reporterCode": "31", "partnerCode": "156,643", "period": "2020", "cmdCode": "TOTAL"})
    assert q.partner_codes == ("156", "643") and q.flow_codes == ("X", "M")


# -- IMF IMTS (SDMX-JSON) ---------------------------------------------------------------------------

IMTS_PATH = "/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN+RU.A"


def test_imts_fetch_lands_and_parses(api, tmp_path):
    body = (FIXTURES / "imts_sdmx_annual.json").read_bytes()
    api.expect_request(IMTS_PATH, query_string={"startPeriod": "2019", "endPeriod": "2020",
                                                "dimensionAtObservation": "TIME_PERIOD"}).respond_with_data(
        body, content_type="application/vnd.sdmx.data+json;version=1.0.0")
    release = fetch_imts("AZ", ["CN", "RU"], 2019, 2020, tmp_path, "imts1", base_url=api.url_for("/sdmx"),
                         api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)
    req = api.log[0][0]
    assert "application/vnd.sdmx.data+json" in req.headers["Accept"]
    assert req.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert (release / "data-0001.json").read_bytes() == body
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["rows"] == 8
    assert manifest["files"][0]["sha256"] == hashlib.sha256(body).hexdigest()
    assert manifest["query"]["partners"] == ["CN", "RU"] and KEY not in json.dumps(manifest)

    result = parse_imts_release(release)
    rows = result.rows
    assert rows.columns[:9] == ["reporter_code", "partner_code", "indicator", "flow", "valuation", "year", "month",
                                "value_usd", "unit_mult"]
    assert rows.height == 7 and result.quarantine.height == 1
    assert result.quarantine.row(0, named=True)["reason"] == "series AZ.XG_FOB_USD.RU.A, period 2020: no value"
    hit = rows.filter(pl.col("partner_code") == "CN", pl.col("indicator") == "XG_FOB_USD", pl.col("year") == 2019).row(0, named=True)
    assert hit["flow"] == "exports" and hit["valuation"] == "FOB" and hit["month"] is None
    assert hit["value_usd"] == 411_000_000.0 and hit["unit_mult"] == 6
    imp = rows.filter(pl.col("indicator") == "MG_CIF_USD")
    assert set(imp["flow"]) == {"imports"} and set(imp["valuation"]) == {"CIF"}


def test_imts_partners_are_chunked(api, tmp_path):
    doc = fixture_doc("imts_sdmx_annual.json")
    api.expect_request("/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN.A").respond_with_json(doc)
    api.expect_request("/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.RU.A").respond_with_json(doc)
    release = fetch_imts("AZ", ["CN", "RU"], "2019", "2020", tmp_path, "chunks", base_url=api.url_for("/sdmx"),
                         partners_per_request=1, sleep=Sleeps(), timeout=TIMEOUT)
    assert sorted(p.name for p in release.iterdir()) == ["data-0001.json", "data-0002.json", "manifest.json"]


def test_imts_unit_mult_3_vs_6(tmp_path):
    six = parse_imts_file(FIXTURES / "imts_sdmx_annual.json")
    doc = fixture_doc("imts_sdmx_annual.json")
    doc["data"]["structure"]["attributes"]["series"][1]["values"] = [{"id": "3", "name": "Thousands"}]
    path = tmp_path / "mult3.json"
    path.write_text(json.dumps(doc))
    three = parse_imts_file(path)
    key = ["partner_code", "indicator", "year"]
    joined = six.rows.join(three.rows, on=key, suffix="_3")
    assert joined.height == 7
    assert (joined["value_usd"] == joined["value_usd_3"] * 1000).all()
    assert set(three.rows["unit_mult"]) == {3} and set(six.rows["unit_mult"]) == {6}
    assert three.meta["unit_mults"] == [3]

    monthly = parse_imts_file(FIXTURES / "imts_sdmx_monthly.json")  # SDMX-JSON 2.0, UNIT at dataset level
    assert monthly.quarantine.height == 0
    jan = monthly.rows.filter(pl.col("indicator") == "XG_FOB_USD", pl.col("month") == 1).row(0, named=True)
    assert (jan["year"], jan["month"], jan["value_usd"], jan["unit_mult"]) == (2020, 1, 31_250_500.0, 3)
    assert jan["reporter_code"] == "AZ" and jan["partner_code"] == "CN" and jan["freq"] == "M"


def test_imts_wrong_unit_fails_naming_file_and_series(tmp_path):
    doc = fixture_doc("imts_sdmx_annual.json")
    doc["data"]["structure"]["attributes"]["series"][0]["values"].append({"id": "EUR", "name": "Euro"})
    doc["data"]["dataSets"][0]["series"]["0:1:0:0"]["attributes"] = [1, 0]
    path = tmp_path / "imts_eur.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceFileError) as info:
        parse_imts_file(path)
    assert str(info.value) == "imts_eur.json: series AZ.MG_CIF_USD.CN.A: UNIT is 'EUR', expected 'USD'"


def test_imts_missing_unit_mult_is_not_assumed(tmp_path):
    doc = fixture_doc("imts_sdmx_annual.json")
    doc["data"]["structure"]["attributes"]["series"].pop(1)
    for series in doc["data"]["dataSets"][0]["series"].values():
        series["attributes"] = series["attributes"][:1]
    path = tmp_path / "no_mult.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceFileError, match="no UNIT_MULT attribute"):
        parse_imts_file(path)


def test_imts_non_sdmx_response_is_saved_then_rejected(api, tmp_path):
    api.expect_request("/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN.A").respond_with_json({"errors": ["no"]})
    with pytest.raises(ConnectorError, match="not an SDMX-JSON data message"):
        fetch_imts("AZ", ["CN"], 2019, 2020, tmp_path, "bad", base_url=api.url_for("/sdmx"), sleep=Sleeps(), timeout=TIMEOUT)
    assert not (tmp_path / "imf_sdmx" / "bad").exists()
    partial = tmp_path / "imf_sdmx" / ".partial-bad"
    assert (partial / "data-0001.json").exists()
    assert json.loads((partial / "manifest.json").read_text())["complete"] is False


def test_imts_empty_dataset_is_valid(tmp_path):
    doc = fixture_doc("imts_sdmx_annual.json")
    doc["data"]["dataSets"][0]["series"] = {}
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(doc))
    result = parse_imts_file(path)
    assert result.rows.height == 0 and dict(result.rows.schema) == imf_sdmx.ROW_SCHEMA


def _records_file(tmp_path: Path, records: list, name: str = "data-0001.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}))
    return path


def test_clean_response_takes_the_vectorised_path_with_the_same_rows(tmp_path, monkeypatch):
    records = [make_record(r, p, y, f, cmd) for r in ("31", "842") for p in ("0", "156", "490") for y in ("2018", "2019")
               for f in ("X", "M") for cmd in ("TOTAL", "270900")]
    path = _records_file(tmp_path, records)
    assert comtrade._fast_parse(path.read_bytes()) is not None
    fast = parse_comtrade_file(path)
    monkeypatch.setattr(comtrade, "_fast_parse", lambda raw: None)  # record by record
    slow = parse_comtrade_file(path)
    assert fast.rows.height == len(records) == 48
    assert fast.rows.equals(slow.rows) and fast.rows.schema == slow.rows.schema
    assert fast.meta == slow.meta == {"records": 48, "count": 48, "elapsedTime": "0.1 secs", "periods": ["2018", "2019"]}
    assert fast.quarantine.height == slow.quarantine.height == 0
    row = fast.rows.filter((pl.col("reporterCode") == 842) & (pl.col("partnerCode") == 156) & (pl.col("period") == "2019")
                           & (pl.col("flowCode") == "M") & (pl.col("cmdCode") == "TOTAL"))
    assert row["primaryValue"].to_list() == [make_record("842", "156", "2019", "M")["primaryValue"]]
    assert fast.rows["source_row"].to_list() == list(range(1, 49))


@pytest.mark.parametrize("field, value, reason", [
    ("primaryValue", True, "primaryValue is not a number"),   # polars alone would read true as 1
    ("primaryValue", -5.0, "negative primaryValue"),
    ("reporterCode", "31x", "reporterCode is not an integer"),
    ("cmdCode", " ", "missing cmdCode"),
])
def test_one_unclean_record_sends_the_file_record_by_record(tmp_path, field, value, reason):
    records = [make_record("31", p, "2019", "X") for p in ("156", "490", "842")]
    records[1][field] = value
    path = _records_file(tmp_path, records)
    assert comtrade._fast_parse(path.read_bytes()) is None
    result = parse_comtrade_file(path)
    assert result.rows.height == 2 and result.rows["partnerCode"].to_list() == [156, 842]
    assert result.quarantine.select("row", "column", "reason").rows() == [(2, field, reason)]


# -- fetched releases are verified before they load -------------------------------------------------

class Log(list):
    """Collects what an asset would log as warnings."""

    def warning(self, message: str) -> None:
        self.append(message)


def fetch_fixture_release(api: HTTPServer, landing: Path, release: str) -> Path:
    api.clear()
    serve_fixture_comtrade(api, "comtrade_final_A_HS_TOTAL.json")
    return fetch_comtrade(QUERY, landing, release, base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT)


def tamper(path: Path) -> tuple[str, str]:
    """Change one figure in a saved response, keeping it valid JSON; return (sha256 before, after)."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    doc = json.loads(path.read_bytes())
    doc["data"][0]["primaryValue"] = doc["data"][0]["fobvalue"] = 999_000_000.0
    path.write_text(json.dumps(doc))
    return before, hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_release_whose_file_differs_from_its_manifest_is_skipped(api, tmp_path):
    genuine = fetch_fixture_release(api, tmp_path, "2024-05-01")
    later = fetch_fixture_release(api, tmp_path, "2024-06-01")
    expected, actual = tamper(later / "data-0001.json")
    log = Log()
    files, skipped = fetched_release_files(tmp_path, "comtrade", log)
    # the tampered release would supersede the genuine one: it must not load at all
    assert files == [genuine / "data-0001.json"]
    assert skipped == log == [f"comtrade/2024-06-01: data-0001.json: sha256 is {actual[:12]}… on disk, the manifest says "
                              f"{expected[:12]}… (changed after it was fetched); release skipped"]
    with pytest.raises(ReleaseError, match="sha256 is"):
        parse_comtrade_release(later)  # the parsers of a release verify it too


def test_fetch_verify_fails_on_a_tampered_release_with_one_line(api, tmp_path, monkeypatch, capsys):
    fetch_fixture_release(api, tmp_path, "2024-05-01")
    expected, actual = tamper(fetch_fixture_release(api, tmp_path, "2024-06-01") / "data-0001.json")
    monkeypatch.setenv("CORRIDOR_RAW", str(tmp_path))
    assert fetch_main(["verify"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"corridor: comtrade/2024-06-01: data-0001.json: sha256 is {actual[:12]}… on disk, "
                                f"the manifest says {expected[:12]}… (changed after it was fetched)"]
    assert "ok comtrade/2024-05-01 (1 data file(s)" in out
    assert fetch_main(["verify", str(tmp_path / "comtrade" / "2024-05-01")]) == 0


def test_fetch_verifies_its_files_before_publishing_the_release(api, tmp_path):
    serve_fixture_comtrade(api, "comtrade_final_A_HS_TOTAL.json")

    def meddle(message, done=None, total=None):  # something changes a saved response while the fetch runs
        if message.startswith("page 1"):
            tamper(tmp_path / "comtrade" / ".partial-r1" / "data-0001.json")

    with pytest.raises(ReleaseError, match=r"^comtrade/r1: data-0001\.json: sha256 is [0-9a-f]{12}… on disk, the manifest says"):
        fetch_comtrade(QUERY, tmp_path, "r1", base_url=base_url(api), api_key=KEY, sleep=Sleeps(), timeout=TIMEOUT,
                       progress=meddle)
    assert not (tmp_path / "comtrade" / "r1").exists()
    manifest = json.loads((tmp_path / "comtrade" / ".partial-r1" / "manifest.json").read_text())
    assert manifest["complete"] is False and "sha256" in manifest["error"]


GOOD = comtrade_body([make_record("31", "156", "2019", "X")])


def _no_files(m, d):
    del m["files"]


def _files_object(m, d):
    m["files"] = {e["file"]: e for e in m["files"]}


def _files_names(m, d):
    m["files"] = [e["file"] for e in m["files"]]


def _entry_without_file(m, d):
    del m["files"][0]["file"]


def _parent_path(m, d):
    (d.parent / "outside.json").write_bytes(GOOD)  # same bytes, same sha256: only the path is wrong
    m["files"][0]["file"] = "../outside.json"


def _absolute_path(m, d):
    (d.parent / "outside.json").write_bytes(GOOD)
    m["files"][0]["file"] = str(d.parent / "outside.json")


def _missing_file(m, d):
    m["files"].append({**m["files"][0], "file": "data-0002.json"})


def _unlisted_file(m, d):
    (d / "data-0002.json").write_bytes(GOOD)


def _symlink_outside(m, d):
    (d.parent / "outside.json").write_bytes(GOOD)
    (d / "data-0001.json").unlink()
    (d / "data-0001.json").symlink_to(d.parent / "outside.json")


def _no_sha256(m, d):
    del m["files"][0]["sha256"]


def _incomplete(m, d):
    m.update(complete=False, error="HTTP 500 after 5 attempts")


MALFORMED = {
    "no files": (_no_files, "manifest.json has no 'files' list"),
    "files an object": (_files_object, "manifest.json 'files' is an object, expected a list of {file, kind, sha256} objects"),
    "files a list of names": (_files_names, "manifest.json files[0] is a string, expected an object with file, kind and sha256"),
    "entry without file": (_entry_without_file, "manifest.json files[0] has no 'file' name"),
    "../ path": (_parent_path, "manifest.json files[0] 'file' '../outside.json' is not a plain file name inside the release folder"),
    "absolute path": (_absolute_path, "is not a plain file name inside the release folder"),
    "listed file missing": (_missing_file, "data-0002.json is listed in manifest.json but missing"),
    "data file not listed": (_unlisted_file, "data-0002.json is in the release folder but not listed in manifest.json"),
    "symlink out of the folder": (_symlink_outside, "data-0001.json is a symbolic link"),
    "no sha256": (_no_sha256, "manifest.json files[0] (data-0001.json) has no sha256 (64 hex digits)"),
    "incomplete fetch": (_incomplete, "manifest.json says the fetch did not complete (HTTP 500 after 5 attempts)"),
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_manifest_skips_its_release_with_a_reason(tmp_path, kind):
    mutate, reason = MALFORMED[kind]
    root = tmp_path / "raw"
    good = root / "comtrade" / "2024-05-01"
    write_release(good, {"data-0001.json": ("data", GOOD)})
    bad = root / "comtrade" / "2024-06-01"
    manifest = write_release(bad, {"data-0001.json": ("data", GOOD)})
    mutate(manifest, bad)
    (bad / "manifest.json").write_text(json.dumps(manifest))
    log = Log()
    files, skipped = fetched_release_files(root, "comtrade", log)
    assert files == [good / "data-0001.json"]  # the other release still loads; nothing outside a release is read
    assert len(skipped) == 1 and skipped == log
    assert skipped[0].startswith("comtrade/2024-06-01: ") and skipped[0].endswith("; release skipped")
    assert reason in skipped[0]


@pytest.mark.parametrize("text, reason", [
    ("{", "manifest.json is not valid JSON (Expecting property name enclosed in double quotes"),
    ("[]", "manifest.json is a list, not an object"),
    (None, "no manifest.json (not a release written by corridor fetch)"),
])
def test_an_unreadable_manifest_skips_its_release(tmp_path, text, reason):
    bad = tmp_path / "comtrade" / "2024-06-01"
    write_release(bad, {"data-0001.json": ("data", GOOD)})
    if text is None:
        (bad / "manifest.json").unlink()
    else:
        (bad / "manifest.json").write_text(text)
    files, skipped = fetched_release_files(tmp_path, "comtrade", Log())
    assert files == [] and len(skipped) == 1 and skipped[0].startswith(f"comtrade/2024-06-01: {reason}")


# -- Corridor's country codes, translated for each API -----------------------------------------------

@pytest.mark.parametrize("iso3, comtrade_code, imf_code", [
    ("AZE", "31", "AZ"), ("USA", "842", "US"), ("FRA", "251", "FR"), ("WLD", "0", "W00"),
    ("IND", "699", "IN"), ("CHE", "757", "CH"), ("CHN", "156", "CN"), ("aze", "31", "AZ"),
])
def test_iso3_codes_translate_to_each_apis_codes(iso3, comtrade_code, imf_code):
    assert area_codes("comtrade").translate(iso3) == comtrade_code
    assert area_codes("imf_sdmx").translate(iso3) == imf_code


def test_api_codes_pass_and_the_mapping_is_one_table_read_both_ways():
    comtrade_codes, imf_codes = area_codes("comtrade"), area_codes("imf_sdmx")
    assert [comtrade_codes.translate(c) for c in ("31", "0842", "0", "998")] == ["31", "842", "0", "998"]
    assert [imf_codes.translate(c) for c in ("AZ", "w00", "CN")] == ["AZ", "W00", "CN"]
    # the direction dbt staging maps (API -> Corridor), and its inverse, are the same table
    for codes in (comtrade_codes, imf_codes):
        assert all(codes.from_api[api_code] == code for code, api_code in codes.to_api.items())
    assert comtrade_codes.from_api["490"] == "XAN" and comtrade_codes.to_api["XAN"] == "490"
    # two Comtrade codes for Germany (276, and 280 for the former Federal Republic): the current M49 one is sent
    assert (comtrade_codes.from_api["276"], comtrade_codes.from_api["280"], comtrade_codes.to_api["DEU"]) == ("DEU", "DEU", "276")


@pytest.mark.parametrize("api, typed, message", [
    ("comtrade", "AZR", "--reporter 'AZR': not a country code Corridor knows for UN Comtrade; did you mean AZE (Azerbaijan)?"),
    ("imf_sdmx", "Azerbaijn", "--reporter 'Azerbaijn': not a country code Corridor knows for IMF SDMX; did you mean AZE (Azerbaijan)?"),
    ("imf_sdmx", "XAN", "--reporter 'XAN': not a country code Corridor knows for IMF SDMX: XAN (Other Asia, nes) has no IMF SDMX code"),
])
def test_an_unknown_code_names_it_and_a_close_match(api, typed, message):
    with pytest.raises(UnknownAreaCode) as info:
        area_codes(api).translate(typed, "--reporter")
    assert str(info.value) == message


# -- corridor fetch comtrade / imf -------------------------------------------------------------------

@pytest.fixture
def raw_folder(tmp_path, monkeypatch, api):
    """An empty raw folder with the reference tables, and the CLI pointed at it and at the local server."""
    raw = tmp_path / "raw"
    (raw / "reference").mkdir(parents=True)
    for name in ("baci_comtrade_country_codes_V202201.csv", "country-codes.csv", "source_area_codes.csv"):
        (raw / "reference" / name).write_bytes((REPO / "raw" / "reference" / name).read_bytes())
    monkeypatch.setenv("CORRIDOR_RAW", str(raw))
    monkeypatch.setenv("COMTRADE_BASE_URL", api.url_for(COMTRADE_PATH))
    monkeypatch.setenv("IMF_SDMX_BASE_URL", api.url_for("/sdmx"))
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    return raw


def test_fetch_comtrade_takes_iso3_codes_and_shows_each_page(api, raw_folder, capsys):
    fake = FakeComtrade(universe(["31", "842"], ["251", "0"], ["2019"]))
    api.expect_request("/data/v1/get/C/A/HS").respond_with_handler(fake)
    assert fetch_main(["comtrade", "--reporter", "AZE,USA", "--partner", "FRA,WLD", "--period", "2019",
                       "--release", "2024-05-01"]) == 0
    assert [(c["args"]["reporterCode"], c["args"]["partnerCode"]) for c in fake.calls] == [("31,842", "251,0")] * 2
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("corridor fetch comtrade: reporter AZE (31), USA (842); partner FRA (251), WLD (0); "
                               "period 2019 (annual)")
    assert lines[1:3] == ["  count: 8 records match", "  page 1: 8 records (8 of 8)"]
    assert lines[3].startswith(f"saved {raw_folder / 'comtrade' / '2024-05-01'}/ (2 response file(s), sha256 verified")
    assert lines[3].endswith(": 8 rows, 0 set aside")
    manifest = json.loads((raw_folder / "comtrade" / "2024-05-01" / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["query"]["reporterCode"] == "31,842"
    assert KEY not in out and KEY not in json.dumps(manifest)
    # a release is written once
    assert fetch_main(["comtrade", "--reporter", "AZE", "--partner", "WLD", "--period", "2019", "--release", "2024-05-01"]) == 2
    assert "release folder already exists" in capsys.readouterr().err


def test_fetch_imf_takes_iso3_codes(api, raw_folder, capsys):
    body = (FIXTURES / "imts_sdmx_annual.json").read_bytes()
    api.expect_request("/sdmx/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.US+FR+W00.A").respond_with_data(body, content_type="application/json")
    assert fetch_main(["imf", "--reporter", "AZE", "--partner", "USA,FRA,WLD", "--start", "2019", "--end", "2020",
                       "--release", "2024-05-01"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "reporter AZE (AZ); partner USA (US), FRA (FR), WLD (W00); 2019 to 2020" in out
    assert "  page 1/1: 3 partner(s), 8 observations (8 so far)" in out.splitlines()
    assert (raw_folder / "imf_sdmx" / "2024-05-01" / "data-0001.json").read_bytes() == body


@pytest.mark.parametrize("args, message", [
    (["comtrade", "--reporter", "AZR", "--partner", "CHN", "--period", "2019"],
     "corridor: --reporter 'AZR': not a country code Corridor knows for UN Comtrade; did you mean AZE (Azerbaijan)?"),
    (["imf", "--reporter", "AZE", "--partner", "CHN,XXQ", "--start", "2019", "--end", "2020"],
     "corridor: --partner 'XXQ': not a country code Corridor knows for IMF SDMX (use ISO3 codes such as AZE, CHN, WLD)"),
    (["imf", "--reporter", "AZE", "--partner", "CHN", "--period", "2019"],
     "corridor: No such option: --period (it is an option of `corridor fetch comtrade`) (see `corridor fetch imf --help`)"),
    (["comtrade", "--reporter", "AZE", "--partner", "CHN", "--start", "2019"],
     "corridor: No such option: --start (it is an option of `corridor fetch imf`) (see `corridor fetch comtrade --help`)"),
])
def test_fetch_usage_errors_are_one_line_exit_2(api, raw_folder, capsys, args, message):
    assert fetch_main(args) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert len(api.log) == 0 and not (raw_folder / "comtrade").exists() and not (raw_folder / "imf_sdmx").exists()


def test_each_api_has_its_own_help_with_an_example(capsys):
    assert fetch_main(["comtrade", "--help"]) == 0
    comtrade_help = capsys.readouterr().out
    assert fetch_main(["imf", "--help"]) == 0
    imf_help = capsys.readouterr().out
    assert "corridor fetch comtrade --reporter AZE --partner CHN,WLD --period 2019,2020" in comtrade_help
    assert "corridor fetch imf --reporter AZE --partner CHN,WLD --start 2015 --end 2024" in imf_help
    assert "--period" in comtrade_help and "--cmd" in comtrade_help and "--start" not in comtrade_help
    assert "--start" in imf_help and "--period" not in imf_help and "--cmd" not in imf_help


# -- an API that is not there -------------------------------------------------------------------------

CAP = 3.0  # --timeout in these tests (the default, 25 s, was measured by hand: see lib/connectors/README.md)


@pytest.mark.parametrize("api_name", ["comtrade", "imf"])
@pytest.mark.parametrize("server_kind, problem", [
    (RefusingPort, "connection refused (nothing listens on that port)"),
    (SilentServer, "no answer within 2.4 s (read timeout)"),
])
def test_an_unreachable_or_silent_api_ends_within_the_cap_with_one_line(raw_folder, monkeypatch, capsys, api_name,
                                                                        server_kind, problem):
    args = {"comtrade": ["comtrade", "--reporter", "AZE", "--partner", "CHN", "--period", "2019"],
            "imf": ["imf", "--reporter", "AZE", "--partner", "CHN", "--start", "2019", "--end", "2020"]}[api_name]
    with server_kind() as down:
        monkeypatch.setenv("COMTRADE_BASE_URL", down.url("/data/v1/get/C/{freq}/{clCode}"))
        monkeypatch.setenv("IMF_SDMX_BASE_URL", down.url("/sdmx"))
        started = time.monotonic()
        code = fetch_main([*args, "--release", "r1", "--timeout", str(CAP)])
        elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 1
    assert elapsed < CAP + 3  # the cap, plus the CLI's own work (generous: the machine is shared)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"corridor: fetch {api_name} failed: 127.0.0.1:{down.port}: {problem}")
    folder = raw_folder / ("comtrade" if api_name == "comtrade" else "imf_sdmx")
    assert lines[0].endswith(f"; nothing was written to {folder}")
    assert list(folder.iterdir()) == []  # no release folder, no partial folder, no lock file
    if server_kind is RefusingPort:
        assert "retrying in 1 s" in out  # not silent while it retries


def test_the_default_budget_bounds_the_retries_on_a_refusing_port():
    """With the default settings, a refusing API is given up on before GIVE_UP_AFTER (the clock is
    simulated: every backoff sleep advances it; the refusals themselves are real and instant)."""
    now = [0.0]
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with RefusingPort() as down, pytest.raises(ConnectorError) as info:
        fetch(down.url("/x"), sleep=sleep, clock=lambda: now[0])
    assert info.value.problem == "connection refused (nothing listens on that port)"
    assert sleeps == [1, 2, 4, 8] and sum(sleeps) < GIVE_UP_AFTER <= 25
    assert info.value.brief() == f"127.0.0.1:{down.port}: connection refused (nothing listens on that port) (5 attempts in 15.0 s)"


def test_a_stale_partial_folder_is_removed_and_a_running_one_kept(api, tmp_path):
    stale = tmp_path / "comtrade" / ".partial-old"
    stale.mkdir(parents=True)
    (stale / "data-0001.json").write_bytes(GOOD)
    running = tmp_path / "comtrade" / ".partial-running"
    running.mkdir()
    lock = _try_lock(tmp_path / "comtrade" / ".partial-running.lock")  # held as a running fetch holds it
    try:
        release = fetch_fixture_release(api, tmp_path, "2024-05-01")
        assert sorted(p.name for p in (tmp_path / "comtrade").iterdir()) == [".partial-running", ".partial-running.lock",
                                                                             "2024-05-01"]
        assert sorted(p.name for p in release.iterdir()) == ["count-0001.json", "data-0001.json", "manifest.json"]
    finally:
        os.close(lock)


def test_progress_draws_a_bar_on_a_terminal():
    stream = io.StringIO()
    with Progress(stream=stream, force_terminal=True) as progress:
        progress("count: 8 records match", 0, 8)
        progress("127.0.0.1:1: HTTP 503: busy; attempt 1 of 5 failed, retrying in 1 s")
        progress("page 1: 8 records (8 of 8)", 8, 8)
    drawn = stream.getvalue()
    assert "retrying in 1 s" in drawn and "page 1: 8 records (8 of 8)" in drawn and "8/8" in drawn
    plain = io.StringIO()
    with Progress(stream=plain, force_terminal=False) as progress:
        progress("page 1: 8 records (8 of 8)", 8, 8)
    assert plain.getvalue() == "  page 1: 8 records (8 of 8)\n"

