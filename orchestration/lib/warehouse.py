"""Loading parsed source files into DuckDB: lineage held once, quarantine, duplicates, a load log.

Every raw table holds every version of every file ever loaded. A row carries only ``load_id``
(and the place in its file: ``sheet``, ``source_row`` where the parser gives them); everything about
the file — path, release, sha256, size, parser/crosswalk context, when — is held once, in
``audit.load_log``. ``audit.load_log.is_current`` says which load of each file the warehouse uses
now: loading the same bytes again changes nothing (``unchanged``); a changed file is loaded as a new
version and the previous load stops being current (its rows stay, superseded, never duplicated); a
file that left the folder is logged ``removed``. Staging models and checks read
``audit.load_log where is_current`` — the one definition of "current".

Two files of one release that deliver the same thing (e.g. two downloads of one reporter's
workbook; the parser names it in ``meta['delivery']``) are never counted twice: identical figures
load once and the second file is logged ``duplicate``; different figures — the later-dated delivery
(the workbook's own modified date, else the file's) wins and the other is logged ``superseded`` with
its figures set aside in ``audit.quarantine`` as one file-level row.

``audit.quarantine`` holds every cell, row or file set aside, with file, sheet, row, column, raw
value and reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from orchestration.constants import duckdb_memory
from orchestration.lib.errors import SourceFileError
from orchestration.lib.results import ParseResult, categorised

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create sequence if not exists audit.load_id_seq;
create table if not exists audit.load_log (
    load_id bigint primary key,
    source varchar not null,
    target_table varchar not null,
    file varchar not null,            -- path relative to the raw folder
    release varchar not null,         -- 'base' (top level) or the release sub-folder
    file_sha256 varchar,
    file_size_bytes bigint,
    load_context varchar,             -- parser version and reference versions that shaped the rows
    delivery varchar,                 -- what the file delivers (e.g. the reporter), for duplicates
    content_sha256 varchar,           -- sha256 of the parsed figures
    status varchar not null,          -- loaded | unchanged | duplicate | superseded | failed | removed
    is_current boolean not null,      -- this load's rows are the ones the warehouse uses now
    check_status varchar,             -- null until the source checks ran on it: passed | warned | failed
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    message varchar,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists audit.quarantine (
    load_id bigint not null,
    source varchar not null,
    target_table varchar not null,
    file varchar not null,
    sheet varchar,
    "row" bigint,
    "column" varchar,
    raw_value varchar,
    reason varchar not null,
    category varchar not null,        -- format | reference | duplicate (orchestration.lib.results)
    quarantined_at timestamptz not null
);
"""

CHECKPOINT_THRESHOLD = "1GB"
COMMIT_ROWS = 500_000
# files parsed in worker processes when there are at least this many to parse
PARALLEL_MIN_FILES = 12
# parsed files waiting for this process (or being parsed), per worker
IN_FLIGHT_PER_WORKER = 2
# seconds between two progress lines of a load
PROGRESS_EVERY_S = 2.0
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
LOAD_ID = {"load_id": pl.Int64}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def layout_is_current(path: Path) -> bool:
    """Whether an existing build file has the audit tables this version of Corridor writes (a build
    file of an older Corridor is rebuilt from the raw files rather than migrated: it holds nothing
    the raw folder does not)."""
    expected = {
        "load_log": set(re.findall(r"^\s{4}(\w+) ", AUDIT_DDL.split("create table if not exists audit.load_log")[1].split(");")[0], re.M)),
        "quarantine": set(re.findall(r"^\s{4}\"?(\w+)\"? ", AUDIT_DDL.split("create table if not exists audit.quarantine")[1].split(");")[0], re.M)),
    }
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            for table, columns in expected.items():
                found = {r[0] for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema = 'audit' and table_name = ?",
                    [table]).fetchall()}
                if found and not columns <= found:
                    return False
    except duckdb.Error:
        return False
    return True


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
            # loads commit in batches: checkpoint when the connection closes, not every 16 MB of WAL
            conn.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        conn.execute("set memory_limit = ?", [duckdb_memory()])
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
    message: str = ""
    load_id: int | None = None


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
            "files_duplicate": sum(f.status in ("duplicate", "superseded") for f in self.files),
            "files_failed": len(self.failed),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


