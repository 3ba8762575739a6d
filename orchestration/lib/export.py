"""Bulk exports of the published warehouse: every mart as one Parquet or CSV file, with a manifest.

:func:`export_marts` writes, from one read-only connection to the published file (so every file
is of the same version)::

    <out>/<mart>.parquet  or  <out>/<mart>.csv     one file per mart (all rows, all columns)
    <out>/manifest.json                            written last

The manifest says which warehouse version the files are (``version_id`` and ``built_at`` from
``audit.build_info``), the format, when they were written, and per mart its file, row count and
column types (a CSV reader casts to them). CSV: comma-separated, a header row, UTF-8, NULL as an
empty field and an empty string as ``""`` (DuckDB keeps them apart with ``read_csv(...,
allow_quoted_nulls = false)``), timestamps in UTC with their offset, doubles in their shortest exact
form. Each file is written under a temporary name and
renamed when complete; a failed export leaves no half-written file under a mart's name.

The helpers :func:`open_warehouse` and :func:`copy_relation` are shared with the raw-layer export
for Spark (:mod:`orchestration.lib.parquet_export`).

    python -m orchestration.commands.export --format parquet OUT_DIR     (or: corridor export ...)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.lib.errors import ConfigError, CorridorError

FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"


class UnknownMart(CorridorError):
    """A mart name the warehouse does not have (a usage error: exit code 2)."""

    exit_code = 2


def literal(value: object) -> str:
    """A SQL string literal (COPY and ATTACH take no parameter for a file name)."""
    return "'" + str(value).replace("'", "''") + "'"


def open_warehouse(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published warehouse, or a one-line :class:`ConfigError`."""
    database = Path(database)
    if not database.is_file():
        raise ConfigError(f"{database}: no published warehouse (build it first: corridor build)")
    try:
        conn = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{database}: cannot open the warehouse ({first})") from None
    conn.execute("set TimeZone = 'UTC'")
    return conn


def copy_relation(conn: duckdb.DuckDBPyConnection, relation: str, target: Path, fmt: str,
                  partition_by: Sequence[str] = ()) -> int:
    """``COPY relation TO target`` as Parquet or CSV (Hive partition folders with ``partition_by``);
    returns the rows written. ``relation`` is a quoted table name or a parenthesised query."""
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    options = ["format parquet"] if fmt == "parquet" else ["format csv", "header true"]
    if partition_by:
        options.append(f"partition_by ({', '.join(partition_by)})")
    row = conn.execute(f"copy {relation} to {literal(target)} ({', '.join(options)})").fetchone()
    return int(row[0]) if row else 0


def mart_names(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name").fetchall()]


def _columns(conn: duckdb.DuckDBPyConnection, mart: str) -> dict[str, str]:
    return {name: dtype for name, dtype in conn.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "order by ordinal_position", [mart]).fetchall()}


def _build_info(conn: duckdb.DuckDBPyConnection, database: Path) -> dict:
    try:
        version_id, built_at = conn.execute("select version_id, built_at from audit.build_info").fetchone()
    except (duckdb.Error, TypeError):
        raise ConfigError(f"{database}: no audit.build_info (not a published Corridor warehouse)") from None
    return {"version_id": version_id, "built_at": built_at.isoformat() if built_at else None}


def export_marts(database: Path, out_dir: Path, fmt: str, marts: Iterable[str] | None = None) -> dict:
    """Write the marts (default: all) of the published warehouse ``database`` to ``out_dir`` as
    ``fmt`` (parquet or csv); returns the manifest, also written to ``out_dir/manifest.json``."""
    database, out_dir = Path(database), Path(out_dir)
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    with open_warehouse(database) as conn:
        available = mart_names(conn)
        wanted = list(dict.fromkeys(marts)) if marts else available
        unknown = [name for name in wanted if name not in available]
        if unknown:
            raise UnknownMart(f"unknown mart(s): {', '.join(unknown)} (the warehouse has: {', '.join(available)})")
        manifest = {"warehouse": str(database), **_build_info(conn, database), "format": fmt, "marts": {}}
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            final = out_dir / f"{name}.{fmt}"
            tmp = out_dir / f".{final.name}.{os.getpid()}.tmp"
            try:
                rows = copy_relation(conn, f'marts."{name}"', tmp, fmt)
                os.replace(tmp, final)
            finally:
                tmp.unlink(missing_ok=True)
            manifest["marts"][name] = {"file": final.name, "rows": rows, "columns": _columns(conn, name)}
    manifest["written_at"] = datetime.now(timezone.utc).isoformat()
    tmp = out_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)
    return manifest
