"""The GX suite runner's input: DuckDB relations as pandas frames, converted in batches."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.lib.quality import frame_of


def _table() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    # text absent from the first batches, nulls in text, integers and booleans: every conversion case
    conn.execute("create table t as select i, case when i % 3 = 0 or i < 6 then null else 'k' || (i % 7) end as s, "
                 "case when i % 5 = 0 then null else i end as n, i % 2 = 0 as b from range(25) r(i)")
    return conn


def test_batched_frame_equals_the_whole_conversion():
    conn = _table()
    batched = frame_of(conn.sql("select * from t order by i"), batch_rows=4)
    whole = conn.sql("select * from t order by i").to_arrow_table().to_pandas(strings_to_categorical=True)
    assert len(batched) == 25 and list(batched.columns) == ["i", "s", "n", "b"]
    assert isinstance(batched["s"].dtype, pd.CategoricalDtype)
    assert sorted(batched["s"].cat.categories) == ["k0", "k1", "k2", "k3", "k4", "k5", "k6"]
    assert batched.dtypes.to_dict() == whole.dtypes.to_dict()
    assert batched.astype(object).equals(whole.astype(object))
    assert batched["s"].isna().sum() == 13 and batched["n"].isna().sum() == 5


def test_empty_relation_keeps_its_columns():
    frame = frame_of(_table().sql("select * from t where false"))
    assert frame.shape == (0, 4)
