"""Shared fixtures: the real raw files, and warehouse builds shared by the whole session.

Builds run in this process through the build runner (``orchestration.build.run``), as the CLI
does, with the session's own Dagster instance, dbt target folder and build file (set once, below,
so dbt's partial parse is reused by every build) and each build's own ``CORRIDOR_WAREHOUSE`` and
``CORRIDOR_RAW``. Tests never touch the checkout's ``warehouse/``, ``.dagster_home/`` or
``dbt_project/target``. Only tests where a process must really die or compete (crash and
concurrency proofs) or that test the command line's own output run ``corridor`` in a subprocess
(:func:`run_build`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "raw"
DOTS_AZE = RAW / "imf_dots" / "DOTS_13.xlsx"
DOTS_CHN = RAW / "imf_dots" / "DOTS_40.xlsx"
DOTS_FILES = {f"imf_dots/{p.name}": p for p in sorted((RAW / "imf_dots").glob("*.xlsx"))}  # AZE, CHN, HKG, MAC
# rows of marts.partner_shares in the build of raw/ (4 DOTS reporters x partners x years x 3 flows, IMTS 2025, Comtrade)
PARTNER_SHARES_ROWS = 82_491
CROSSWALK = RAW / "reference" / "country_names.csv"
MORE_DOTS = REPO / "tests" / "fixtures" / "imf_dots_more"

# variables that would point a build at someone else's files
_FOREIGN = ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_WAREHOUSE", "DBT_TARGET_PATH", "CORRIDOR_FOCUS",
            "DAGSTER_HOME", "CORRIDOR_DOCS", "CORRIDOR_VERBOSE")
SESSION = Path(tempfile.mkdtemp(prefix="corridor-tests-"))


def pytest_configure(config):
    """One Dagster instance, dbt target folder and build file for the session's builds."""
    for name in _FOREIGN:
        os.environ.pop(name, None)
    os.environ.update(
        DAGSTER_HOME=str(SESSION / "dagster_home"),
        DBT_TARGET_PATH=str(SESSION / "dbt_target"),
        CORRIDOR_BUILD_DB=str(SESSION / "build" / "corridor.duckdb"),
        CORRIDOR_DOCS="0",  # the docs site is built (and browser-tested) by the session build only
        CORRIDOR_WAREHOUSE=str(SESSION / "unused" / "corridor.duckdb"),
    )
    from orchestration.build import prepare

    prepare()  # dbt's manifest, which the definitions need when a test imports them


def pytest_unconfigure(config):
    shutil.rmtree(SESSION, ignore_errors=True)


@contextlib.contextmanager
def settings(**values: str):
    """Environment variables set for the block, then restored."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build(workdir: Path, raw: Path | None = None, *, full: bool = True, docs: bool = False, **env: str):
    """Build the warehouse ``workdir/corridor.duckdb`` from ``raw`` (default: the repo's raw/) in this
    process; returns the runner's BuildResult."""
    from orchestration import build as runner

    workdir.mkdir(parents=True, exist_ok=True)
    with settings(CORRIDOR_WAREHOUSE=workdir / "corridor.duckdb", CORRIDOR_RAW=raw or RAW,
                  CORRIDOR_DOCS="1" if docs else "0", **env):
        return runner.run(full=full)


def run_build(workdir: Path, raw: Path | None = None, *args: str, check: bool = False, **env: str) -> subprocess.CompletedProcess:
    """``corridor build [args]`` in a subprocess (for crash, concurrency and command-line output tests)."""
    workdir.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, "CORRIDOR_WAREHOUSE": str(workdir / "corridor.duckdb"), "CORRIDOR_RAW": str(raw or RAW),
               **env}
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "build", *args],
                          env=environ, cwd=REPO, capture_output=True, text=True, check=check, timeout=600)


def copy_raw(dest: Path, with_more_dots: bool = False) -> Path:
    """A private copy of the repo's raw/ tree (tests edit the copy, never raw/); ``with_more_dots``
    adds the 114 real workbooks of tests/fixtures/imf_dots_more/ to its imf_dots/."""
    out = Path(shutil.copytree(RAW, dest))
    if with_more_dots:
        for workbook in sorted(MORE_DOTS.glob("*.xlsx")):
            shutil.copyfile(workbook, out / "imf_dots" / workbook.name)
    return out


