"""Loading parsed source files into DuckDB, with lineage, quarantine and a load log.

Every raw table holds all versions of every file ever loaded. A row carries its lineage
(``source``, ``file``, ``file_sha256``, ``sheet``, ``source_row``, ``load_id``, ``loaded_at``) and
``is_current``: loading the same bytes again changes nothing; a changed file is loaded as a new
version and the old version's rows are kept but marked ``is_current = false`` (superseded, never
duplicated); a file that left the folder has its rows marked not current too.

``audit.load_log`` records every load, ``audit.quarantine`` every row set aside, with its reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.results import ParseResult

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.load_log (
    load_id varchar primary key,
    source varchar not null,
    target_table varchar not null,
    file varchar not null,
    file_sha256 varchar,
    file_size_bytes bigint,
    status varchar not null,          -- loaded | unchanged | failed | removed
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_superseded bigint,
    message varchar,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists audit.quarantine (
    load_id varchar not null,
    source varchar not null,
    target_table varchar not null,
    file varchar not null,
    file_sha256 varchar not null,
    sheet varchar,
    "row" bigint,
    "column" varchar,
    raw_value varchar,
    reason varchar not null,
    quarantined_at timestamptz not null
);
"""

CHECKPOINT_THRESHOLD = "1GB"
COMMIT_ROWS = 500_000
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def connect(path: Path, read_only: bool = False):
    """A DuckDB connection to the file at ``path`` (created with its audit schema if new)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            conn.execute(AUDIT_DDL)
            # loads commit once per file: checkpoint when the connection closes, not every 16 MB of
            # WAL (235 DOTS workbooks: 74 s instead of 126 s to load)
            conn.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        conn.execute("set memory_limit = ?", [os.environ.get("CORRIDOR_DUCKDB_MEMORY", "3GB")])
        yield conn
    finally:
        conn.close()


@dataclass
class FileLoad:
    file: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    message: str = ""


@dataclass
class LoadReport:
    table: str
    files: list[FileLoad] = field(default_factory=list)

    @property
    def failed(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == "failed"]

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_unchanged": sum(f.status == "unchanged" for f in self.files),
            "files_failed": len(self.failed),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


def release_of(path: Path, source_root: Path) -> str:
    """The release a file belongs to: its sub-folder under the source folder
    (``raw/imf_dots/2023-06/DOTS_13.xlsx`` -> ``2023-06``), or ``base`` for files at the top.
    A later release (by name; name releases by date) supersedes an earlier one in the marts."""
    try:
        parts = path.relative_to(source_root).parts
    except ValueError:
        return "base"
    return "/".join(parts[:-1]) if len(parts) > 1 else "base"


def _table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        conn.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def load_files(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: str,
    table: str,
    files: Iterable[Path],
    root: Path,
    parse: Callable[[Path], ParseResult],
    transform: Callable[[ParseResult, Path], ParseResult] | None = None,
    progress: Callable[[str], None] | None = None,
    context_version: str = "",
) -> LoadReport:
    """Load every file into ``table`` incrementally (see the module docstring).

    ``parse`` turns a file into a :class:`ParseResult`; ``transform`` may move more rows to
    quarantine (e.g. names unknown to the crosswalk). A file that cannot be read is logged as
    ``failed`` with its one-line reason and the other files still load; the caller decides
    whether that fails the asset. ``context_version`` names everything besides the file's bytes
    that shapes its rows (parser version, crosswalk sha256): when it changes, files load again.
    """
    if not _IDENT.match(table):
        raise ValueError(f"not a schema.table name: {table!r}")
    report = LoadReport(table=table)
    files = sorted(Path(f) for f in files)
    present: set[str] = set()
    # what is loaded now, read once (not one scan of the table per file): file -> (sha256, context)
    current: dict[str, set[tuple[str, str]]] = {}
    # the table's columns, read once and kept up to date (empty: the table does not exist yet); one
    # catalog query per file cost ~20 ms, 5 s over 235 workbooks
    table_columns = _columns(conn, table)
    if table_columns:
        for rel, sha, context in conn.execute(
                f"select distinct file, file_sha256, load_context from {table} where is_current").fetchall():
            current.setdefault(rel, set()).add((sha, context))
    # files commit in batches of about COMMIT_ROWS rows (one commit per small file cost 65 ms each)
    in_transaction, pending_rows = False, 0
    try:
        for index, path in enumerate(files, 1):
            rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
            present.add(rel)
            started = datetime.now(timezone.utc)
            load_id = uuid.uuid4().hex
            try:
                sha = sha256_of(path)
                size = path.stat().st_size
            except OSError as exc:
                report.files.append(_log(conn, load_id, source, table, rel, None, None, "failed", started, message=f"{rel}: cannot be read ({exc.strerror})"))
                continue
            if (sha, context_version) in current.get(rel, ()):
                report.files.append(_log(conn, load_id, source, table, rel, sha, size, "unchanged", started))
                continue
            if progress:
                progress(f"[{source}] {index}/{len(files)} {rel}")
            try:
                result = parse(path)
                if transform is not None:
                    result = transform(result, path)
            except SourceFileError as exc:
                report.files.append(_log(conn, load_id, source, table, rel, sha, size, "failed", started, message=str(exc)))
                continue
            now = datetime.now(timezone.utc)
            rows = result.rows.with_columns(
                pl.lit(rel).alias("file"),
                pl.lit(release_of(path, root / rel.split("/", 1)[0]) if "/" in rel else "base").alias("release"),
                pl.lit(sha).alias("file_sha256"),
                pl.lit(load_id).alias("load_id"),
                pl.lit(now).alias("loaded_at"),
                pl.lit(context_version).alias("load_context"),
                pl.lit(True).alias("is_current"),
            )
            quarantine = result.quarantine.with_columns(
                pl.lit(rel).alias("file"),
                pl.lit(load_id).alias("load_id"),
                pl.lit(source).alias("source"),
                pl.lit(table).alias("target_table"),
                pl.lit(sha).alias("file_sha256"),
                pl.lit(now).alias("quarantined_at"),
            )
            missing = [c for c in rows.columns if c not in table_columns] if table_columns else []
            if missing and in_transaction:
                conn.execute("commit")  # a schema change goes in a transaction of its own
                in_transaction, pending_rows = False, 0
            if not in_transaction:
                conn.execute("begin transaction")
                in_transaction = True
            try:
                superseded = 0
                if not table_columns:
                    conn.execute(f"create table {table} as select * from rows limit 0")
                    table_columns = set(rows.columns)
                else:
                    _add_columns(conn, table, rows, missing)
                    table_columns.update(missing)
                    if rel in current:  # an earlier version of this file: its rows stop being current
                        superseded = conn.execute(
                            f"update {table} set is_current = false where file = ? and is_current", [rel]
                        ).fetchone()[0]
                conn.execute(f"insert into {table} by name select * from rows")
                conn.execute("insert into audit.quarantine by name select * from quarantine")
                entry = _log(
                    conn, load_id, source, table, rel, sha, size, "loaded", started,
                    rows_read=rows.height + quarantine.height, rows_loaded=rows.height,
                    rows_quarantined=quarantine.height, rows_superseded=superseded,
                )
            except Exception:
                conn.execute("rollback")  # this file and the uncommitted ones before it: they load next time
                in_transaction = False
                raise
            pending_rows += rows.height
            if pending_rows >= COMMIT_ROWS:
                conn.execute("commit")
                in_transaction, pending_rows = False, 0
            report.files.append(entry)
    finally:
        if in_transaction:  # the files loaded before an unexpected error stay loaded
            conn.execute("commit")

    for rel in sorted(set(current) - present):  # current before this load, no longer in the folder
        started = datetime.now(timezone.utc)
        n = conn.execute(f"update {table} set is_current = false where file = ? and is_current", [rel]).fetchone()[0]
        report.files.append(
            _log(conn, uuid.uuid4().hex, source, table, rel, None, None, "removed", started,
                 rows_superseded=n, message="file no longer in the raw folder; its rows are kept as superseded")
        )
    return report


LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "release": pl.String,
    "file_sha256": pl.String,
    "load_id": pl.String,
    "loaded_at": pl.Datetime("us", "UTC"),
    "load_context": pl.String,
    "is_current": pl.Boolean,
}


def ensure_table(conn: duckdb.DuckDBPyConnection, table: str, row_schema: dict[str, pl.DataType]) -> bool:
    """Create ``table`` empty (the parser's columns plus the lineage columns) if it does not exist,
    so that models reading a source with no files yet still build. Returns True if created."""
    if not _IDENT.match(table):
        raise ValueError(f"not a schema.table name: {table!r}")
    if _table_exists(conn, table):
        return False
    rows = pl.DataFrame(schema={**row_schema, **LINEAGE_SCHEMA})
    conn.execute(f"create table {table} as select * from rows limit 0")
    return True


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of ``table`` (empty when it does not exist)."""
    schema, name = table.split(".")
    return {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()}


def _add_columns(conn: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame, columns: list[str]) -> None:
    """Schema evolution: a column a newer parser adds is added to the table (older rows get null)."""
    for column in columns:
        duck_type = conn.sql(f'select "{column}" from rows').types[0]
        conn.execute(f'alter table {table} add column "{column}" {duck_type}')


def _log(conn, load_id, source, table, rel, sha, size, status, started, *, rows_read=0, rows_loaded=0,
         rows_quarantined=0, rows_superseded=0, message="") -> FileLoad:
    conn.execute(
        "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source, table, rel, sha, size, status, rows_read, rows_loaded, rows_quarantined,
         rows_superseded, message or None, started, datetime.now(timezone.utc)],
    )
    return FileLoad(rel, status, rows_read, rows_loaded, rows_quarantined, rows_superseded, message)
