"""The report and the dbt docs site, opened in a real browser (Debian's headless Chromium).

The report is driven through the DevTools protocol (tests/cdp.py) with the network emulated off:
every chart must draw its data, a hovered mark must show its figure, the CSV link must download the
data the chart drew, and the claims table must sort and filter. The last test writes the screenshot
the README shows (tests/.artifacts/report-AZE-CHN.png).
"""

import csv
import functools
import http.server
import io
import shutil
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.cdp import FLAGS, Browser

ARTIFACTS = Path(__file__).parent / ".artifacts"
CHARTS = ["turnover", "exports-imports", "share", "rank", "growth", "mirror-gap", "gap-decomposition", "fdi", "companies"]
# the SVG elements that draw a data item (Vega's SVG renderer binds each to its scenegraph item)
DATA_MARKS = "Array.from(document.querySelectorAll('#chart-{id} g.role-mark > *')).filter(e => e.__data__ && e.__data__.datum && !('zero' in e.__data__.datum))"
TOOLTIP = "(() => { const t = document.getElementById('vg-tooltip-element'); return t && t.classList.contains('visible') && t.innerText; })()"


def chromium_binary() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Chromium not found: `make test` installs Debian's chromium package (apt-get install -y chromium)")
    return binary


@pytest.fixture(scope="module")
def report(built_warehouse, tmp_path_factory):
    """The focus corridor's report, opened from the file system in Chromium with the network off."""
    page = built_warehouse.parent / "report" / "AZE-CHN" / "index.html"
    assert page.is_file(), "every build renders the focus corridor's report"
    with Browser(chromium_binary(), tmp_path_factory.mktemp("chromium-cdp"), width=1000, height=1400) as browser:
        browser.offline()
        browser.open(page.as_uri())
        assert browser.wait_for("document.body.getAttribute('data-charts')") == "rendered"
        yield browser


