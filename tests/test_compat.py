"""The published warehouse opens in DuckDB 1.x clients, with everything the build made in it.

Real 1.x clients, installed by ``make duckdb1`` (a prerequisite of ``make test``) into
``.venv-duckdb1/``: the DuckDB CLI 1.5.6 from PyPI (what BI users run) and the Python package of
DuckDB 1.1.3 (the oldest release that reads the default format). A missing client fails the test.
"""

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import publish

REPO = Path(__file__).resolve().parents[1]
DUCKDB1 = REPO / ".venv-duckdb1" / "bin"
TURNOVER_SQL = ("select round(value_usd / 1e6, 2) from marts.partner_shares where source = 'imf_dots' and reporter_iso3 = 'AZE' "
                "and partner_iso3 = 'CHN' and year = 2019 and flow = 'turnover'")
AZE_CHN_2019_TURNOVER_MN = 2183.76  # IMF DOTS, Azerbaijan's exports to + imports from China in 2019


def client(name: str) -> Path:
    path = DUCKDB1 / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the DuckDB 1.x clients are installed by `make duckdb1` (make test runs it)")
    return path


def cli(db: Path, sql: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(client("duckdb")), *options, str(db), "-c", sql],
                          capture_output=True, text=True, timeout=120)


def py1(script: str, *args: str) -> dict:
    """Run ``script`` in the DuckDB 1.1 Python environment; it prints one JSON object."""
    proc = subprocess.run([str(client("python")), "-c", script, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_the_published_warehouse_is_in_the_default_1x_storage_format(built_warehouse):
    assert publish.DEFAULT_STORAGE_VERSION == "v1.0.0"
    assert publish.file_storage_version(built_warehouse) == "v1.0.0"
    manifest = json.loads((built_warehouse.parent / "corridor.json").read_text())
    assert manifest["storage_version"] == "v1.0.0"
    for kept in (built_warehouse.parent / "versions").glob("*.duckdb"):
        assert publish.file_storage_version(kept) == "v1.0.0", kept


def test_duckdb_cli_1_5_reads_a_mart_read_only_and_cannot_write(built_warehouse):
    version = subprocess.run([str(client("duckdb")), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith("v1.5."), version.stdout
    proc = cli(built_warehouse, TURNOVER_SQL, "-readonly", "-csv", "-noheader")
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout.strip()) == pytest.approx(AZE_CHN_2019_TURNOVER_MN, abs=0.01)
    stamp = cli(built_warehouse, "select version_id from audit.build_info", "-readonly", "-csv", "-noheader")
    assert stamp.stdout.strip() == publish.current_version(built_warehouse)
    before = built_warehouse.read_bytes()
    for write in ("delete from marts.partner_shares", "create table marts.scratch as select 1 as x"):
        proc = cli(built_warehouse, write, "-readonly")
        assert proc.returncode != 0 and "read-only" in proc.stderr, (write, proc.stdout, proc.stderr)
    assert built_warehouse.read_bytes() == before


OLDEST_CLIENT_READS_EVERYTHING = """
import duckdb, json, sys
conn = duckdb.connect(sys.argv[1], read_only=True)
rows = {f"{s}.{n}": conn.execute(f'select count(*) from "{s}"."{n}"').fetchone()[0]
        for s, n in conn.execute("select table_schema, table_name from information_schema.tables").fetchall()}
turnover = conn.execute(sys.argv[2]).fetchone()[0]
print(json.dumps({"version": duckdb.__version__, "rows": rows, "turnover": turnover}))
"""


def row_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return {f"{s}.{n}": conn.execute(f'select count(*) from "{s}"."{n}"').fetchone()[0]
                for s, n in conn.execute("select table_schema, table_name from information_schema.tables").fetchall()}


def test_duckdb_1_1_reads_every_table_and_view(built_warehouse):
    got = py1(OLDEST_CLIENT_READS_EVERYTHING, str(built_warehouse), TURNOVER_SQL)
    assert tuple(int(p) for p in got["version"].split(".")[:2]) < (1, 2), got["version"]  # older than storage v1.2
    assert got["turnover"] == pytest.approx(AZE_CHN_2019_TURNOVER_MN, abs=0.01)
    expected = row_counts(built_warehouse)
    assert {"staging", "intermediate", "marts", "raw", "audit"} <= {k.split(".")[0] for k in expected}
    assert got["rows"] == expected  # every table and every view (staging, intermediate, the fact marts) binds


CATALOG = {
    "tables": "select schema_name, table_name, comment, has_primary_key, estimated_size from duckdb_tables() "
              "where database_name = current_database() order by all",
    "views": "select schema_name, view_name, comment, column_count from duckdb_views() "
             "where database_name = current_database() and not internal order by all",
    "columns": "select schema_name, table_name, column_name, column_index, data_type, column_default, is_nullable, comment "
               "from duckdb_columns() where database_name = current_database() order by all",
    "constraints": "select schema_name, table_name, constraint_type, constraint_column_names::varchar "
                   "from duckdb_constraints() where database_name = current_database() order by all",
    "macros": "select schema_name, function_name, function_type, macro_definition from duckdb_functions() "
              "where database_name = current_database() and not internal order by all",
    "sequences": "select schema_name, sequence_name from duckdb_sequences() where database_name = current_database() order by all",
    "types": "select schema_name, type_name from duckdb_types() where database_name = current_database() "
             "and not internal order by all",
}


def snapshot(db: Path) -> dict:
    """The catalog of a DuckDB file and the md5 of every table's and view's sorted rows."""
    with duckdb.connect(str(db), read_only=True) as conn:
        out = {name: conn.execute(sql).fetchall() for name, sql in CATALOG.items()}
        out["data"] = {}
        for schema, name in conn.execute("select table_schema, table_name from information_schema.tables order by all").fetchall():
            out["data"][f"{schema}.{name}"] = conn.execute(
                f'select count(*), md5(coalesce(string_agg(r, chr(10) order by r), \'\')) '
                f'from (select t::varchar as r from "{schema}"."{name}" t)').fetchone()
    return out


def test_a_build_in_duckdb_2_format_is_converted_with_everything_in_it(built_warehouse, tmp_path, monkeypatch):
    """A real dbt build in DuckDB 2.0's own format (a build file made before this change, or by a run
    that did not create it in the publishing format) is published in the 1.x format: every schema,
    table, view, column (type, default, nullability), constraint, macro and row is there."""
    build = tmp_path / "build" / "corridor.duckdb"
    build.parent.mkdir()
    publish.convert(built_warehouse, build, "v2.0.0")
    assert publish.file_storage_version(build) == "v2.0.0"
    monkeypatch.delenv("CORRIDOR_STORAGE_VERSION", raising=False)
    target = tmp_path / "corridor.duckdb"
    manifest = publish.publish(build, target)  # stamps the build, then converts it
    assert publish.file_storage_version(target) == "v1.0.0"
    assert manifest["row_counts"] == json.loads((built_warehouse.parent / "corridor.json").read_text())["row_counts"]
    before, after = snapshot(build), snapshot(target)
    assert before["views"] and before["constraints"] and len(before["data"]) > 30
    for key in before:
        assert after[key] == before[key], key
    proc = cli(target, TURNOVER_SQL, "-readonly", "-csv", "-noheader")
    assert float(proc.stdout.strip()) == pytest.approx(AZE_CHN_2019_TURNOVER_MN, abs=0.01), proc.stderr
