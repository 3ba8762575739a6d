"""Serving proofs with processes that really die: SIGKILL during a build and at every fault point of
publishing, conversion and rollback; 16 concurrent readers during a rebuild; a second build while
one runs; idempotency. Every loop is bounded in time; nothing leaves this machine.

Cost: the warehouse is a copy of the session build (no build of its own to start from); two kills
during a real build (a build never writes the published file before publishing, so two points
suffice); the kills inside publishing run only the publish step (``lib.publish.publish`` in its own
process, on a copy of the build file) instead of a whole build each; one real rebuild (the readers'),
which also proves the next build needs no cleanup after all those kills. The tests run in file order.
"""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import publish
from orchestration.lib.lock import lock_path

REPO = Path(__file__).resolve().parents[1]
# lineage timestamps differ between two loads of the same bytes; every other column must not
VOLATILE = {"loaded_at", "valid_from", "valid_to"}
READERS = 16
PUBLISH = "import sys; from pathlib import Path; from orchestration.lib.publish import publish; publish(Path(sys.argv[1]), Path(sys.argv[2]))"
ROLLBACK = "import sys; from pathlib import Path; from orchestration.lib.publish import rollback; rollback(Path(sys.argv[1]))"


def env_for(wh: Path, **extra) -> dict:
    """The warehouse's own build file (beside it), dbt target and Dagster instance: nothing shared
    with the session's in-process builds, which must not see a killed build's leftovers."""
    env = {**os.environ, "CORRIDOR_WAREHOUSE": str(wh), "DBT_TARGET_PATH": str(wh.parent / "target"),
           "DAGSTER_HOME": str(wh.parent / "dagster_home"), "CORRIDOR_DOCS": "0", **extra}
    for name in ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_FOCUS", "CORRIDOR_STORAGE_VERSION"):
        env.pop(name, None)
    return env