def revise_workbook(src: Path, dst: Path, year: int, value_mn: float) -> None:
    """Copy a DOTS workbook, changing the World exports figure of one year (a synthetic revision)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb["Exports, FOB"]
    header = next(r for r in ws.iter_rows(min_row=1, max_row=12) if any(str(c.value) == str(year) for c in r))
    col = next(c.column for c in header if str(c.value) == str(year))
    row = next(r[0].row for r in ws.iter_rows(min_row=1, max_col=2) if r[1].value == "World")
    ws.cell(row=row, column=col, value=value_mn)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)


def failure_text(result) -> str:
    return f"failures: {result.failures}\nfailed checks: {[(c.name, c.metadata) for c in result.failed_checks]}"


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """The whole warehouse built once from the repo's raw/ (docs site included); its published file."""
    workdir = tmp_path_factory.mktemp("built_warehouse")
    result = build(workdir, docs=True)
    if not result.success:
        pytest.fail(f"corridor build failed:\n{failure_text(result)}")
    published = workdir / "corridor.duckdb"
    assert published.is_file()
    import json

    (workdir / "build_timings.json").write_text(json.dumps({"total_s": result.seconds, "success": result.success,
                                                            "steps": result.step_seconds}))
    return published


REVISED_AZE_WORLD_EXPORTS_2019 = 19_700.0  # USD mn: the synthetic revision of changed_build


@pytest.fixture(scope="session")
def changed_build(tmp_path_factory):
    """A build, then an incremental build after three changes (shared by tests/test_vintages.py and
    tests/test_incremental_models.py). First raw/ without China's workbook, built whole; then China's
    workbook added, Azerbaijan's 2019 World exports revised in a dated release folder (2023-06, a
    synthetic revision to REVISED_AZE_WORLD_EXPORTS_2019) and Macao's workbook removed.

    Returns (published file, a copy of the incremental build's build file, the last load time of
    IMF DOTS in the first build)."""
    import duckdb

    tmp = tmp_path_factory.mktemp("changed_build")
    raw = Path(shutil.copytree(RAW, tmp / "raw"))
    (raw / "imf_dots" / "DOTS_40.xlsx").unlink()
    first = build(tmp / "wh", raw)
    assert first.success, failure_text(first)
    published = tmp / "wh" / "corridor.duckdb"
    with duckdb.connect(str(published), read_only=True) as conn:
        first_loaded = conn.execute("select max(started_at) from audit.load_log where source = 'imf_dots'").fetchone()[0]
    shutil.copyfile(DOTS_CHN, raw / "imf_dots" / "DOTS_40.xlsx")
    revise_workbook(DOTS_AZE, raw / "imf_dots" / "2023-06" / "DOTS_13.xlsx", 2019, REVISED_AZE_WORLD_EXPORTS_2019)
    (raw / "imf_dots" / "DOTS_42.xlsx").unlink()
    second = build(tmp / "wh", raw, full=False)
    assert second.success, failure_text(second)
    from orchestration import constants

    snapshot = tmp / "incremental_build.duckdb"  # the session's build file is reused by later builds
    shutil.copyfile(constants.build_db_path(), snapshot)
    return published, snapshot, first_loaded


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The warehouse built from the real IMF set at half scale: raw/ plus the 114 real workbooks of
    tests/fixtures/imf_dots_more/ (118 reporters, 1.27 million figures). Returns (published file, result)."""
    tmp = tmp_path_factory.mktemp("real_warehouse")
    raw = copy_raw(tmp / "raw", with_more_dots=True)
    result = build(tmp / "warehouse", raw)
    if not result.success:
        pytest.fail(f"the real-data build failed:\n{failure_text(result)}")
    return tmp / "warehouse" / "corridor.duckdb", result


@pytest.fixture(scope="session")
def real_warehouse(real_build) -> Path:
    """The published file of :func:`real_build`."""
    return real_build[0]


@pytest.fixture(scope="module")
def server():
    """A local HTTP server on 127.0.0.1 (ephemeral port) standing in for an API; one per test module."""
    from pytest_httpserver import HTTPServer

    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()