def release_of(path: Path, source_root: Path) -> str:
    """The release a file belongs to: its sub-folder under the source folder
    (``raw/imf_dots/2023-06/DOTS_13.xlsx`` -> ``2023-06``), or ``base`` for files at the top.

    Releases are ordered by :func:`release_order`: ``base`` is the oldest, then the sub-folders by
    name (name them by date, ``YYYY-MM`` or ``YYYY-MM-DD``); a later release supersedes an earlier
    one in the marts."""
    try:
        parts = path.relative_to(source_root).parts
    except ValueError:
        return "base"
    return "/".join(parts[:-1]) if len(parts) > 1 else "base"


def release_order(release: str) -> tuple[int, str]:
    """The sort key of a release: ``base`` first (oldest), then sub-folder names in text order.
    dbt's macro ``release_sort_key`` is the same rule in SQL."""
    return (0, "") if release == "base" else (1, release)


def _table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns(conn, table))


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of ``table`` (empty when it does not exist)."""
    schema, name = table.split(".")
    return {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()}


def ensure_table(conn: duckdb.DuckDBPyConnection, table: str, row_schema: dict[str, pl.DataType]) -> bool:
    """Create ``table`` empty (the parser's columns plus ``load_id``) if it does not exist, so that
    models reading a source with no files yet still build. Returns True if created."""
    if not _IDENT.match(table):
        raise ValueError(f"not a schema.table name: {table!r}")
    if _table_exists(conn, table):
        return False
    rows = pl.DataFrame(schema={**row_schema, **LOAD_ID})
    conn.execute(f"create table {table} as select * from rows limit 0")
    return True


def content_sha256(rows: pl.DataFrame) -> str:
    """A fingerprint of a file's figures, whatever their order and place in the file (sheet and row
    left out): the row count and the order-independent sum of polars' row hashes (fixed seeds)."""
    figures = rows.drop([c for c in ("sheet", "source_row") if c in rows.columns])
    if figures.width == 0 or figures.height == 0:
        return hashlib.sha256(f"rows:{figures.height}".encode()).hexdigest()
    import numpy as np

    total = int(np.add.reduce(figures.hash_rows(seed=0).to_numpy(), dtype=np.uint64))  # wraps modulo 2**64
    return hashlib.sha256(f"rows:{figures.height};polars:{pl.__version__};sum:{total}".encode()).hexdigest()


