"""Publishing on real DuckDB files: versions, manifest, storage format, rollback, readers, failures,
and the build lock. No build runs here (the session build is read by test_compat / test_export)."""

import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from orchestration import cli
from orchestration.lib import publish
from orchestration.lib.errors import ConfigError
from orchestration.lib.lock import BuildLockHeld, build_lock, lock_path
from orchestration.lib.warehouse import AUDIT_DDL

MARTS = publish.expected_marts()


def make_build(path, marker: int, *, skip: tuple[str, ...] = (), empty: tuple[str, ...] = (), storage: str = "v1.0.0"):
    """A build file with the audit schema and every mart of the dbt project (1000 rows each, or none),
    created in storage format ``storage`` as the build runner does (``v2.0.0``: DuckDB 2.0's default)."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    publish.create_build_db(path, storage)
    with duckdb.connect(str(path)) as conn:
        conn.execute(AUDIT_DDL)
        conn.execute("create schema if not exists marts")
        for name in MARTS:
            if name not in skip:
                rows = 0 if name in empty else 1000
                conn.execute(f'create table marts."{name}" as select ?::int as marker, range as i from range(?)', [marker, rows])
    return path


@pytest.fixture
def dirs(tmp_path):
    (tmp_path / "build").mkdir()
    return tmp_path / "build" / "corridor.duckdb", tmp_path / "corridor.duckdb"


def marker(path):
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select distinct marker from marts.partner_shares").fetchone()[0]


def test_publish_writes_version_manifest_and_stamp(dirs):
    build, target = dirs
    manifest = publish.publish(make_build(build, 1), target)
    assert marker(target) == 1
    assert publish.current_version(target) == manifest["version_id"]
    assert manifest["row_counts"]["marts.partner_shares"] == 1000
    assert manifest["storage_version"] == "v1.0.0"
    assert (target.parent / "corridor.json").exists()
    assert [v["version_id"] for v in publish.list_versions(target)] == [manifest["version_id"]]


def test_the_dbt_project_marts_are_expected_and_the_trade_core_must_have_rows():
    assert {"partner_shares", "trade_growth", "fct_trade_flows", "claim_checks", "fdi_by_origin"} <= set(MARTS)
    assert MARTS["partner_shares"] and MARTS["fct_trade_flows"] and not MARTS["company_registry"]


# ---------------------------------------------------------------------------------------------
# storage format: DuckDB 1.x clients read the published file (test_compat runs a real 1.x client)
# ---------------------------------------------------------------------------------------------


def test_a_build_in_duckdb_2_format_is_published_in_the_1x_format(dirs):
    build, target = dirs
    make_build(build, 1, storage="v2.0.0")
    assert publish.file_storage_version(build) == "v2.0.0"
    manifest = publish.publish(build, target)
    assert publish.file_storage_version(target) == "v1.0.0"
    version_file = target.parent / "versions" / f"{manifest['version_id']}.duckdb"
    assert publish.file_storage_version(version_file) == "v1.0.0"
    assert marker(target) == 1
    with open(target, "rb") as fh:  # the header's storage number: 64, the one every DuckDB >= 1.0 accepts
        assert int.from_bytes(fh.read(20)[12:20], "little") == 64


def test_a_build_created_in_the_publishing_format_is_copied_without_conversion(dirs):
    build, target = dirs
    publish.create_build_db(build)
    assert publish.file_storage_version(build) == "v1.0.0"
    with duckdb.connect(str(build)) as conn:  # later connections (loader, dbt) keep the file's format
        conn.execute(AUDIT_DDL)
        conn.execute("create schema marts")
        for name in MARTS:
            conn.execute(f'create table marts."{name}" as select 7 as marker, range as i from range(10)')
    assert publish.file_storage_version(build) == "v1.0.0"
    manifest = publish.publish(build, target)
    # no conversion: the version file and the published file are byte copies of the stamped build
    version_file = target.parent / "versions" / f"{manifest['version_id']}.duckdb"
    assert version_file.read_bytes() == build.read_bytes() == target.read_bytes()
    assert marker(target) == 7


def test_storage_version_is_configurable(dirs, monkeypatch):
    build, target = dirs
    monkeypatch.setenv("CORRIDOR_STORAGE_VERSION", "v1.4.0")
    publish.publish(make_build(build, 1, storage="v2.0.0"), target)
    assert publish.file_storage_version(target) == "v1.4.0"
    publish.publish(make_build(build, 1, storage="v1.0.0"), target)  # DuckDB 1.4 reads it: copied as it is
    assert publish.file_storage_version(target) == "v1.0.0"
    monkeypatch.setenv("CORRIDOR_STORAGE_VERSION", "latest")
    publish.publish(make_build(build, 2, storage="v2.0.0"), target)
    assert publish.file_storage_version(target) == "v2.0.0"
    for bad, message in (("1.4", "expected a DuckDB release"), ("v0.10.2", "no storage format older than v1.0.0"),
                         ("v1.9.0", "not a known DuckDB version")):
        monkeypatch.setenv("CORRIDOR_STORAGE_VERSION", bad)
        with pytest.raises(ConfigError, match=message):
            publish.publish(make_build(build, 3), target)
    assert marker(target) == 2


# ---------------------------------------------------------------------------------------------
# never publish a file that lacks its marts or its stamp
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["no marts", "one missing", "trade core empty"])
def test_an_incomplete_build_is_never_published(dirs, kind):
    build, target = dirs
    first = publish.publish(make_build(build, 1), target)
    before = target.read_bytes()
    if kind == "no marts":  # e.g. another build deleted the file and started over
        make_build(build, 2, skip=tuple(MARTS))
        expected = r"mart\(s\) missing: claim_checks, company_registry, "
    elif kind == "one missing":
        make_build(build, 2, skip=("trade_growth",))
        expected = r"mart\(s\) missing: trade_growth\)"
    else:
        make_build(build, 2, empty=("partner_shares", "company_registry"))  # the registry may be empty
        expected = r"mart\(s\) empty: partner_shares\)"
    with pytest.raises(publish.IncompleteBuild, match=expected) as err:
        publish.publish(build, target)
    assert "nothing published" in str(err.value) and "\n" not in str(err.value)
    assert target.read_bytes() == before
    assert [v["version_id"] for v in publish.list_versions(target)] == [first["version_id"]]


def test_a_copy_that_lost_its_stamp_is_not_renamed_into_place(dirs, monkeypatch):
    """The checked copy: a version file that does not carry the version being published is refused."""
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    before = target.read_bytes()
    other = make_build(target.parent / "other.duckdb", 9)  # a complete file with no audit.build_info
    monkeypatch.setattr(publish, "_write_in_format", lambda source, version: lambda tmp: publish.shutil.copyfile(other, tmp))
    with pytest.raises(publish.PublishError, match=r"the copy for \d{8}T\d+Z.duckdb has no build stamp \(audit.build_info\), expected version \d{8}T.*previously published version is untouched"):
        publish.publish(make_build(build, 2), target)
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".*.tmp")) and not list((target.parent / "versions").glob(".*.tmp"))


# ---------------------------------------------------------------------------------------------
# versions and rollback
# ---------------------------------------------------------------------------------------------


def test_keeps_last_n_versions_and_rolls_back(dirs, monkeypatch):
    build, target = dirs
    monkeypatch.setenv("CORRIDOR_KEEP_VERSIONS", "2")
    ids = [publish.publish(make_build(build, i), target)["version_id"] for i in (1, 2, 3)]
    assert [v["version_id"] for v in publish.list_versions(target)] == [ids[2], ids[1]]
    assert marker(target) == 3
    chosen = publish.rollback(target)
    assert chosen["version_id"] == ids[1] and marker(target) == 2
    assert publish.current_version(target) == ids[1]
    publish.rollback(target, ids[2])
    assert marker(target) == 3
    with pytest.raises(publish.PublishError, match="is not kept"):
        publish.rollback(target, ids[0])


def test_rollback_to_a_version_kept_in_duckdb_2_format_publishes_it_in_the_1x_format(dirs):
    build, target = dirs
    old = publish.publish(make_build(build, 1), target)["version_id"]
    publish.publish(make_build(build, 2), target)
    kept = target.parent / "versions" / f"{old}.duckdb"
    publish.convert(kept, kept.with_name("v2.duckdb"), "v2.0.0")  # as a version published before this change
    os.replace(kept.with_name("v2.duckdb"), kept)
    assert publish.file_storage_version(kept) == "v2.0.0"
    # a killed process with our pid left its temporary file (a whole database) where the conversion writes
    make_build(target.parent / f".corridor.duckdb.{os.getpid()}.tmp", 5)
    publish.rollback(target, old)
    assert publish.current_version(target) == old and marker(target) == 1
    assert publish.file_storage_version(target) == "v1.0.0"


@pytest.fixture
def writer():
    """Another process holding a DuckDB file read-write (as `duckdb warehouse/corridor.duckdb` does)."""
    procs = []

    def hold(path):
        proc = subprocess.Popen(
            [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "open"
        procs.append(proc)
        return proc

    yield hold
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_rollback_fails_with_the_reason_when_another_process_holds_the_warehouse(dirs, writer, monkeypatch, capsys):
    """Today's defect: the current version could not be read, was taken for 'none', and the newest
    version (the current one) was 'rolled back' to, with exit 0."""
    build, target = dirs
    ids = [publish.publish(make_build(build, i), target)["version_id"] for i in (1, 2)]
    holder = writer(target)
    with pytest.raises(publish.PublishError, match=r"cannot read the published version \(.*lock.*\)") as err:
        publish.rollback(target)
    assert f"(PID {holder.pid})" in str(err.value) and "\n" not in str(err.value)
    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(target))
    assert cli.main(["rollback"]) == 1
    out, errout = capsys.readouterr()
    assert "rolled back" not in out
    assert len(errout.strip().splitlines()) == 1 and "cannot read the published version" in errout
    holder.stdin.close()
    holder.wait(timeout=30)
    assert publish.current_version(target) == ids[1]


def test_rollback_never_claims_a_version_the_file_does_not_carry(dirs, monkeypatch, capsys):
    build, target = dirs
    ids = [publish.publish(make_build(build, i), target)["version_id"] for i in (1, 2, 3)]
    vdir = target.parent / "versions"
    # a kept file that is not what its name says (copied over by hand, restored from a wrong backup)
    vdir.joinpath(f"{ids[0]}.duckdb").write_bytes(vdir.joinpath(f"{ids[2]}.duckdb").read_bytes())
    before = target.read_bytes()
    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(target))
    assert cli.main(["rollback", ids[0]]) == 1
    out, errout = capsys.readouterr()
    assert "rolled back" not in out
    assert f"carries version {ids[2]}, not {ids[0]}" in errout and "published version is untouched" in errout
    assert target.read_bytes() == before
    assert cli.main(["rollback", ids[1]]) == 0
    assert f"is now version {ids[1]}" in capsys.readouterr().out and marker(target) == 2


def test_read_only_connection_refuses_writes(dirs):
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    with duckdb.connect(str(target), read_only=True) as conn:
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("delete from marts.partner_shares")


def test_reader_with_old_file_open_keeps_its_view(dirs):
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    reader = duckdb.connect(str(target), read_only=True)
    try:
        publish.publish(make_build(build, 2), target)
        assert reader.execute("select distinct marker from marts.partner_shares").fetchone()[0] == 1
        assert reader.execute("select count(*) from marts.partner_shares").fetchone()[0] == 1000
    finally:
        reader.close()
    assert marker(target) == 2


# ---------------------------------------------------------------------------------------------
# failures leave the published file as it was
# ---------------------------------------------------------------------------------------------


def test_unwritable_versions_folder_is_a_clear_error(dirs):
    """The folder publishing must write into cannot be created (works as root, unlike chmod)."""
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    versions = target.parent / "versions"
    for f in versions.iterdir():
        f.unlink()
    versions.rmdir()
    versions.write_text("a file where the versions folder should be")
    with pytest.raises(publish.PublishError, match="cannot publish .*previously published version is untouched"):
        publish.publish(make_build(build, 2), target)
    assert marker(target) == 1


def test_failed_copy_leaves_published_file_and_no_temp(dirs, monkeypatch):
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    before = target.read_bytes()

    def disk_full(src, dst):
        with open(dst, "wb") as fh:
            fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish.shutil, "copyfile", disk_full)
    with pytest.raises(publish.PublishError, match="No space left on device.*untouched"):
        publish.publish(make_build(build, 2), target)
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".*.tmp")) and not list((target.parent / "versions").glob(".*.tmp"))


def test_stale_temp_files_from_a_killed_publish_are_cleaned(dirs):
    build, target = dirs
    stale = target.parent / ".corridor.duckdb.99999.tmp"
    stale.write_bytes(b"half a file")
    (target.parent / "versions").mkdir()
    stale_wal = target.parent / "versions" / ".2026.duckdb.99999.tmp.wal"  # a killed conversion's WAL
    stale_wal.write_bytes(b"wal")
    publish.publish(make_build(build, 1), target)
    assert not stale.exists() and not stale_wal.exists()
    assert marker(target) == 1


# ---------------------------------------------------------------------------------------------
# one build at a time (lib/lock.py); test_serving_proofs races two real builds
# ---------------------------------------------------------------------------------------------


def test_a_second_holder_is_told_who_holds_the_lock(tmp_path):
    wh = tmp_path / "corridor.duckdb"
    with build_lock(wh) as path:
        assert path == lock_path(wh) == tmp_path / ".corridor.duckdb.lock"
        with pytest.raises(BuildLockHeld, match=rf"another build \(pid {os.getpid()}, started .*\) is running on {wh}") as err:
            with build_lock(wh):
                pass
        assert err.value.exit_code == 2
    with build_lock(wh, command="rollback"):  # released on exit
        pass


def test_wait_blocks_until_the_holder_is_done(tmp_path):
    wh = tmp_path / "corridor.duckdb"
    events, said = [], []
    held = threading.Event()

    def first():
        with build_lock(wh):
            held.set()
            time.sleep(0.5)
            events.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(10)
    with build_lock(wh, wait=True, say=said.append):
        events.append("second in")
    thread.join(10)
    assert events == ["first done", "second in"]
    assert said and said[0].startswith(f"waiting for another build (pid {os.getpid()}")


def test_a_build_while_another_holds_the_lock_exits_2_and_touches_nothing(tmp_path, monkeypatch, capsys):
    wh = tmp_path / "corridor.duckdb"
    build_file = tmp_path / "build" / "corridor.duckdb"
    build_file.parent.mkdir()
    make_build(build_file, 5)  # the other build's work in progress
    before = build_file.read_bytes()
    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(wh))
    monkeypatch.delenv("CORRIDOR_BUILD_DB", raising=False)
    with build_lock(wh):
        started = time.perf_counter()
        assert cli.main(["build"]) == 2
        assert time.perf_counter() - started < 10
        assert cli.main(["rollback"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(f"another build (pid {os.getpid()}" in line for line in err)
    assert build_file.read_bytes() == before and not wh.exists()


def test_the_build_command_has_a_wait_option():
    from typer.testing import CliRunner

    help_text = CliRunner().invoke(cli.app, ["build", "--help"], terminal_width=200).output
    assert "--wait" in help_text and "another build" in help_text
