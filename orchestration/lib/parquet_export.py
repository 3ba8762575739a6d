"""The raw layer as Parquet files, so that another engine (Apache Spark) reads what DuckDB reads.

:func:`export_raw` writes every table of the schema ``raw`` of a built DuckDB file, all rows
(current and superseded versions: staging keeps the rows of current loads and the trade history
needs every version), and ``audit.load_log`` (the lineage of every load, which staging joins), as::

    <out>/<table>/source=<source>/year=<year>/data_0.parquet    tables with `source` and `year`
    <out>/<table>/data.parquet                                  the others (and empty tables)
    <out>/_audit/load_log/data.parquet                          the load log (and the quarantine)

Hive-style partition folders, so Spark (and DuckDB's ``read_parquet(..., hive_partitioning=true)``)
read the partition columns back from the path. The dbt ``spark`` target registers each folder as
the external table ``raw.<table>`` (macro ``register_raw_parquet``).

    python -m orchestration.lib.parquet_export warehouse/corridor.duckdb warehouse/parquet
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from orchestration.lib.errors import ConfigError
from orchestration.lib.export import copy_relation, open_warehouse

PARTITION_COLUMNS = ("source", "year")


def export_raw(database: Path, out_dir: Path) -> dict[str, int]:
    """Write every ``raw.*`` table of ``database`` under ``out_dir``; returns rows per table."""
    database, out_dir = Path(database), Path(out_dir)
    with open_warehouse(database) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()]
        if not tables:
            raise ConfigError(f"{database}: no tables in schema raw (is it a Corridor warehouse?)")
        out_dir.mkdir(parents=True, exist_ok=True)
        written: dict[str, int] = {}
        for table in tables:
            columns = {name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()}
            relation = f'raw."{table}"'
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            target = out_dir / table
            shutil.rmtree(target, ignore_errors=True)
            if rows and set(PARTITION_COLUMNS) <= columns:
                copy_relation(con, relation, target, "parquet", partition_by=PARTITION_COLUMNS)
            else:  # one file, which also carries the schema of an empty table
                target.mkdir()
                copy_relation(con, relation, target / "data.parquet", "parquet")
            written[table] = rows
        for audit_table in ("load_log", "quarantine"):
            target = out_dir / "_audit" / audit_table
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            written[f"_audit.{audit_table}"] = copy_relation(con, f"audit.{audit_table}", target / "data.parquet", "parquet")
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m orchestration.lib.parquet_export WAREHOUSE.duckdb OUT_DIR", file=sys.stderr)
        return 2
    try:
        written = export_raw(Path(argv[0]), Path(argv[1]))
    except ConfigError as exc:
        print(f"corridor: {exc}", file=sys.stderr)
        return 1
    for table, rows in written.items():
        print(f"raw.{table}: {rows} rows -> {Path(argv[1]) / table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
