"""`corridor export`: every mart of the published warehouse as Parquet and CSV that DuckDB reads back
identically, with a manifest; clear one-line errors. Reads the session build (no build here)."""

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from orchestration import cli
from orchestration.lib.export import export_marts, literal
from orchestration.lib.parquet_export import export_raw
from conftest import PARTNER_SHARES_ROWS


def run(monkeypatch, capsys, warehouse, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(warehouse))
    code = cli.main(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def exported(built_warehouse, tmp_path_factory):
    """Both formats of every mart, written by the library function the command calls."""
    out = tmp_path_factory.mktemp("export")
    return {fmt: (out / fmt, export_marts(built_warehouse, out / fmt, fmt)) for fmt in ("parquet", "csv")}


def marts_of(conn) -> list[str]:
    return [n for (n,) in conn.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]


def same_rows(conn, left: str, right: str) -> tuple[int, int, int, int]:
    """(rows left, rows right, rows only left, rows only right) as multisets."""
    return conn.execute(
        f"select (select count(*) from {left}), (select count(*) from {right}), "
        f"(select count(*) from ({left} except all {right})), (select count(*) from ({right} except all {left}))"
    ).fetchone()


@pytest.fixture(scope="module")
def reader(built_warehouse):
    conn = duckdb.connect()
    conn.execute(f"attach {literal(built_warehouse)} as wh (read_only)")
    conn.execute("use wh")
    conn.execute("set TimeZone = 'UTC'")
    yield conn
    conn.close()


def test_parquet_reads_back_identically(exported, reader):
    folder, manifest = exported["parquet"]
    names = marts_of(reader)
    assert names == sorted(manifest["marts"]) and len(names) >= 10
    for name in names:
        path = folder / f"{name}.parquet"
        left = f'(select * from wh.marts."{name}")'
        right = f"(select * from read_parquet({literal(path)}))"
        n, m, only_left, only_right = same_rows(reader, left, right)
        assert (n, only_left, only_right) == (m, 0, 0), name
        assert manifest["marts"][name]["rows"] == n
        types = reader.execute(f"select column_name, column_type from (describe {right})").fetchall()
        assert dict(types) == manifest["marts"][name]["columns"], name


def test_csv_reads_back_identically_after_casting_to_the_column_types(exported, reader):
    folder, manifest = exported["csv"]
    for name, meta in manifest["marts"].items():
        path = folder / meta["file"]
        casts = ", ".join(f'cast("{col}" as {dtype}) as "{col}"' for col, dtype in meta["columns"].items())
        right = f"(select {casts} from read_csv({literal(path)}, header = true, all_varchar = true, allow_quoted_nulls = false))"
        left = f'(select * from wh.marts."{name}")'
        n, m, only_left, only_right = same_rows(reader, left, right)
        assert (n, only_left, only_right) == (m, 0, 0), name
        assert meta["rows"] == n > 0, name


def test_csv_keeps_empty_strings_nulls_quotes_and_exact_numbers_apart(tmp_path):
    """SYNTHETIC edge values the real marts lack (no empty string in them today)."""
    db = tmp_path / "edge.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("create schema audit; create schema marts")
        conn.execute("create table audit.build_info as select 'v1' as version_id, now() as built_at")
        conn.execute("""create table marts.edge as select * from (values
            (1, '', (0.1 + 0.2)::double, timestamptz '2019-12-31 23:59:59.123456+04', true),
            (2, null, 1e-300, null, false),
            (3, 'a "quoted", comma
and a new line', 2183755200.0, timestamptz '2020-01-01 00:00:00+00', null),
            (4, 'Türkiye, 中国', -0.0, null, true)) t(id, label, value_usd, loaded_at, flag)""")
    manifest = export_marts(db, tmp_path / "out", "csv")
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in manifest["marts"]["edge"]["columns"].items())
    with duckdb.connect() as conn:
        conn.execute(f"attach {literal(db)} as wh (read_only)")
        got = f"(select {casts} from read_csv({literal(tmp_path / 'out' / 'edge.csv')}, header = true, all_varchar = true, allow_quoted_nulls = false))"
        assert same_rows(conn, "(select * from wh.marts.edge)", got) == (4, 4, 0, 0)
        assert conn.execute(f"select label = '', label is null from {got} where id in (1, 2) order by id").fetchall() == [(True, False), (None, True)]


def test_the_manifest_names_the_version_rows_format_and_time(exported, built_warehouse, reader):
    version_id, built_at = reader.execute("select version_id, built_at from wh.audit.build_info").fetchone()
    for fmt, (folder, manifest) in exported.items():
        on_disk = json.loads((folder / "manifest.json").read_text())
        assert on_disk == manifest
        assert manifest["version_id"] == version_id and manifest["format"] == fmt
        assert datetime.fromisoformat(manifest["built_at"]) == built_at
        assert timedelta(0) <= datetime.now(timezone.utc) - datetime.fromisoformat(manifest["written_at"]) < timedelta(hours=1)
        assert manifest["marts"]["partner_shares"]["rows"] == PARTNER_SHARES_ROWS
        assert sorted(p.name for p in folder.iterdir()) == sorted([*(m["file"] for m in manifest["marts"].values()), "manifest.json"])


def test_the_command_writes_the_marts_asked_for(built_warehouse, tmp_path, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, built_warehouse, "--format", "csv", "--mart", "partner_shares",
                         "--mart", "trade_growth", str(tmp_path / "out"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json", "partner_shares.csv", "trade_growth.csv"]
    assert "marts.partner_shares" in out and f"{PARTNER_SHARES_ROWS} rows" in out
    with duckdb.connect() as conn:
        turnover = conn.execute(
            f"select value_usd from read_csv({literal(tmp_path / 'out' / 'partner_shares.csv')}) where source = 'imf_dots' "
            "and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and year = 2019 and flow = 'turnover'").fetchone()[0]
    assert turnover / 1e6 == pytest.approx(2183.76, abs=0.01)


def test_an_unknown_mart_is_a_usage_error_in_one_line(built_warehouse, tmp_path, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, built_warehouse, "--mart", "partner_shares", "--mart", "partner_share",
                         str(tmp_path / "out"))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corridor: unknown mart(s): partner_share (the warehouse has: claim_checks, ")
    assert not (tmp_path / "out").exists()


def test_a_missing_warehouse_fails_in_one_line(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nowhere" / "corridor.duckdb"
    code, out, err = run(monkeypatch, capsys, missing, "--format", "parquet", str(tmp_path / "out"))
    assert code == 1
    assert err.strip().splitlines() == [f"corridor: {missing}: no published warehouse (build it first: corridor build)"]
    assert not (tmp_path / "out").exists()


def test_the_raw_layer_export_for_spark_shares_the_writer(built_warehouse, tmp_path, reader):
    written = export_raw(built_warehouse, tmp_path / "raw")
    assert written["imf_dots"] > 0 and written["_audit.load_log"] > 0
    for table, rows in written.items():
        schema, name = table[1:].split(".") if table.startswith("_audit.") else ("raw", table)
        folder = tmp_path / "raw" / ("_audit/" + name if schema == "audit" else name)
        got = reader.execute(f"select count(*) from read_parquet({literal(folder / '**' / '*.parquet')}, "
                             "hive_partitioning = true)").fetchone()[0]
        assert got == rows == reader.execute(f'select count(*) from wh.{schema}."{name}"').fetchone()[0], table
