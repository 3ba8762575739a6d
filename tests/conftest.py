"""Shared fixtures: the real raw files, and one full warehouse build per test session.

Every build runs ``corridor build`` in a subprocess with its own paths (``CORRIDOR_WAREHOUSE``,
``DBT_TARGET_PATH`` and, for tests that edit sources, ``CORRIDOR_RAW``) so that tests never touch
the checkout's ``warehouse/`` or ``dbt_project/target`` and can run next to other builds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "raw"
DOTS_AZE = RAW / "imf_dots" / "DOTS_13.xlsx"
DOTS_CHN = RAW / "imf_dots" / "DOTS_40.xlsx"
CROSSWALK = RAW / "reference" / "country_names.csv"

# variables that would point a build at someone else's files
_FOREIGN = ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_WAREHOUSE", "DBT_TARGET_PATH", "CORRIDOR_FOCUS")


def build_env(workdir: Path, raw: Path | None = None) -> dict[str, str]:
    """The environment of a build publishing ``workdir/corridor.duckdb`` from ``raw`` (default: the repo's raw/)."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env.update(
        CORRIDOR_WAREHOUSE=str(workdir / "corridor.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"),
        CORRIDOR_RAW=str(raw or RAW),
        CORRIDOR_DOCS="0",  # the docs site is tested on the session build (test_browser), not in every build
    )
    return env


def run_build(workdir: Path, raw: Path | None = None, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """``corridor build [args]`` into ``workdir``; returns the finished process (text stdout/stderr)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build", *args],
        env=build_env(workdir, raw), cwd=REPO, capture_output=True, text=True, check=check, timeout=600,
    )


def copy_raw(dest: Path) -> Path:
    """A private copy of the repo's raw/ tree (tests edit the copy, never raw/)."""
    return Path(shutil.copytree(RAW, dest))


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """The whole warehouse built once from the repo's raw/; returns the published DuckDB file."""
    tmp = tmp_path_factory.mktemp("built_warehouse")
    env = {**os.environ, "CORRIDOR_WAREHOUSE": str(tmp / "corridor.duckdb"), "DBT_TARGET_PATH": str(tmp / "target")}
    for name in ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_FOCUS"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build", "--timings"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"corridor build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    published = tmp / "corridor.duckdb"
    assert published.is_file()
    return published


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