def delivery_date(path: Path) -> datetime:
    """When a file was delivered: the workbook's own modified date (docProps/core.xml) where it has
    one, else the file's modification time."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            core = zf.read("docProps/core.xml").decode("utf-8", "replace")
        found = re.search(r"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>", core)
        if found:
            return datetime.fromisoformat(found.group(1).strip().replace("Z", "+00:00"))
    except Exception:  # not a zip, no core properties, unparseable date: the file's own time
        pass
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


class ParseFailure(str):
    """The one-line message of a file that cannot be read (a str, so it crosses process boundaries)."""


def _parse_one(parse: Callable[[Path], ParseResult], path: Path) -> ParseResult | ParseFailure:
    try:
        return parse(path)
    except SourceFileError as exc:
        return ParseFailure(str(exc))


def parse_files(parse: Callable[[Path], ParseResult], paths: list[Path], workers: int | None = None):
    """``(path, ParseResult | ParseFailure)`` for every path, in order; parsed in worker processes
    (one per core) when there are many files and ``parse`` can be sent to them."""
    workers = workers or int(os.environ.get("CORRIDOR_PARSE_WORKERS", os.cpu_count() or 1))
    if workers > 1 and len(paths) >= PARALLEL_MIN_FILES and getattr(parse, "__module__", None) and "<locals>" not in getattr(parse, "__qualname__", "<locals>"):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # a bounded window of files in flight, not Executor.map (it submits every file: when the
        # workers parse faster than this process inserts, the parsed files pile up here; the build
        # of 10 million Comtrade records peaked at 4 GB)
        queue: deque = deque()
        todo = iter(paths)
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for path in todo:
                queue.append((path, pool.submit(_parse_one, parse, path)))
                if len(queue) >= IN_FLIGHT_PER_WORKER * workers:
                    break
            while queue:
                path, future = queue.popleft()
                result = future.result()
                following = next(todo, None)
                if following is not None:
                    queue.append((following, pool.submit(_parse_one, parse, following)))
                yield path, result
        return
    for path in paths:
        yield path, _parse_one(parse, path)


@dataclass
class _Prior:
    load_id: int
    status: str
    sha: str | None
    context: str | None
    release: str
    delivery: str | None
    content: str | None


def _prior_loads(conn, table: str) -> dict[str, _Prior]:
    """The latest decisive entry of every file of ``table`` in the load log."""
    rows = conn.execute(
        """
        select file, load_id, status, file_sha256, load_context, release, delivery, content_sha256
        from audit.load_log
        where target_table = ? and status in ('loaded', 'duplicate', 'superseded', 'removed')
        qualify row_number() over (partition by file order by load_id desc) = 1
        """,
        [table],
    ).fetchall()
    return {r[0]: _Prior(*r[1:]) for r in rows}


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

    ``parse`` turns a file into a :class:`ParseResult`; ``transform`` (run in this process) may move
    more rows to quarantine (e.g. names unknown to the crosswalk). A file that cannot be read is
    logged ``failed`` with its one-line reason and the other files still load; the caller decides
    whether that fails the asset. ``context_version`` names everything besides the file's bytes that
    shapes its rows (parser version, crosswalk sha256): when it changes, files load again.
    """
    if not _IDENT.match(table):
        raise ValueError(f"not a schema.table name: {table!r}")
    report = LoadReport(table=table)
    prior = _prior_loads(conn, table)
    listed: list[tuple[Path, str, str]] = []
    for path in sorted(Path(f) for f in files):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        listed.append((path, rel, release_of(path, root / rel.split("/", 1)[0]) if "/" in rel else "base"))
    present = {rel for _, rel, _ in listed}
    # current deliveries of files still in the folder: (release, delivery) -> file
    deliveries = {(p.release, p.delivery): rel for rel, p in prior.items()
                  if p.status == "loaded" and p.delivery and rel in present}

    batch = _Batch(conn, table, _columns(conn, table))
    try:
        todo: list[tuple[Path, str, str, int, str]] = []
        for path, rel, release in listed:
            started = _now()
            try:
                sha, size = sha256_of(path), path.stat().st_size
            except OSError as exc:
                report.files.append(_log(conn, source, table, rel, release, None, None, context_version, "failed", started,
                                         current=None, message=f"{rel}: cannot be read ({exc.strerror})"))
                continue
            p = prior.get(rel)
            if p is not None and p.status == "loaded" and (p.sha, p.context) == (sha, context_version):
                report.files.append(_log(conn, source, table, rel, release, sha, size, context_version, "unchanged",
                                         started, current=None, delivery=p.delivery, content=p.content))
                continue
            todo.append((path, rel, sha, size, release))

        parsed = parse_files(parse, [t[0] for t in todo])
        reported = 0.0
        for index, ((path, rel, sha, size, release), (_, result)) in enumerate(zip(todo, parsed), 1):
            started = _now()
            if progress and (index in (1, len(todo)) or time.monotonic() - reported >= PROGRESS_EVERY_S):
                # at most one line per PROGRESS_EVERY_S: each is an event in the Dagster run's log
                # (~8 ms apiece; one per file was 2 s of a 235-workbook load)
                progress(f"[{source}] {index}/{len(todo)} {rel}")
                reported = time.monotonic()
            if not isinstance(result, ParseFailure) and transform is not None:
                try:
                    result = transform(result, path)
                except SourceFileError as exc:
                    result = ParseFailure(str(exc))
            if isinstance(result, ParseFailure):
                report.files.append(_log(conn, source, table, rel, release, sha, size, context_version, "failed", started,
                                         current=None, message=str(result)))
                continue
            report.files.append(_load_one(
                conn, batch, report, source=source, table=table, root=root, path=path, rel=rel, sha=sha, size=size,
                release=release, result=result, context=context_version, started=started, deliveries=deliveries,
                prior=prior))

        for rel in sorted(set(prior) - present):  # loaded before, no longer in the folder
            if prior[rel].status == "removed":
                continue
            started = _now()
            _uncurrent(conn, table, rel)
            report.files.append(_log(conn, source, table, rel, prior[rel].release, None, None, context_version, "removed",
                                     started, current=False,
                                     message="file no longer in the raw folder; its rows are kept as superseded"))
    finally:
        batch.close()
    report.files.sort(key=lambda f: f.file)  # stable: a file's entries keep their order
    return report


