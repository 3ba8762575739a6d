"""The Dagster code location loads, with every source asset, its checks, the dbt models and publishing."""

import dagster as dg
import pytest

from orchestration.definitions import defs


@pytest.fixture(scope="module")
def repo():
    return defs.get_repository_def()


def keys(repo) -> set[str]:
    return {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}


def test_raw_staging_and_marts_assets_exist(repo):
    found = keys(repo)
    for key in [
        "raw/trade_flows", "raw/country_names", "raw/country_codes", "raw/comtrade_country_codes",
        "staging/stg_imf_dots__trade_flows",
        "marts/fct_trade_flows", "marts/partner_shares", "marts/trade_growth", "marts/mirror_gaps", "marts/dim_countries",
        "warehouse/corridor",
    ]:
        assert key in found, key


def test_trade_checks_are_blocking(repo):
    checks = {k.name: k for k in repo.asset_graph.asset_check_keys if k.asset_key == dg.AssetKey(["raw", "trade_flows"])}
    for name in ["trade_value_non_negative", "trade_year_in_range", "trade_key_unique", "trade_country_names_known",
                 "trade_partner_sum_within_world_total", "trade_unit_is_declared", "trade_required_columns_present"]:
        assert name in checks, name
        spec = repo.asset_graph.get_check_spec(checks[name])
        assert spec.blocking, name


def test_dbt_tests_are_asset_checks(repo):
    dbt_checks = [k for k in repo.asset_graph.asset_check_keys if k.asset_key.path[0] == "marts"]
    assert any("unique_combination" in k.name for k in dbt_checks)
    assert any("relationships" in k.name for k in dbt_checks)


def test_lineage_raw_to_marts_to_publish(repo):
    graph = repo.asset_graph
    staging = graph.get(dg.AssetKey(["staging", "stg_imf_dots__trade_flows"]))
    assert dg.AssetKey(["raw", "trade_flows"]) in staging.parent_keys
    publish = graph.get(dg.AssetKey(["warehouse", "corridor"]))
    assert dg.AssetKey(["marts", "partner_shares"]) in publish.parent_keys
