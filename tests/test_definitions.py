"""The Dagster code location loads, with every source asset, its checks, the dbt models and publishing."""

import dagster as dg
import pytest

from orchestration.definitions import defs


@pytest.fixture(scope="module")
def repo():
    return defs.get_repository_def()


def keys(repo) -> set[str]:
    return {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}


SOURCES = ["imf_dots", "comtrade", "imf_sdmx", "imf_imts", "comtrade_matrix", "fdi_unctad", "fdi_releases", "fdi_cdis",
           "registry_counts", "registry_companies", "claims", "country_names", "country_codes", "comtrade_country_codes",
           "source_area_codes"]


def test_raw_staging_and_marts_assets_exist(repo):
    found = keys(repo)
    for key in [
        *(f"raw/{name}" for name in SOURCES),
        "staging/stg_imf_dots__trade_flows",
        "marts/fct_trade_flows", "marts/partner_shares", "marts/trade_growth", "marts/mirror_gaps", "marts/dim_countries",
        "marts/fdi_by_origin", "marts/company_registry", "marts/claim_checks", "marts/corridor_summary",
        "marts/fct_trade_flows_history", "warehouse/corridor", "warehouse/docs", "warehouse/report",
        "raw/imf_imts", "raw/comtrade_matrix", "raw/fdi_cdis", "staging/stg_imf_imts__trade_flows",
        "staging/stg_comtrade_matrix__trade_flows", "staging/stg_fdi_cdis__positions", "marts/fdi_mirror",
    ]:
        assert key in found, key


def test_one_name_per_source(repo):
    """A source's folder, table, asset key and dbt source table share its name (reference tables share raw/reference/)."""
    from orchestration.defs.ingestion._source import SPECS

    assert sorted(s.name for s in SPECS) == sorted(SOURCES)
    for spec in SPECS:
        node = repo.asset_graph.get(spec.asset_key)
        assert spec.table == f"raw.{spec.name}"
        assert node.metadata["raw_folder"] == (spec.folder or spec.name)
        assert spec.folder in (None, "reference"), spec.name
        # dbt staging reads it as source('raw', '<name>'): the dbt source node's asset key is the same key
        downstream = {k.to_user_string() for k in repo.asset_graph.get(spec.asset_key).child_keys}
        assert downstream, f"raw/{spec.name} feeds no dbt model"


def _check_specs(repo, asset: str) -> dict:
    key = dg.AssetKey.from_user_string(asset)
    return {k.name: repo.asset_graph.get_check_spec(k) for k in repo.asset_graph.asset_check_keys if k.asset_key == key}


def test_only_systemic_faults_block(repo):
    """Blocking: a missing column, an unknown unit, a file that loses much of its figures, conflicting
    duplicate keys. Everything at the grain of a row, a reporter-year or a name warns and publishes."""
    specs = _check_specs(repo, "raw/imf_dots")
    blocking = {n for n, s in specs.items() if s.blocking}
    assert blocking == {"imf_dots_required_columns_present", "imf_dots_unit_is_declared",
                        "imf_dots_files_lose_few_figures", "imf_dots_key_unique"}
    assert {n for n, s in specs.items() if not s.blocking} == {
        "imf_dots_value_non_negative", "imf_dots_year_in_range", "imf_dots_partner_sum_within_world_total",
        "imf_dots_country_names_known", "imf_dots_values_readable", "imf_dots_deliveries_counted_once"}


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_has_the_standard_checks(repo, source):
    specs = _check_specs(repo, f"raw/{source}")
    for name in ("required_columns_present", "files_lose_few_figures", "values_readable", "deliveries_counted_once"):
        assert f"{source}_{name}" in specs, (source, name)
    assert specs[f"{source}_required_columns_present"].blocking


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
    assert dg.AssetKey(["raw", "imf_dots"]) in staging.parent_keys
    publish = graph.get(dg.AssetKey(["warehouse", "corridor"]))
    assert dg.AssetKey(["marts", "partner_shares"]) in publish.parent_keys


def test_every_build_is_recorded_in_the_project_dagster_instance(built_warehouse):
    """What `make dagster` shows after `make run`: the build's run, its materialisations and every
    check result are in the Dagster instance of DAGSTER_HOME (the session's, for the tests)."""
    import os

    from orchestration.build import JOB_NAME, instance

    inst = instance()
    assert inst.root_directory == os.environ["DAGSTER_HOME"]
    runs = [r for r in inst.get_runs() if r.job_name == JOB_NAME and r.tags.get("corridor/trigger") == "cli"]
    assert runs and all(r.status.value in ("SUCCESS", "FAILURE") for r in runs)
    published = inst.get_latest_materialization_event(dg.AssetKey(["warehouse", "corridor"]))
    assert published is not None and published.run_id in {r.run_id for r in runs}
    assert inst.get_latest_materialization_event(dg.AssetKey(["marts", "partner_shares"])) is not None
    checks = inst.all_logs(published.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    names = {r.dagster_event.event_specific_data.check_name for r in checks}
    assert {"imf_dots_partner_sum_within_world_total", "imf_dots_key_unique"} <= names
    assert any(n.startswith("unique_combination_partner_shares") for n in names)


def test_progress_follows_each_step_of_a_run_once_and_in_order():
    """The progress display's watcher (`corridor build` on a terminal) reads a real run's step events
    from the instance as they are written, each once: a start, then a success or a failure."""
    import uuid

    from orchestration.build import _Watcher

    @dg.op
    def first() -> int:
        return 1

    @dg.op
    def second(x: int) -> int:
        raise RuntimeError(f"the second step fails ({x})")

    @dg.job
    def two_steps():
        second(first())

    seen: list[tuple[str, str]] = []
    with dg.DagsterInstance.ephemeral() as instance:
        run_id = str(uuid.uuid4())
        watcher = _Watcher(instance, run_id, lambda key, status, seconds: seen.append((key, status)))
        two_steps.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
        watcher.stop()
    assert seen == [("first", "started"), ("first", "succeeded"), ("second", "started"), ("second", "failed")]