@pytest.fixture(scope="module")
def conn(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        yield c


def point(chart: str, mark: str, **datum) -> str:
    """A JS expression: the SVG element of the chart's ``mark`` item whose datum has these values."""
    test = " && ".join(f"d.datum[{k!r}] === {v!r}" for k, v in datum.items())
    return (f"Array.from(document.querySelectorAll('#chart-{chart} g.mark-{mark} > *'))"
            f".find(e => {{ const d = e.__data__; return d && d.datum && {test}; }})")


def hover_tooltip(browser: Browser, element_js: str) -> str:
    browser.hover(0, 0)  # leave any mark first, so the tooltip is the new one's
    browser.wait_for(f"!{TOOLTIP}", 5)
    browser.hover(*browser.center_of(element_js))
    return browser.wait_for(TOOLTIP, 5)


def test_report_renders_every_chart_offline(report):
    assert report.evaluate("Object.keys(window.corridorViews)") == CHARTS
    for chart in CHARTS:  # every chart draws its data: as many items as the rows it was given
        drawn = report.evaluate(f"{DATA_MARKS.format(id=chart)}.length")
        rows = report.evaluate(f"window.corridorViews[{chart!r}].data('rows').length")
        assert drawn > 0 and rows > 0, chart
    assert report.evaluate(f"{DATA_MARKS.format(id='turnover')}.filter(e => e.__data__.mark.marktype === 'symbol').length") == \
        report.evaluate("window.corridorViews.turnover.data('rows').length") == 58  # 1992-2020, both sides
    assert report.evaluate("document.querySelector('#share .reading').textContent") == (
        "In 2020, China was Azerbaijan's 4th trading partner, with 7.5 % of its trade, and its 3rd source of imports (13.1 %).")
    assert not report.exceptions()
    assert all(url.startswith(("file:", "data:")) for url in report.requests()), report.requests()


def test_hovering_a_mark_shows_its_figure(report):
    aze = hover_tooltip(report, point("turnover", "symbol", year=2019, series="as Azerbaijan reports"))
    assert "as Azerbaijan reports" in aze and "2019" in aze and "2,183.8" in aze
    chn = hover_tooltip(report, point("turnover", "symbol", year=2019, series="as China reports (mirror)"))
    assert "as China reports (mirror)" in chn and "1,477.2" in chn
    # a growth rate off the scale is drawn at the edge; its tooltip tells the true value
    bar = hover_tooltip(report, point("growth", "rect", year=1993, series="as Azerbaijan reports"))
    assert "+870.5" in bar and "axis" not in bar and "undefined" not in bar
    marker = hover_tooltip(report, point("growth", "text", year=1993, series="as Azerbaijan reports"))
    assert "+870.5" in marker and "▲ off the scale" in marker
    recent = hover_tooltip(report, point("growth", "rect", year=2020, series="as China reports (mirror)"))
    assert "−12.2" in recent and "axis" not in recent and "undefined" not in recent  # d3 writes U+2212 minus
    gap = hover_tooltip(report, point("mirror-gap", "symbol", year=2019, series="Azerbaijan's imports vs China's exports"))
    assert "+132.0" in gap and "1,431.6" in gap and "617.0" in gap
    residual = hover_tooltip(report, point("gap-decomposition", "rect", step="residual",
                                           panel="Azerbaijan's imports from China, 2020"))
    assert "residual" in residual and "647.7" in residual and "1,412.7" in residual
    share = hover_tooltip(report, point("share", "symbol", year=2020, measure="imports"))
    assert "13.15" in share and "3" in share


def test_csv_link_downloads_the_data_the_chart_draws(report, conn, tmp_path):
    report.allow_downloads(tmp_path)
    report.click(*report.center_of("document.querySelector('a[data-csv-for=turnover]')"))
    target = tmp_path / "AZE-CHN-turnover.csv"
    deadline = time.monotonic() + 20
    while not target.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.is_file(), sorted(p.name for p in tmp_path.iterdir())
    downloaded = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    drawn = report.evaluate("window.corridorViews.turnover.data('rows').map(r => [r.year, r.series, r.value_usd_mn])")
    assert [(int(r["year"]), r["series"], float(r["value_usd_mn"])) for r in downloaded] == \
        [(y, s, pytest.approx(v, rel=1e-9)) for y, s, v in drawn]
    published = dict(conn.execute(
        "select reporter_iso3, value_usd / 1e6 from marts.partner_shares where source = 'imf_dots' and flow = 'turnover' "
        "and year = 2019 and (reporter_iso3, partner_iso3) in (('AZE', 'CHN'), ('CHN', 'AZE'))").fetchall())
    in_csv = {r["series"]: float(r["value_usd_mn"]) for r in downloaded if r["year"] == "2019"}
    assert in_csv == {"as Azerbaijan reports": pytest.approx(published["AZE"]),
                      "as China reports (mirror)": pytest.approx(published["CHN"])}
    assert round(in_csv["as Azerbaijan reports"], 1) == 2183.8 and round(in_csv["as China reports (mirror)"], 1) == 1477.2


def visible_claims(browser: Browser, column: int | None = None):
    rows = "Array.from(document.querySelectorAll('#claims-table tbody tr')).filter(tr => !tr.hidden)"
    if column is None:
        return browser.evaluate(f"{rows}.map(tr => [tr.dataset.claim, tr.dataset.verdict, tr.textContent.toLowerCase()])")
    return browser.evaluate(f"{rows}.map(tr => tr.cells[{column}].dataset.sort)")


def test_claims_table_sorts_and_filters(report, conn):
    total = conn.execute("select count(*) from marts.claim_checks "
                         "where (reporter_iso3, partner_iso3) in (('AZE', 'CHN'), ('CHN', 'AZE'))").fetchone()[0]
    assert len(visible_claims(report)) == total == 86
    header = "document.querySelectorAll('#claims-table th button')[2]"  # "claimed"
    report.click(*report.center_of(header))
    values = [float(v) for v in visible_claims(report, 2)]
    assert values == sorted(values) and values[-1] == 4_870_000_000  # USD 4.87 bn, 2025 (largest figure quoted)
    report.click(*report.center_of(header))
    assert [float(v) for v in visible_claims(report, 2)] == sorted(values, reverse=True)
    assert report.evaluate(f"{header}.parentElement.getAttribute('aria-sort')") == "descending"

    report.click(*report.center_of("document.getElementById('claims-filter')"))
    report.type_text("Trend")
    shown = visible_claims(report)
    hidden = report.evaluate("Array.from(document.querySelectorAll('#claims-table tbody tr')).filter(tr => tr.hidden)"
                             ".map(tr => tr.textContent.toLowerCase())")
    assert shown and all("trend" in text for _, _, text in shown)
    assert hidden and not any("trend" in text for text in hidden)
    assert report.evaluate("document.getElementById('claims-count').textContent") == f"{len(shown)} of 86 claims"

    report.evaluate("(() => { const f = document.getElementById('claims-filter'); f.value = '';"
                    " f.dispatchEvent(new Event('input')); const s = document.getElementById('claims-verdict');"
                    " s.value = 'conflicts'; s.dispatchEvent(new Event('change')); })()")
    conflicts = conn.execute("select count(*) from marts.claim_checks where verdict = 'conflicts' "
                             "and (reporter_iso3, partner_iso3) in (('AZE', 'CHN'), ('CHN', 'AZE'))").fetchone()[0]
    shown = visible_claims(report)
    assert len(shown) == conflicts == 8 and {v for _, v, _ in shown} == {"conflicts"}
    assert "seed002-01" in {c for c, _, _ in shown}  # USD 2.46 bn, +43 % (AZERTAC)


def test_screenshot_for_the_readme(report):
    """The top of the page, with the tooltip of Azerbaijan's 2019 figure showing (README image)."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-AZE-CHN.png"
    report.evaluate("window.scrollTo(0, 0)")
    assert "2,183.8" in hover_tooltip(report, point("turnover", "symbol", year=2019, series="as Azerbaijan reports"))
    report.screenshot(shot, 1000, 1500)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 1000
    assert len(data) > 50_000  # a real rendering, written for review


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> list[str]:
    return [chromium_binary(), *FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]


def run(cmd: list[str], timeout: int = 90) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_docs_site_lists_the_marts(built_warehouse, chromium):
    site = built_warehouse.parent / "docs"
    assert (site / "index.html").is_file(), "every build writes the dbt docs site next to the warehouse"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        dom = run([*chromium, "--virtual-time-budget=20000", "--dump-dom", url], timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    for mart in ["fct_trade_flows", "partner_shares", "trade_growth", "mirror_gaps", "dim_countries"]:
        assert mart in dom, mart
