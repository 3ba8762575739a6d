"""Publishing the built warehouse: an atomic replace of the file BI tools read, with versions.

The pipeline builds in ``<warehouse dir>/build/corridor.duckdb``. Publishing

1. checks the build: every mart of ``dbt_project/models/marts/`` is there, and the marts of the
   rule ``marts_never_empty`` (dbt_project.yml vars) have rows; otherwise nothing is published,
2. stamps the build with a version id (table ``audit.build_info``),
3. writes it to ``versions/<version>.duckdb`` in the storage format of
   ``CORRIDOR_STORAGE_VERSION`` (default ``v1.0.0``: DuckDB 1.x clients read it): a byte copy when
   the build file already has that format (:func:`create_build_db` made it so), else a conversion
   (``ATTACH ... (STORAGE_VERSION ...)`` + ``COPY FROM DATABASE``); the file is checked to carry the
   version, its marts and the format before it is renamed into ``versions/``; a manifest
   ``versions/<version>.json`` (build time, git commit, source files and sha256, row counts, check
   summary, storage version) goes beside it,
4. copies that version to a temporary file in the warehouse folder, flushes it to disk, checks it
   carries the version and renames it over ``corridor.duckdb`` (``os.replace``: atomic on POSIX),
   and writes ``corridor.json``,
5. keeps the last N versions (``CORRIDOR_KEEP_VERSIONS``, default 3).

A reader that has the old file open keeps its consistent view (the old inode lives on until it
closes); a new reader opens the new file. A failed or interrupted publish leaves the published file
as it was; stale temporary files from a killed publish are removed by the next one. Rollback
(:func:`rollback`) goes through the same checked copy and says so only once the published file
carries the chosen version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.constants import duckdb_memory
from orchestration.lib.errors import ConfigError, CorridorError
from orchestration.lib.export import literal
from orchestration.lib.lock import build_lock

MANIFEST_SUFFIX = ".json"
STORAGE_VERSION_ENV = "CORRIDOR_STORAGE_VERSION"
# the oldest storage format DuckDB 2.0 writes (storage number 64): DuckDB 1.1.0 to 1.5.x and 2.x read it
DEFAULT_STORAGE_VERSION = "v1.0.0"
MIN_STORAGE_VERSION = (1, 0, 0)
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)\+?$")


def fault_point(name: str) -> None:
    """Crash-safety tests stop a build here (CORRIDOR_FAULT_POINT=<name>) and kill it with SIGKILL."""
    if os.environ.get("CORRIDOR_FAULT_POINT") == name:
        import time

        print(f"corridor: paused at fault point {name}", flush=True)
        time.sleep(float(os.environ.get("CORRIDOR_FAULT_PAUSE", "60")))


class PublishError(CorridorError):
    pass


class IncompleteBuild(PublishError):
    """The build file lacks a mart (or a mart that must have rows is empty): nothing is published."""


def keep_versions() -> int:
    value = os.environ.get("CORRIDOR_KEEP_VERSIONS", "3")
    try:
        n = int(value)
    except ValueError:
        raise PublishError(f"CORRIDOR_KEEP_VERSIONS={value!r}: expected a whole number of versions to keep") from None
    if n < 1:
        raise PublishError(f"CORRIDOR_KEEP_VERSIONS={value!r}: at least 1 version must be kept")
    return n


# ---------------------------------------------------------------------------------------------
# storage format
# ---------------------------------------------------------------------------------------------


def _version_key(tag: str) -> tuple[float, ...]:
    """'v1.0.0' / 'v1.0.0+' -> (1, 0, 0); 'latest' sorts after every release."""
    if tag == "latest":
        return (float("inf"),)
    match = _VERSION.match(tag)
    if not match:
        raise ConfigError(f"{tag!r}: not a DuckDB storage version like 'v1.0.0'")
    return tuple(int(part) for part in match.groups())


def storage_version() -> str:
    """The storage format the warehouse is published in: ``CORRIDOR_STORAGE_VERSION`` (default
    ``v1.0.0``), the oldest DuckDB release that must read the file, or ``latest``."""
    value = os.environ.get(STORAGE_VERSION_ENV, "").strip() or DEFAULT_STORAGE_VERSION
    hint = f"{STORAGE_VERSION_ENV}={value!r}"
    if value != "latest" and not _VERSION.match(value):
        raise ConfigError(f"{hint}: expected a DuckDB release like 'v1.0.0' (or 'latest')")
    if _version_key(value) < MIN_STORAGE_VERSION:
        raise ConfigError(f"{hint}: DuckDB 2.0 writes no storage format older than v1.0.0")
    try:
        duckdb.connect(":memory:", config={"storage_compatibility_version": value}).close()
    except duckdb.Error as exc:
        raise ConfigError(f"{hint}: {str(exc).split(', valid options')[0]}") from None
    return value


def file_storage_version(path: Path) -> str:
    """The storage format of a DuckDB file, as DuckDB names it (e.g. ``v1.0.0``, ``v2.0.0``)."""
    with duckdb.connect(str(path), read_only=True) as conn:
        tags = conn.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()[0]
    return str(tags.get("storage_version", "")).rstrip("+")


def _is_readable_by(file_version: str, wanted: str) -> bool:
    """Does a file in format ``file_version`` open in every DuckDB from ``wanted`` on?"""
    return _version_key(file_version) <= _version_key(wanted)


def create_build_db(path: Path, version: str | None = None) -> None:
    """Create the (new, empty) build file in the publishing storage format, so that publishing needs
    no conversion; an existing file is left as it is (an older build file in a newer format is
    converted when it is published). Every later connection keeps the file's format."""
    path = Path(path)
    version = version or storage_version()  # a bad CORRIDOR_STORAGE_VERSION fails before the build
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(path), config={"storage_compatibility_version": version}).close()


