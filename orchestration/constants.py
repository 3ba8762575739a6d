"""Paths and settings, from one place.

Every path can be overridden by an environment variable, shared with dbt:

* ``CORRIDOR_RAW``        the folder of source files (default: ``raw/`` in the checkout)
* ``CORRIDOR_WAREHOUSE``  the published DuckDB file BI tools read (default: ``warehouse/corridor.duckdb``)
* ``CORRIDOR_FOCUS``      the focus corridor as ``REPORTER-PARTNER`` ISO3 codes (default: ``AZE-CHN``)
* ``CORRIDOR_CACHE``      derived files kept between builds, e.g. the report's Vega JavaScript bundle
                          (default: ``$XDG_CACHE_HOME/corridor``, else ``~/.cache/corridor``)

The working file the pipeline builds in is ``<warehouse dir>/build/corridor.duckdb``; dbt reads its
path from ``CORRIDOR_BUILD_DB``, which :func:`export_env` sets for every dbt invocation.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.lib.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def raw_dir() -> Path:
    return Path(os.environ.get("CORRIDOR_RAW", REPO_ROOT / "raw")).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("CORRIDOR_WAREHOUSE", REPO_ROOT / "warehouse" / "corridor.duckdb")).resolve()


def build_db_path() -> Path:
    explicit = os.environ.get("CORRIDOR_BUILD_DB")
    if explicit:
        return Path(explicit).resolve()
    return warehouse_path().parent / "build" / "corridor.duckdb"


def cache_dir() -> Path:
    explicit = os.environ.get("CORRIDOR_CACHE")
    if explicit:
        return Path(explicit).resolve()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").resolve() / "corridor"


def focus_corridor() -> tuple[str, str]:
    value = os.environ.get("CORRIDOR_FOCUS", "AZE-CHN").strip().upper()
    parts = value.split("-")
    if len(parts) != 2 or not all(len(p) == 3 and p.isalpha() for p in parts):
        raise ConfigError(f"CORRIDOR_FOCUS={value!r}: expected two ISO3 codes like 'AZE-CHN'")
    return parts[0], parts[1]


# DuckDB's memory limit in builds (it spills to disk beyond it): keeps every build's peak resident
# memory near 2 GB; raise it on a bigger machine for faster builds of very large sources
DUCKDB_MEMORY_DEFAULT = "1GB"


def duckdb_memory() -> str:
    return os.environ.get("CORRIDOR_DUCKDB_MEMORY", DUCKDB_MEMORY_DEFAULT)


def export_env() -> None:
    """Make the paths visible to dbt subprocesses (profiles.yml reads them)."""
    os.environ["CORRIDOR_BUILD_DB"] = str(build_db_path())
    os.environ.setdefault("CORRIDOR_RAW", str(raw_dir()))
    os.environ["CORRIDOR_DUCKDB_MEMORY"] = duckdb_memory()  # dbt's profile reads it
    reporter, partner = focus_corridor()
    os.environ["CORRIDOR_FOCUS"] = f"{reporter}-{partner}"
