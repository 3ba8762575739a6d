"""The dbt project itself: its unit tests pass, and every mart and every column a user can query is
described in the dbt YAML (and so in the docs site)."""

from __future__ import annotations

import json
import shutil

import duckdb

from conftest import settings
from orchestration import constants
from orchestration.lib.dbt import dbt_args, ensure_manifest, invoke


def test_dbt_unit_tests_pass(built_warehouse, tmp_path):
    """The unit tests (the models' SQL on tiny fixtures: the gap decomposition's attribution order and
    caps, the HHI, the claims matching) run here, on a copy of the session's warehouse (dbt reads the
    parents' column types from it), not in every build."""
    manifest = json.loads(ensure_manifest().read_text())
    declared = {u["name"] for u in manifest["unit_tests"].values()}
    assert {"gap_decomposition_attribution_order_and_caps", "trade_indicators_hhi_top5_balance"} <= declared
    copy = tmp_path / "corridor.duckdb"
    shutil.copyfile(built_warehouse, copy)
    with settings(CORRIDOR_BUILD_DB=copy):
        constants.export_env()
        result = invoke(dbt_args("test", "--select", "test_type:unit", "--quiet"))
    outcomes = {r.node.name: str(getattr(r.status, "value", r.status)) for r in result.result
                if str(r.node.resource_type) in ("unit_test", "NodeType.Unit")}
    assert outcomes == dict.fromkeys(declared, "pass"), outcomes


def test_every_mart_column_is_documented(built_warehouse):
    manifest = json.loads(ensure_manifest().read_text())
    described = {
        node["name"]: (node["description"].strip(), {c: v["description"].strip() for c, v in node["columns"].items()})
        for node in [*manifest["nodes"].values(), *manifest.get("seeds", {}).values()]
        if node["resource_type"] in ("model", "seed")
    }
    with duckdb.connect(str(built_warehouse), read_only=True) as conn:
        columns = conn.execute("select table_name, column_name from information_schema.columns "
                               "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
    tables = {t for t, _ in columns}
    assert {"gap_decomposition", "trade_indicators", "partner_shares_both_sides", "partner_group_shares",
            "partner_reporting_coverage"} <= tables
    missing_models = sorted(t for t in tables if not described.get(t, ("", {}))[0])
    missing_columns = sorted(f"{t}.{c}" for t, c in columns if t in described and not described[t][1].get(c))
    assert not missing_models, f"marts without a description: {missing_models}"
    assert not missing_columns, f"mart columns without a description in dbt YAML: {missing_columns}"
