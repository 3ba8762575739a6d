"""Publishing the built warehouse: an atomic replace of the file BI tools read, with versions.

The pipeline builds in ``<warehouse dir>/build/corridor.duckdb``. Publishing

1. stamps the build with a version id (table ``audit.build_info``),
2. copies it to ``versions/<version>.duckdb`` next to the warehouse, with a manifest
   ``versions/<version>.json`` (build time, git commit, source files and sha256, row counts,
   check summary),
3. copies that version to a temporary file in the warehouse folder, flushes it to disk and renames
   it over ``corridor.duckdb`` (``os.replace``: atomic on POSIX), and writes ``corridor.json``,
4. keeps the last N versions (``CORRIDOR_KEEP_VERSIONS``, default 3).

A reader that has the old file open keeps its consistent view (the old inode lives on until it
closes); a new reader opens the new file. A failed or interrupted publish leaves the published file
as it was; stale temporary files from a killed publish are removed by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.lib.errors import CorridorError

MANIFEST_SUFFIX = ".json"


def fault_point(name: str) -> None:
    """Crash-safety tests stop a build here (CORRIDOR_FAULT_POINT=<name>) and kill it with SIGKILL."""
    if os.environ.get("CORRIDOR_FAULT_POINT") == name:
        import time

        print(f"corridor: paused at fault point {name}", flush=True)
        time.sleep(float(os.environ.get("CORRIDOR_FAULT_PAUSE", "60")))


class PublishError(CorridorError):
    pass


def keep_versions() -> int:
    value = os.environ.get("CORRIDOR_KEEP_VERSIONS", "3")
    try:
        n = int(value)
    except ValueError:
        raise PublishError(f"CORRIDOR_KEEP_VERSIONS={value!r}: expected a whole number of versions to keep") from None
    if n < 1:
        raise PublishError(f"CORRIDOR_KEEP_VERSIONS={value!r}: at least 1 version must be kept")
    return n


def versions_dir(target: Path) -> Path:
    return Path(target).parent / "versions"


def git_commit(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is either the old file or the whole new one."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, tmp)
        fault_point("publish:temp-written")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def clean_stale(target: Path) -> list[Path]:
    """Remove temporary files a killed publish left behind (never the published file)."""
    removed = []
    for folder in (target.parent, versions_dir(target)):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def describe_build(conn: duckdb.DuckDBPyConnection) -> dict:
    """What a manifest says about a build: source files, row counts."""
    files = conn.execute(
        """
        select target_table, file, file_sha256, rows_loaded, rows_quarantined
        from audit.load_log
        where is_current
        order by target_table, file
        """
    ).fetchall()
    tables = conn.execute(
        # tables and views (the two fact marts are views over the versioned intermediate table)
        "select table_schema, table_name from information_schema.tables where table_schema in ('marts', 'raw') order by 1, 2"
    ).fetchall()
    counts = {}
    for schema, name in tables:
        where = " where load_id in (select load_id from audit.load_log where is_current)" if schema == "raw" else ""
        counts[f"{schema}.{name}"] = conn.execute(f'select count(*) from {schema}."{name}"{where}').fetchone()[0]
    return {
        "source_files": [
            {"table": t, "file": f, "sha256": s, "rows_loaded": r, "rows_quarantined": q} for t, f, s, r, q in files
        ],
        "row_counts": counts,
    }


def publish(build_db: Path, target: Path, *, checks: dict | None = None, repo: Path | None = None) -> dict:
    """Publish ``build_db`` as ``target``; returns the version's manifest."""
    build_db, target = Path(build_db), Path(target)
    if not build_db.exists():
        raise PublishError(f"{build_db}: nothing to publish (the build file does not exist)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        vdir = versions_dir(target)
        vdir.mkdir(exist_ok=True)
        clean_stale(target)
        now = datetime.now(timezone.utc)
        version = now.strftime("%Y%m%dT%H%M%S%fZ")
        commit = git_commit(repo) if repo else None
        with duckdb.connect(str(build_db)) as conn:
            conn.execute(
                "create or replace table audit.build_info as select ?::varchar as version_id, ?::timestamptz as built_at, ?::varchar as git_commit",
                [version, now, commit],
            )
            manifest = {"version_id": version, "built_at": now.isoformat(), "git_commit": commit, **describe_build(conn)}
            conn.execute("checkpoint")
        manifest["checks"] = checks or {}
        version_file = vdir / f"{version}.duckdb"
        fault_point("publish:version-copy")
        _atomic_copy(build_db, version_file)
        with duckdb.connect(str(version_file), read_only=True) as conn:  # the copy opens and is the build
            got = conn.execute("select version_id from audit.build_info").fetchone()[0]
        if got != version:
            raise PublishError(f"{version_file}: copy does not carry version {version}")
        _write_json(vdir / f"{version}{MANIFEST_SUFFIX}", manifest)
        fault_point("publish:replace")
        _atomic_copy(version_file, target)
        fault_point("publish:manifest")
        _write_json(target.with_suffix(MANIFEST_SUFFIX), manifest)
        prune(target, keep_versions())
    except OSError as exc:
        raise PublishError(
            f"{target}: cannot publish ({exc.strerror or exc}); the previously published version is untouched"
        ) from None
    return manifest


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, path)


def list_versions(target: Path) -> list[dict]:
    """Published versions, newest first, with their manifests."""
    vdir = versions_dir(target)
    out = []
    for db in sorted(vdir.glob("*.duckdb"), reverse=True) if vdir.is_dir() else []:
        meta_path = db.with_suffix(MANIFEST_SUFFIX)
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"version_id": db.stem}
        out.append(meta)
    return out


def current_version(target: Path) -> str | None:
    try:
        with duckdb.connect(str(target), read_only=True) as conn:
            return conn.execute("select version_id from audit.build_info").fetchone()[0]
    except (duckdb.Error, TypeError):
        return None


def prune(target: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions (never the one currently published)."""
    published = current_version(target)
    removed = []
    for meta in list_versions(target)[keep:]:
        vid = meta["version_id"]
        if vid == published:
            continue
        for suffix in (".duckdb", MANIFEST_SUFFIX):
            (versions_dir(target) / f"{vid}{suffix}").unlink(missing_ok=True)
        removed.append(vid)
    return removed


def rollback(target: Path, version: str | None = None) -> dict:
    """Publish a kept version again (default: the one before the current)."""
    versions = list_versions(target)
    if not versions:
        raise PublishError(f"{versions_dir(target)}: no published versions to roll back to")
    if version is None:
        published = current_version(target)
        older = [v for v in versions if v["version_id"] != published and (published is None or v["version_id"] < published)]
        if not older:
            raise PublishError(f"no version older than {published} is kept (see `corridor rollback --list`)")
        chosen = older[0]
    else:
        chosen = next((v for v in versions if v["version_id"] == version), None)
        if chosen is None:
            raise PublishError(f"version {version!r} is not kept; kept: {', '.join(v['version_id'] for v in versions)}")
    try:
        _atomic_copy(versions_dir(target) / f"{chosen['version_id']}.duckdb", target)
        _write_json(target.with_suffix(MANIFEST_SUFFIX), chosen)
    except OSError as exc:
        raise PublishError(f"{target}: cannot roll back ({exc.strerror or exc}); the published version is untouched") from None
    return chosen
