"""The GX suite runner: DuckDB relations as pandas frames in batches, and a real GX suite validated
batch by batch giving the outcome of the whole."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.lib.quality import Expectation, frames_of, run_suite, run_suite_in_batches


def _table() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    # text absent from the first batches, nulls in text, integers and booleans: every conversion case
    conn.execute("create table t as select i, case when i % 3 = 0 or i < 6 then null else 'k' || (i % 7) end as s, "
                 "case when i % 5 = 0 then null else i end as n, i % 2 = 0 as b from range(25) r(i)")
    return conn


def test_batches_hold_every_row_once_with_text_as_categories():
    conn = _table()
    batches = list(frames_of(conn.sql("select * from t order by i"), batch_rows=4))
    whole = conn.sql("select * from t order by i").to_arrow_table().to_pandas()
    assert [len(b) for b in batches] == [4, 4, 4, 4, 4, 4, 1]
    assert all(list(b.columns) == ["i", "s", "n", "b"] for b in batches)
    assert isinstance(batches[-1]["s"].dtype, pd.CategoricalDtype)
    joined = pd.concat([b.astype(object) for b in batches], ignore_index=True)
    assert joined.equals(whole.astype(object))
    assert joined["s"].isna().sum() == 13 and joined["n"].isna().sum() == 5


def test_empty_relation_gives_one_empty_frame_with_its_columns():
    (frame,) = frames_of(_table().sql("select * from t where false"))
    assert frame.shape == (0, 4)


def test_a_suite_in_batches_judges_like_the_whole_frame():
    import great_expectations as gx

    conn = _table()

    def expectations():
        return [Expectation("n_small", gx.expectations.ExpectColumnValuesToBeBetween(column="n", max_value=20), ("i",)),
                Expectation("i_non_negative", gx.expectations.ExpectColumnValuesToBeBetween(column="i", min_value=0), ("i",))]

    batched = run_suite_in_batches("t_batched", frames_of(conn.sql("select * from t order by i"), batch_rows=4), expectations)
    whole = run_suite("t_whole", conn.sql("select * from t order by i").df(), expectations())
    for check in ("n_small", "i_non_negative"):
        b, w = batched[check], whole[check]
        assert (b.passed, b.rows_checked, b.rows_failing) == (w.passed, w.rows_checked, w.rows_failing), check
    # n is 21, 22, 23 and 24 at i = 21..24 (the last two batches); nulls are not judged
    assert batched["n_small"].rows_failing == 4 and not batched["n_small"].passed
    assert sorted(row["i"] for row in batched["n_small"].offending) == [21, 22, 23, 24]
    assert batched["i_non_negative"].passed and batched["i_non_negative"].rows_checked == 25