def _uncurrent(conn, table: str, rel: str) -> None:
    """The current load of a file stops being current."""
    conn.execute("update audit.load_log set is_current = false where target_table = ? and file = ? and is_current",
                 [table, rel])


def _load_one(conn, batch: "_Batch", report: LoadReport, *, source, table, root, path, rel, sha, size, release,
              result: ParseResult, context, started, deliveries, prior) -> FileLoad:
    rows, quarantine = result.rows, result.quarantine
    delivery = result.meta.get("delivery")
    content = content_sha256(rows)
    other = deliveries.get((release, delivery)) if delivery else None
    if other is not None and other != rel:
        other_content = batch.contents.get(other) or (prior[other].content if other in prior else None)
        if other_content == content:
            return _log(conn, source, table, rel, release, sha, size, context, "duplicate", started, current=False,
                        delivery=delivery, content=content, rows_read=rows.height,
                        message=f"the same {rows.height} figures as {other} ({delivery!r}): counted once, from {other}")
        if delivery_date(path) < delivery_date(_abs(root, other)):
            reason = (f"delivery of {delivery!r} superseded by {other} (a later-dated delivery of the same release with "
                      f"different figures); the {rows.height} figures of this file are not loaded")
            load_id = _next_id(conn)
            _quarantine_file(batch, load_id, source, table, rel, delivery, reason, started)
            return _log(conn, source, table, rel, release, sha, size, context, "superseded", started, current=False,
                        load_id=load_id, delivery=delivery, content=content, rows_read=rows.height, rows_quarantined=1,
                        message=reason)
        # the new file wins (later-dated; on the same date, the later file name): the other stops being current
        reason = (f"delivery of {delivery!r} superseded by {rel} (a later-dated delivery of the same release with "
                  f"different figures); its figures are no longer current")
        _uncurrent(conn, table, other)
        load_id = _next_id(conn)
        _quarantine_file(batch, load_id, source, table, other, delivery, reason, started)
        report.files.append(_log(conn, source, table, other, release, None, None, context, "superseded", started,
                                 current=False, load_id=load_id, delivery=delivery, rows_quarantined=1, message=reason))
    load_id = _next_id(conn)
    _uncurrent(conn, table, rel)
    batch.add(rows.with_columns(pl.lit(load_id, pl.Int64).alias("load_id")), quarantine.with_columns(
        pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(rel).alias("file"), pl.lit(source).alias("source"),
        pl.lit(table).alias("target_table"), pl.lit(started).alias("quarantined_at"), categorised(quarantine),
    ))
    batch.contents[rel] = content
    if delivery:
        deliveries[(release, delivery)] = rel
    return _log(conn, source, table, rel, release, sha, size, context, "loaded", started, current=True, load_id=load_id,
                delivery=delivery, content=content, rows_read=rows.height + quarantine.height, rows_loaded=rows.height,
                rows_quarantined=quarantine.height)


