"""The incremental trade models (dbt_project/macros/trade_partitions.sql): a build after a change
recomputes only the sources and reporters whose loads changed, and gives exactly what a full
rebuild of the same build file gives, for every mart and every incremental model. The builds are
conftest.changed_build: a new, a revised and a removed workbook in one incremental build."""

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import REVISED_AZE_WORLD_EXPORTS_2019

INCREMENTAL = ["int_trade_flows_versioned", "int_trade_turnover_computed", "partner_shares", "trade_growth"]
SCHEMA_OF = {"int_trade_flows_versioned": "intermediate", "int_trade_turnover_computed": "intermediate"}


def table_sums(db: Path) -> dict[str, tuple]:
    """(rows, order-independent md5) of every mart and every intermediate incremental model."""
    with duckdb.connect(str(db), read_only=True) as conn:
        marts = [n for (n,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for schema, name in [("marts", m) for m in marts] + [(SCHEMA_OF[m], m) for m in SCHEMA_OF]:
            out[f"{schema}.{name}"] = conn.execute(
                f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
                f"from (select cast(t as varchar) r from {schema}.{name} t)").fetchone()
    return out


def full_refresh_of(snapshot: Path) -> Path:
    """The build file ``snapshot`` rebuilt by `dbt build --full-refresh` (every model whole), in
    place of the session's build file (so dbt reuses its parsed project)."""
    from orchestration import constants
    from orchestration.lib.dbt import dbt_args, invoke

    db = constants.build_db_path()
    shutil.copyfile(snapshot, db)
    result = invoke(dbt_args("build", "--full-refresh", "--exclude-resource-type", "unit_test", "--quiet"))
    assert result.success, result.exception
    return db


def last_invocation_partitions(db: Path) -> dict[str, set[tuple]]:
    """Per incremental model, the (source, reporter) partitions the latest dbt invocation recomputed
    (the others keep the record of an earlier one)."""
    with duckdb.connect(str(db), read_only=True) as conn:
        rows = conn.execute("""
            select s.model, p.source, p.reporter_iso3
            from audit.dbt_partitions s
            left join intermediate.int_trade_partitions p using (partition_id)
            where s.invocation_id = (select arg_max(invocation_id, built_at) from audit.dbt_partitions)""").fetchall()
    out: dict[str, set[tuple]] = {}
    for model, source, reporter in rows:
        out.setdefault(model, set()).add((source, reporter))
    return out


def test_only_the_changed_reporters_are_recomputed(changed_build):
    _, db, _ = changed_build
    # the other partitions (Hong Kong's workbook, IMTS, Comtrade: about 200) keep their first build
    assert last_invocation_partitions(db) == {
        model: {("imf_dots", "CHN"), ("imf_dots", "AZE"), ("imf_dots", "MAC")} for model in INCREMENTAL}
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.fct_trade_flows where source = 'imf_dots' "
                            "and reporter_iso3 = 'CHN'").fetchone()[0] == 16084  # China arrived in every layer
        assert conn.execute("select count(*) from marts.partner_shares where reporter_iso3 = 'MAC'").fetchone()[0] == 0
        assert conn.execute(
            "select value_usd / 1e6 from marts.partner_shares where source = 'imf_dots' and reporter_iso3 = 'AZE' "
            "and partner_iso3 = 'WLD' and flow = 'exports' and year = 2019").fetchone()[0] == \
            pytest.approx(REVISED_AZE_WORLD_EXPORTS_2019)


def test_the_incremental_build_equals_a_full_rebuild(changed_build):
    _, db, _ = changed_build
    incremental = table_sums(db)
    assert len(incremental) == 17 + 2  # every mart and the two intermediate incremental models
    assert incremental == table_sums(full_refresh_of(db))


def test_a_changed_dbt_project_rebuilds_the_incremental_models_whole(changed_build, tmp_path):
    """After the dbt project changes, the next dbt build is a full refresh (once)."""
    from orchestration.lib import dbt as corridor_dbt

    db = tmp_path / "corridor.duckdb"
    shutil.copyfile(changed_build[1], db)
    with duckdb.connect(str(db)) as conn:
        # what a full refresh rebuilds differently is recorded: the incremental models and the seeds
        recorded = {m for (m,) in conn.execute("select model from audit.dbt_models_built").fetchall()}
        assert recorded == set(INCREMENTAL) | {"dim_sources", "country_groups", "evidence_precedence",
                                               "oecd_itic_cif_fob_margins_imports_from_chn_2022"}
        fingerprint = corridor_dbt.project_fingerprint()
        assert not corridor_dbt.needs_full_refresh(conn, INCREMENTAL, fingerprint)
        assert corridor_dbt.needs_full_refresh(conn, INCREMENTAL, "another project")
        assert corridor_dbt.needs_full_refresh(conn, INCREMENTAL + ["a_model_never_built"], fingerprint)
        assert not corridor_dbt.needs_full_refresh(conn, [], "another project")  # nothing incremental selected
