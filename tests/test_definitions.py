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
        "raw/fdi_flows", "raw/company_counts", "raw/company_records", "raw/claims",
        "marts/fdi_by_origin", "marts/company_registry", "marts/claim_checks", "marts/corridor_summary",
        "marts/fct_trade_flows_history", "warehouse/corridor", "warehouse/docs", "warehouse/report",
        "raw/imf_imts", "raw/comtrade_matrix", "raw/fdi_cdis", "staging/stg_imf_imts__trade_flows",
        "staging/stg_comtrade_matrix__trade_flows", "staging/stg_fdi_cdis__positions", "marts/fdi_mirror",
    ]:
        assert key in found, key


def test_trade_checks_are_blocking(repo):
    checks = {k.name: k for k in repo.asset_graph.asset_check_keys if k.asset_key == dg.AssetKey(["raw", "trade_flows"])}
    for name in ["trade_value_non_negative", "trade_year_in_range", "trade_key_unique", "trade_country_names_known",
                 "trade_partner_sum_within_world_total", "trade_unit_is_declared", "trade_required_columns_present"]:
        assert name in checks, name
        spec = repo.asset_graph.get_check_spec(checks[name])
        assert spec.blocking, name


@pytest.mark.parametrize("asset, names", [
    ("raw/fdi_flows", ["fdi_required_columns_present", "fdi_year_in_range", "fdi_key_unique", "fdi_country_names_known", "fdi_unit_is_declared"]),
    ("raw/company_counts", ["registry_active_not_above_registered", "registry_dates_not_in_future", "registry_country_codes_known"]),
    ("raw/claims", ["claims_metric_known", "claims_unit_known", "claims_period_parseable", "claims_country_codes_known", "claims_id_unique"]),
    ("raw/imf_imts", ["imf_imts_required_columns_present", "imf_imts_value_non_negative", "imf_imts_year_in_range",
                      "imf_imts_key_unique", "imf_imts_country_names_known"]),
    ("raw/comtrade_matrix", ["comtrade_matrix_required_columns_present", "comtrade_matrix_value_non_negative",
                             "comtrade_matrix_year_in_range", "comtrade_matrix_key_unique", "comtrade_matrix_country_names_known"]),
    ("raw/fdi_cdis", ["fdi_cdis_required_columns_present", "fdi_cdis_year_in_range", "fdi_cdis_key_unique",
                      "fdi_cdis_values_in_millions"]),
])
def test_every_source_has_blocking_checks(repo, asset, names):
    key = dg.AssetKey.from_user_string(asset)
    specs = {k.name: repo.asset_graph.get_check_spec(k) for k in repo.asset_graph.asset_check_keys if k.asset_key == key}
    for name in names:
        assert name in specs and specs[name].blocking, (asset, name)


def test_schedule_and_sensor_are_defined(repo):
    assert repo.get_schedule_def("corridor_monthly")
    assert repo.get_sensor_def("raw_files_sensor")


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