def _abs(root: Path, rel: str) -> Path:
    return root / rel


def _quarantine_file(batch, load_id, source, table, rel, delivery, reason, started) -> None:
    """One file-level quarantine row: the whole file set aside, with the reason."""
    frame = pl.DataFrame({"load_id": [load_id], "source": [source], "target_table": [table], "file": [rel], "sheet": [None],
                          "row": [None], "column": [None], "raw_value": [delivery], "reason": [reason],
                          "category": ["duplicate"], "quarantined_at": [started]},
                         schema={"load_id": pl.Int64, "source": pl.String, "target_table": pl.String, "file": pl.String,
                                 "sheet": pl.String, "row": pl.Int64, "column": pl.String, "raw_value": pl.String,
                                 "reason": pl.String, "category": pl.String,
                                 "quarantined_at": pl.Datetime("us", "UTC")})
    batch.add(None, frame)


class _Batch:
    """Rows of several files inserted together (one insert per ~COMMIT_ROWS rows, one transaction)."""

    def __init__(self, conn, table: str, columns: set[str]) -> None:
        self.conn, self.table, self.columns = conn, table, columns
        self.rows: list[pl.DataFrame] = []
        self.quarantine: list[pl.DataFrame] = []
        self.pending = 0
        self.contents: dict[str, str] = {}
        conn.execute("begin transaction")
        self.open = True

    def add(self, rows: pl.DataFrame | None, quarantine: pl.DataFrame) -> None:
        if rows is not None:
            self.rows.append(rows)
            self.pending += rows.height
        if quarantine.height:
            self.quarantine.append(quarantine)
        if self.pending >= COMMIT_ROWS:
            self.flush()
            self.conn.execute("commit")
            self.conn.execute("begin transaction")

    def flush(self) -> None:
        conn = self.conn
        if self.rows:
            rows = pl.concat(self.rows, how="diagonal_relaxed")
            self.rows, self.pending = [], 0
            if not self.columns:
                conn.execute(f"create table {self.table} as select * from rows limit 0")
                self.columns = set(rows.columns)
            missing = [c for c in rows.columns if c not in self.columns]
            for column in missing:  # schema evolution: a column a newer parser adds (older rows get null)
                duck_type = conn.sql(f'select "{column}" from rows').types[0]
                conn.execute(f'alter table {self.table} add column "{column}" {duck_type}')
                self.columns.add(column)
            conn.execute(f"insert into {self.table} by name select * from rows")
        if self.quarantine:
            quarantine = pl.concat(self.quarantine, how="diagonal_relaxed")
            self.quarantine = []
            conn.execute("insert into audit.quarantine by name select * from quarantine")

    def close(self) -> None:
        """Insert what is pending and commit: the files loaded before an unexpected error stay loaded."""
        if self.open:
            try:
                self.flush()
            finally:
                self.conn.execute("commit")
                self.open = False


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _next_id(conn) -> int:
    return conn.execute("select nextval('audit.load_id_seq')").fetchone()[0]


def _log(conn, source, table, rel, release, sha, size, context, status, started, *, current: bool | None = False,
         load_id: int | None = None, delivery=None, content=None, rows_read=0, rows_loaded=0, rows_quarantined=0,
         message="") -> FileLoad:
    """One entry of audit.load_log. ``current=None`` (unchanged, failed) leaves which load is current as it was."""
    load_id = load_id if load_id is not None else _next_id(conn)
    conn.execute(
        "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source, table, rel, release, sha, size, context, delivery, content, status, bool(current), None,
         rows_read, rows_loaded, rows_quarantined, message or None, started, _now()],
    )
    return FileLoad(rel, status, rows_read, rows_loaded, rows_quarantined, message, load_id)
