"""The report and the dbt docs site, opened in a real browser (Debian's headless Chromium)."""

import functools
import http.server
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / ".artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> list[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Chromium not found: `make test` installs Debian's chromium package (apt-get install -y chromium)")
    return [binary, *FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]


def run(cmd: list[str], timeout: int = 90) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_report_renders_every_chart_offline(built_warehouse, chromium):
    page = built_warehouse.parent / "report" / "AZE-CHN" / "index.html"
    assert page.is_file(), "every build renders the focus corridor's report"
    text = page.read_text()
    # fully offline: no external scripts, styles or images
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", text)
    dom = run([*chromium, "--dump-dom", page.as_uri()])
    charts = re.findall(r'<svg class="chart".*?</svg>', dom, flags=re.S)
    assert len(charts) >= 6
    for chart in charts:  # non-empty: every chart draws lines or bars
        assert re.search(r"<(path|rect)[^>]*(d=\"M|height=\")", chart)
    assert "China was Azerbaijan's no. 4 trading partner with 7.54 % of its trade" in dom
    assert "no. 3 source of imports (13.15 %)" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-AZE-CHN.png"
    run([*chromium, "--window-size=1000,3000", f"--screenshot={shot}", page.as_uri()])
    assert shot.stat().st_size > 50_000  # a real rendering, written for review


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
