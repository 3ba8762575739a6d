"""Serving proofs on real builds: idempotency, 16 concurrent readers during a rebuild, SIGKILL at
ten points of a build. Every loop is bounded in time; nothing leaves this machine."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
# lineage timestamps differ between two loads of the same bytes; every other column must not
VOLATILE = {"loaded_at", "valid_from", "valid_to"}
READERS = 16


def env_for(wh: Path, **extra) -> dict:
    env = {**os.environ, "CORRIDOR_WAREHOUSE": str(wh), "DBT_TARGET_PATH": str(wh.parent / "target"),
           "CORRIDOR_DOCS": "0", **extra}
    for name in ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_FOCUS"):
        env.pop(name, None)
    return env


def start_build(wh: Path, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "build"], cwd=REPO, env=env_for(wh, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def run_build(wh: Path) -> float:
    started = time.perf_counter()
    proc = start_build(wh)
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out[-3000:]
    return time.perf_counter() - started


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


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    wh = tmp_path_factory.mktemp("serving") / "wh" / "corridor.duckdb"
    seconds = run_build(wh)
    return wh, seconds, mart_checksums(wh)


def test_16_readers_during_a_rebuild_see_one_published_version_each_time(base):
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
            time.sleep(0.02)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    proc = start_build(wh)
    try:
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


# (fault point or None, fraction of a full build's time to wait before SIGKILL)
KILL_POINTS = [
    (None, 0.05), (None, 0.12), (None, 0.20), (None, 0.28), (None, 0.36), (None, 0.45), (None, 0.55),
    ("publish:version-copy", None), ("publish:temp-written", None), ("publish:replace", None), ("publish:manifest", None),
]


def test_sigkill_at_any_point_leaves_the_published_warehouse_intact(base):
    wh, seconds, checksums = base
    for point, fraction in KILL_POINTS:
        before_version = version_of(wh)
        before_bytes = wh.read_bytes()
        extra = {"CORRIDOR_FAULT_POINT": point, "CORRIDOR_FAULT_PAUSE": "120"} if point else {}
        proc = start_build(wh, **extra)
        if point:
            deadline = time.monotonic() + 600
            line = ""
            while time.monotonic() < deadline and f"fault point {point}" not in line:
                line = proc.stdout.readline()
                if not line and proc.poll() is not None:
                    break
            assert f"fault point {point}" in line, f"build never reached {point}"
        else:
            time.sleep(seconds * fraction)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        # the published file opens, is the previous version, and its marts are unchanged
        where = point or f"{fraction:.0%} of a build"
        if point == "publish:manifest":
            # killed after the atomic rename: the new version is published whole (only its json lags)
            assert version_of(wh) != before_version, where
        elif point is None and version_of(wh) != before_version:
            # the build finished publishing before the kill (machines differ in speed): then the
            # published file must be that complete, kept version
            assert (wh.parent / "versions" / f"{version_of(wh)}.duckdb").exists(), where
        else:
            assert version_of(wh) == before_version, where
            assert wh.read_bytes() == before_bytes, where
        assert mart_checksums(wh) == checksums, where
    # the next build succeeds with no manual cleanup, and no temporary files are left behind
    run_build(wh)
    assert mart_checksums(wh) == checksums
    assert not list(wh.parent.glob(".*.tmp")) and not list((wh.parent / "versions").glob(".*.tmp"))
