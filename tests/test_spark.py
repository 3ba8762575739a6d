"""The same dbt project on Apache Spark: every mart equals the DuckDB build (``make test-spark``).

The warehouse is built with DuckDB (the session fixture), its raw layer written as Parquet
(orchestration.lib.parquet_export), and ``dbt build --target spark`` runs on a real local Spark
(dbt-spark, method session, pyspark in the dbt process, Hive metastore in a temporary folder). The
table files Spark wrote for every mart are then read back and compared with the DuckDB marts row
for row: text, integers, dates and timestamps exactly, floating-point values within 1e-9 relative.
Not part of ``make test`` (pyspark is ~450 MB and the Spark build takes minutes).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.parquet_export import export_raw

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
MARTS = sorted(p.stem for p in (REPO / "dbt_project" / "models" / "marts").rglob("*.sql"))
FLOATS = ("DOUBLE", "FLOAT", "REAL")
ARTIFACTS = Path(__file__).parent / ".artifacts"


def _dbt_build(target: str, env: dict[str, str]) -> float:
    """``dbt build --target TARGET`` in dbt_project/; returns the wall time in seconds."""
    started = time.monotonic()
    proc = subprocess.run(
        [str(DBT), "build", "--target", target, "--profiles-dir", "."],
        cwd=REPO / "dbt_project", env=env, capture_output=True, text=True, timeout=1800,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        pytest.fail(f"dbt build --target {target} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return elapsed


@pytest.fixture(scope="module")
def spark_build(built_warehouse: Path, tmp_path_factory) -> dict:
    """The Spark build of the marts next to a DuckDB dbt build of the same raw data, both timed."""
    if shutil.which("java") is None:
        pytest.fail("java not found: make test-spark installs Debian's openjdk-17-jre-headless")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail('pyspark not installed: make test-spark installs the extra ".[spark]"')
    tmp = tmp_path_factory.mktemp("spark")
    export_raw(built_warehouse, tmp / "parquet")
    duckdb_copy = tmp / "duckdb_build.duckdb"  # dbt rebuilds every model in a copy of the warehouse
    shutil.copy(built_warehouse, duckdb_copy)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CORRIDOR_", "DBT_"))}
    duckdb_seconds = _dbt_build("duckdb", {
        **base, "CORRIDOR_BUILD_DB": str(duckdb_copy),
        "DBT_TARGET_PATH": str(tmp / "target_duckdb"), "DBT_LOG_PATH": str(tmp / "logs_duckdb"),
    })
    spark_seconds = _dbt_build("spark", {
        **base, "CORRIDOR_RAW_PARQUET": str(tmp / "parquet"), "CORRIDOR_SPARK_DIR": str(tmp / "spark"),
        "DBT_TARGET_PATH": str(tmp / "target_spark"), "DBT_LOG_PATH": str(tmp / "logs_spark"),
    })
    timings = {"duckdb_dbt_build_s": round(duckdb_seconds, 1), "spark_dbt_build_s": round(spark_seconds, 1)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "spark_vs_duckdb.json").write_text(json.dumps(timings, indent=2) + "\n")
    print(f"\ndbt build on the embedded data: DuckDB {duckdb_seconds:.1f} s, Spark (local, session) {spark_seconds:.1f} s")
    return {"duckdb": duckdb_copy, "spark_tables": tmp / "spark" / "warehouse" / "marts.db", **timings}


def _rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]) -> list[tuple]:
    """All rows with comparable values (integers as BIGINT, timestamps as UTC microseconds), sorted
    by the exact columns first and the floating-point ones (rounded) last."""
    exprs, float_at = [], []
    for i, (name, type_) in enumerate(columns):
        if type_ in FLOATS:
            exprs.append(f'cast("{name}" as double)')
            float_at.append(i)
        elif "INT" in type_:
            exprs.append(f'cast("{name}" as bigint)')
        elif type_.startswith("TIMESTAMP"):
            exprs.append(f'epoch_us(cast("{name}" as timestamptz))')
        else:
            exprs.append(f'"{name}"')
    rows = con.execute(f"select {', '.join(exprs)} from {relation}").fetchall()

    def key(row: tuple) -> tuple:
        exact = [(v is None, str(v)) for i, v in enumerate(row) if i not in float_at]
        approx = [(row[i] is None, float(f"{row[i]:.6g}") if row[i] is not None else 0.0) for i in float_at]
        return tuple(exact + approx)

    return sorted(rows, key=key), float_at


@pytest.mark.parametrize("mart", MARTS)
def test_spark_mart_equals_duckdb_mart(spark_build: dict, mart: str) -> None:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.execute("attach ? as duck (read_only)", [str(spark_build["duckdb"])])
    columns = con.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = 'duck' and schema_name = 'marts' and table_name = ? order by column_index",
        [mart],
    ).fetchall()
    assert columns, f"marts.{mart} missing from the DuckDB build"
    files = spark_build["spark_tables"] / mart
    assert any(files.glob("*.parquet")), f"Spark wrote no table files for marts.{mart} in {files}"
    spark_columns = [name for (name, *_) in con.execute(f"describe select * from read_parquet('{files}/*.parquet')").fetchall()]
    assert spark_columns == [name for name, _ in columns], f"{mart}: columns differ"

    duck_rows, float_at = _rows(con, f"duck.marts.{mart}", columns)
    spark_rows, _ = _rows(con, f"read_parquet('{files}/*.parquet')", columns)
    print(f"{mart}: {len(duck_rows)} rows in DuckDB, {len(spark_rows)} in Spark")
    assert len(spark_rows) == len(duck_rows), f"{mart}: {len(spark_rows)} rows on Spark, {len(duck_rows)} on DuckDB"
    assert duck_rows, f"{mart}: no rows to compare"
    for n, (d, s) in enumerate(zip(duck_rows, spark_rows)):
        for i, (name, _) in enumerate(columns):
            if i in float_at and d[i] is not None and s[i] is not None:
                assert math.isclose(d[i], s[i], rel_tol=1e-9, abs_tol=1e-9), f"{mart} row {n} {name}: DuckDB {d[i]!r}, Spark {s[i]!r}"
            else:
                assert d[i] == s[i], f"{mart} row {n} {name}: DuckDB {d[i]!r}, Spark {s[i]!r}\n  DuckDB row {d}\n  Spark row  {s}"


def test_every_mart_is_compared() -> None:
    """The comparison covers the marts folder as it is: a new mart is compared without editing this file."""
    assert {"fct_trade_flows", "partner_shares", "trade_growth", "mirror_gaps", "fdi_by_origin",
            "company_registry", "corridor_summary", "claim_checks"} <= set(MARTS)