def convert(source: Path, dest: Path, version: str) -> None:
    """Write the whole database ``source`` (tables, views, schemas, constraints, sequences, macros)
    as a new file ``dest`` in storage format ``version``."""
    with duckdb.connect(":memory:") as conn:
        conn.execute("set memory_limit = ?", [duckdb_memory()])
        conn.execute(f"attach {literal(source)} as src (read_only)")
        conn.execute(f"attach {literal(dest)} as dst (storage_version {literal(version)})")
        fault_point("publish:convert")
        conn.execute("copy from database src to dst")
        conn.execute("detach dst")


# ---------------------------------------------------------------------------------------------
# what a publishable build holds
# ---------------------------------------------------------------------------------------------


def expected_marts() -> dict[str, bool]:
    """Every mart the dbt project defines (``models/marts/**/*.sql``) -> whether it must have rows
    (the rule ``marts_never_empty``)."""
    from orchestration.constants import DBT_PROJECT_DIR
    from orchestration.lib.rules import rule

    never_empty = set(rule("marts_never_empty"))
    names = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))
    unknown = never_empty - set(names)
    if unknown:
        raise ConfigError(f"dbt_project.yml vars marts_never_empty names no mart: {', '.join(sorted(unknown))}")
    return {name: name in never_empty for name in names}


def mart_problems(row_counts: Mapping[str, int], marts: Mapping[str, bool]) -> list[str]:
    """What keeps a build with these ``marts.<name>`` row counts from being published."""
    missing = [name for name in marts if f"marts.{name}" not in row_counts]
    empty = [name for name, must in marts.items() if must and row_counts.get(f"marts.{name}") == 0]
    problems = []
    if missing:
        problems.append(f"mart(s) missing: {', '.join(missing)}")
    if empty:
        problems.append(f"mart(s) empty: {', '.join(empty)}")
    return problems


def versions_dir(target: Path) -> Path:
    return Path(target).parent / "versions"


