"""Publishing on real DuckDB files: versions, manifest, rollback, readers, failures."""

import duckdb
import pytest

from orchestration.lib import publish
from orchestration.lib.warehouse import AUDIT_DDL


def make_build(path, marker: int):
    with duckdb.connect(str(path)) as conn:
        conn.execute(AUDIT_DDL)
        conn.execute("create schema if not exists marts")
        conn.execute("create or replace table marts.partner_shares as select ?::int as marker, range as i from range(1000)", [marker])
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
    assert (target.parent / "corridor.json").exists()
    assert [v["version_id"] for v in publish.list_versions(target)] == [manifest["version_id"]]


def test_keeps_last_n_versions_and_rolls_back(dirs, monkeypatch):
    build, target = dirs
    monkeypatch.setenv("CORRIDOR_KEEP_VERSIONS", "2")
    ids = [publish.publish(make_build(build, i), target)["version_id"] for i in (1, 2, 3)]
    assert [v["version_id"] for v in publish.list_versions(target)] == [ids[2], ids[1]]
    assert marker(target) == 3
    chosen = publish.rollback(target)
    assert chosen["version_id"] == ids[1] and marker(target) == 2
    publish.rollback(target, ids[2])
    assert marker(target) == 3
    with pytest.raises(publish.PublishError, match="is not kept"):
        publish.rollback(target, ids[0])


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


def test_read_only_connection_refuses_writes(dirs):
    build, target = dirs
    publish.publish(make_build(build, 1), target)
    with duckdb.connect(str(target), read_only=True) as conn:
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("delete from marts.partner_shares")


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
    publish.publish(make_build(build, 1), target)
    assert not stale.exists()
    assert marker(target) == 1