def start(wh: Path, *args: str, **extra) -> subprocess.Popen:
    """``python -m orchestration.cli ARGS`` or, with ``-c``, a script, in its own process group."""
    cmd = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "-m", "orchestration.cli", *args]
    return subprocess.Popen(cmd, cwd=REPO, env=env_for(wh, **extra), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def mart_checksums(db: Path) -> dict[str, tuple[int, int, str]]:
    """table -> (rows, distinct rows, md5 of the sorted rows without volatile columns)."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        for table in tables:
            cols = [r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
                "order by ordinal_position", [table]).fetchall() if r[0] not in VOLATILE]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, distinct, digest = conn.execute(
                f"select count(*), count(distinct r), md5(coalesce(string_agg(r, '|' order by r), '')) "
                f"from (select ({select})::varchar as r from marts.\"{table}\")").fetchone()
            out[table] = (rows, distinct, digest)
    return out


def version_of(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("select version_id from audit.build_info").fetchone()[0]


def lock_held(wh: Path) -> bool:
    path = lock_path(wh)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


@pytest.fixture(scope="module")
def base(built_warehouse, tmp_path_factory):
    """A private copy of the session build's published warehouse (file, manifest, kept versions);
    the session build's wall time; its marts' checksums."""
    src = built_warehouse.parent
    wh = tmp_path_factory.mktemp("serving") / "wh" / "corridor.duckdb"
    wh.parent.mkdir(parents=True)
    for name in ("corridor.duckdb", "corridor.json"):
        shutil.copyfile(src / name, wh.parent / name)
    shutil.copytree(src / "versions", wh.parent / "versions")
    seconds = json.loads((src / "build_timings.json").read_text())["total_s"]
    return wh, seconds, mart_checksums(wh)


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline and text not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    return line


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()


def test_sigkill_at_any_point_leaves_the_published_warehouse_intact(base, tmp_path):
    wh, seconds, checksums = base
    v1_build = tmp_path / "build_v1.duckdb"  # a complete build in the publishing format (as the runner makes it)
    shutil.copyfile(wh, v1_build)
    v2_build = tmp_path / "build_v2.duckdb"  # a build in DuckDB 2.0's format: publishing converts it
    publish.convert(v1_build, v2_build, "v2.0.0")
    # (what runs, fault point or None, fraction of a full build's time to wait before SIGKILL)
    cases = [
        ("build", None, 0.15), ("build", None, 0.5),
        ("publish v1", "publish:version-copy", None), ("publish v2", "publish:convert", None),
        ("publish v2", "publish:temp-written", None), ("publish v1", "publish:replace", None),
        ("publish v1", "publish:manifest", None), ("rollback", "publish:temp-written", None),
    ]
    for what, point, fraction in cases:
        before_version = version_of(wh)
        before_bytes = wh.read_bytes()
        extra = {"CORRIDOR_FAULT_POINT": point, "CORRIDOR_FAULT_PAUSE": "120"} if point else {}
        if what == "build":
            proc = start(wh, "build", "--full", **extra)
        elif what == "rollback":
            proc = start(wh, "-c", ROLLBACK, str(wh), **extra)
        else:
            scratch = tmp_path / "publishing.duckdb"  # publishing stamps the build file: a fresh copy each time
            shutil.copyfile(v1_build if what == "publish v1" else v2_build, scratch)
            proc = start(wh, "-c", PUBLISH, str(scratch), str(wh), **extra)
        where = f"{what} at {point or f'{fraction:.0%} of a build'}"
        if point:
            assert f"fault point {point}" in wait_for_line(proc, f"fault point {point}"), f"{where}: never reached"
        else:
            time.sleep(seconds * fraction)
        kill(proc)
        # the published file opens, is the previous version, and its marts are unchanged
        if point == "publish:manifest":
            # killed after the atomic rename: the new version is published whole (only its json lags)
            assert version_of(wh) != before_version, where
            assert (wh.parent / "versions" / f"{version_of(wh)}.duckdb").exists(), where
        elif point is None and version_of(wh) != before_version:
            # the build finished publishing before the kill (machines differ in speed): then the
            # published file must be that complete, kept version
            assert (wh.parent / "versions" / f"{version_of(wh)}.duckdb").exists(), where
        else:
            assert version_of(wh) == before_version, where
            assert wh.read_bytes() == before_bytes, where
        assert publish.file_storage_version(wh) == "v1.0.0", where
        assert mart_checksums(wh) == checksums, where
        assert not lock_held(wh), f"{where}: the killed process's lock outlived it"


def test_16_readers_during_a_rebuild_see_one_published_version_each_time(base):
    """Also: a second build and a rollback during the rebuild are refused (exit 2, naming its pid),
    and the rebuild after the kills above needs no cleanup and leaves no temporary file."""
    wh, seconds, checksums = base
    old_version = version_of(wh)
    sql = ("select (select version_id from audit.build_info), count(*), round(sum(value_usd)), "
           "(select count(*) from marts.trade_growth) from marts.partner_shares")
    seen: list[tuple] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def reader():
        deadline = time.monotonic() + 900
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                with duckdb.connect(str(wh), read_only=True) as conn:  # a new reader each time
                    row = conn.execute(sql).fetchone()
                with lock:
                    seen.append(row)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.1)  # ~10 reads a second each: thousands over the rebuild, without starving it of the 2 cores

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    proc = start(wh, "build", "--full")
    try:
        deadline = time.monotonic() + 120
        while not lock_held(wh) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock_held(wh), "the rebuild never took the build lock"
        for args in (["build"], ["rollback"]):
            other = subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=REPO, env=env_for(wh),
                                   capture_output=True, text=True, timeout=120)
            assert other.returncode == 2, (args, other.stdout, other.stderr)
            lines = other.stderr.strip().splitlines()
            assert len(lines) == 1 and f"another build (pid {proc.pid}, started " in lines[0], (args, lines)
        out, _ = proc.communicate(timeout=900)
    finally:
        time.sleep(0.5)  # a few reads of the new version
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert proc.returncode == 0, out[-3000:]
    assert errors == []
    new_version = version_of(wh)
    assert new_version != old_version
    versions = {row[0] for row in seen}
    assert versions <= {old_version, new_version} and new_version in versions
    # every result matches exactly one published version: the same answer for the same version
    by_version = {}
    for row in seen:
        by_version.setdefault(row[0], set()).add(row[1:])
    assert all(len(answers) == 1 for answers in by_version.values()), by_version
    assert len(seen) > READERS * 10
    # idempotency: the rebuild from the same raw files has identical marts, without duplicates
    after = mart_checksums(wh)
    assert after == checksums
    assert all(rows == distinct for rows, distinct, _ in after.values())
    assert not list(wh.parent.glob(".*.tmp*")) and not list((wh.parent / "versions").glob(".*.tmp*"))