def git_commit(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _atomic_write(target: Path, write: Callable[[Path], None], check: Callable[[Path], None] | None = None) -> None:
    """``write`` a temporary file beside ``target``, flush it, ``check`` it, rename it over ``target``:
    ``target`` is either the old file or the whole new one, and never a file that failed ``check``."""
    tmp = _tmp_name(target)
    try:
        for stale in (tmp, tmp.with_name(tmp.name + ".wal")):  # a killed process's, with our pid
            stale.unlink(missing_ok=True)
        write(tmp)
        fault_point("publish:temp-written")
        _fsync(tmp)
        if check is not None:
            try:
                check(tmp)
            except PublishError as exc:
                raise PublishError(f"the copy for {target.name} {exc}") from None
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _write_in_format(source: Path, version: str) -> Callable[[Path], None]:
    """A writer of ``source`` in storage format ``version``: a byte copy if it already has one 1.x
    clients of ``version`` read, else a conversion."""
    try:
        file_format = file_storage_version(source)
    except duckdb.Error as exc:
        raise PublishError(f"{source}: does not open as a DuckDB file ({_first_line(exc)})") from None
    if _is_readable_by(file_format, version):
        return lambda tmp: shutil.copyfile(source, tmp)
    return lambda tmp: convert(source, tmp, version)


def _check_file(version_id: str, marts: Mapping[str, bool] | None = None, storage: str | None = None) -> Callable[[Path], None]:
    """A check that a file opens, carries ``version_id`` in ``audit.build_info`` (the build stamp),
    has every mart of ``marts`` and (if given) a storage format read from ``storage`` on."""

    def check(path: Path) -> None:
        try:
            with duckdb.connect(str(path), read_only=True) as conn:
                row = conn.execute("select max(version_id) from audit.build_info").fetchone() if _has_build_info(conn) else None
                names = {name for (name,) in conn.execute(
                    "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
                tags = conn.execute(
                    "select tags from duckdb_databases() where database_name = current_database()").fetchone()[0]
        except duckdb.Error as exc:
            raise PublishError(f"does not open as a DuckDB file ({_first_line(exc)})") from None
        if row is None:
            raise PublishError(f"has no build stamp (audit.build_info), expected version {version_id}")
        if row[0] != version_id:
            raise PublishError(f"carries version {row[0]}, not {version_id}")
        missing = sorted(set(marts or ()) - names)
        if missing:
            raise PublishError(f"lacks mart(s): {', '.join(missing)}")
        file_format = str(tags.get("storage_version", "")).rstrip("+")
        if storage and not _is_readable_by(file_format, storage):
            raise PublishError(f"has storage format {file_format}, which DuckDB {storage} cannot read")

    return check


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def clean_stale(target: Path) -> list[Path]:
    """Remove temporary files a killed publish left behind (never the published file)."""
    removed = []
    for folder in (target.parent, versions_dir(target)):
        if folder.is_dir():
            for tmp in [*folder.glob(".*.tmp"), *folder.glob(".*.tmp.wal")]:
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


# ---------------------------------------------------------------------------------------------
# publish, list, roll back
# ---------------------------------------------------------------------------------------------


def publish(build_db: Path, target: Path, *, checks: dict | None = None, repo: Path | None = None,
            marts: Mapping[str, bool] | None = None) -> dict:
    """Publish ``build_db`` as ``target``; returns the version's manifest.

    ``marts``: mart name -> must have rows (default :func:`expected_marts`, the dbt project's)."""
    build_db, target = Path(build_db), Path(target)
    if not build_db.exists():
        raise PublishError(f"{build_db}: nothing to publish (the build file does not exist)")
    marts = expected_marts() if marts is None else marts
    wanted = storage_version()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        vdir = versions_dir(target)
        vdir.mkdir(exist_ok=True)
        clean_stale(target)
        now = datetime.now(timezone.utc)
        version = now.strftime("%Y%m%dT%H%M%S%fZ")
        commit = git_commit(repo) if repo else None
        with duckdb.connect(str(build_db)) as conn:
            described = describe_build(conn)
            problems = mart_problems(described["row_counts"], marts)
            if problems:
                raise IncompleteBuild(f"{build_db}: not a complete build ({'; '.join(problems)}); nothing published")
            conn.execute(
                "create or replace table audit.build_info as select ?::varchar as version_id, ?::timestamptz as built_at, ?::varchar as git_commit",
                [version, now, commit],
            )
            conn.execute("checkpoint")
        manifest = {"version_id": version, "built_at": now.isoformat(), "git_commit": commit,
                    "storage_version": wanted, **described, "checks": checks or {}}
        version_file = vdir / f"{version}.duckdb"
        fault_point("publish:version-copy")
        _atomic_write(version_file, _write_in_format(build_db, wanted), _check_file(version, marts, wanted))
        _write_json(vdir / f"{version}{MANIFEST_SUFFIX}", manifest)
        fault_point("publish:replace")
        _atomic_write(target, lambda tmp: shutil.copyfile(version_file, tmp), _check_file(version))
        fault_point("publish:manifest")
        _write_json(target.with_suffix(MANIFEST_SUFFIX), manifest)
        prune(target, keep_versions())
    except OSError as exc:
        raise PublishError(
            f"{target}: cannot publish ({exc.strerror or exc}); the previously published version is untouched"
        ) from None
    except duckdb.Error as exc:
        raise PublishError(f"{build_db}: cannot publish ({_first_line(exc)}); the previously published version is untouched") from None
    except IncompleteBuild:
        raise
    except PublishError as exc:
        raise PublishError(f"{target}: {exc}; the previously published version is untouched") from None
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
    """The version id the published file carries; None if there is no published file (or it has no
    stamp). A file that exists but cannot be opened (e.g. another process holds it read-write) is a
    :class:`PublishError` saying why, never taken for "no version"."""
    target = Path(target)
    if not target.exists():
        return None
    try:
        with duckdb.connect(str(target), read_only=True) as conn:
            row = conn.execute(
                "select max(version_id) from audit.build_info"
                if _has_build_info(conn) else "select null").fetchone()
    except duckdb.Error as exc:
        raise PublishError(f"{target}: cannot read the published version ({_first_line(exc)})") from None
    return row[0]


def _has_build_info(conn: duckdb.DuckDBPyConnection) -> bool:
    return conn.execute("select count(*) from information_schema.tables "
                        "where table_schema = 'audit' and table_name = 'build_info'").fetchone()[0] > 0


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


def rollback(target: Path, version: str | None = None, *, wait: bool = False) -> dict:
    """Publish a kept version again (default: the one before the current); returns its manifest.

    Holds the build lock (no build publishes meanwhile); fails with the reason when the published
    version cannot be read, when the kept file does not carry the chosen version, or when the
    published file does not carry it afterwards."""
    target = Path(target)
    with build_lock(target, wait=wait, command="rollback"):
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
        vid = chosen["version_id"]
        source = versions_dir(target) / f"{vid}.duckdb"
        wanted = storage_version()
        try:
            _atomic_write(target, _write_in_format(source, wanted), _check_file(vid, storage=wanted))
            _write_json(target.with_suffix(MANIFEST_SUFFIX), chosen)
        except OSError as exc:
            raise PublishError(f"{target}: cannot roll back ({exc.strerror or exc}); the published version is untouched") from None
        except PublishError as exc:
            raise PublishError(f"{target}: cannot roll back to {vid} ({exc}); the published version is untouched") from None
        now = current_version(target)
        if now != vid:
            raise PublishError(f"{target}: carries version {now} after the rollback to {vid}")
    return chosen
