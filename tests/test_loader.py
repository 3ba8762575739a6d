"""The incremental loader (orchestration/lib/warehouse.load_files) on tiny files: schema evolution
within one load and across loads, with the table's columns read once per load."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from orchestration.lib.results import ParseResult
from orchestration.lib.warehouse import connect, load_files


def parse(path: Path) -> ParseResult:
    """One row per line ``key,value[,extra]``; a third field is the column a newer parser adds."""
    rows = [line.split(",") for line in path.read_text().splitlines()]
    frame = pl.DataFrame({"key": [r[0] for r in rows], "value": [float(r[1]) for r in rows]})
    if all(len(r) == 3 for r in rows):
        frame = frame.with_columns(pl.Series("extra", [r[2] for r in rows]))
    return ParseResult(rows=frame)


def test_a_column_added_by_a_later_file_is_added_to_the_table(tmp_path):
    root = tmp_path / "raw"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.csv").write_text("x,1.5\ny,2.5\n")
    (root / "src" / "b.csv").write_text("z,3.0,new\n")  # same load, one more column
    db = tmp_path / "w.duckdb"
    with connect(db) as conn:
        report = load_files(conn, source="src", table="raw.t", files=sorted((root / "src").glob("*.csv")), root=root, parse=parse)
        assert [(f.file, f.status, f.rows_loaded) for f in report.files] == [("src/a.csv", "loaded", 2), ("src/b.csv", "loaded", 1)]
        assert conn.execute("select key, value, extra from raw.t order by key").fetchall() == [
            ("x", 1.5, None), ("y", 2.5, None), ("z", 3.0, "new")]
        # a later load: a changed file with the extra column, a new one without it
        (root / "src" / "a.csv").write_text("x,1.75,v2\n")
        (root / "src" / "c.csv").write_text("w,4.0\n")
        report = load_files(conn, source="src", table="raw.t", files=sorted((root / "src").glob("*.csv")), root=root, parse=parse)
        assert [(f.file, f.status) for f in report.files] == [
            ("src/a.csv", "loaded"), ("src/b.csv", "unchanged"), ("src/c.csv", "loaded")]
        current = "load_id in (select load_id from audit.load_log where is_current)"
        assert conn.execute(f"select key, value, extra from raw.t where {current} order by key").fetchall() == [
            ("w", 4.0, None), ("x", 1.75, "v2"), ("z", 3.0, "new")]
        assert conn.execute(f"select count(*) from raw.t where not {current}").fetchone()[0] == 2  # a.csv's first version
        # lineage is held once per file, in the load log: the rows carry only load_id
        assert {"file", "file_sha256", "loaded_at", "is_current"}.isdisjoint(
            r[0] for r in conn.execute("select column_name from information_schema.columns where table_name = 't'").fetchall())
        assert conn.execute("select file, release, status from audit.load_log where is_current order by file").fetchall() == [
            ("src/a.csv", "base", "loaded"), ("src/b.csv", "base", "loaded"), ("src/c.csv", "base", "loaded")]
        columns = [r[0] for r in conn.execute("select column_name from information_schema.columns "
                                              "where table_name = 't' order by ordinal_position").fetchall()]
        assert columns[:2] == ["key", "value"] and "extra" in columns and columns.count("extra") == 1
