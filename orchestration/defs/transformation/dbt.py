"""The dbt project as Dagster assets: staging → intermediate → marts; dbt tests as asset checks.

The asset specs come from dbt's manifest through dagster-dbt's public ``build_dbt_asset_specs``;
the checks are the manifest's tests (a test named after its model, warn-severity tests as WARN
checks). dbt runs in this process through its own programmatic API (``dbtRunner``): one
``dbt build`` per Dagster run, of the selected models only, with no second dbt start-up and no
private dagster-dbt API. The manifest is parsed by :func:`ensure_manifest` (called by the build
runner, ``orchestration.build.prepare``, via
:func:`orchestration.lib.dbt.ensure_manifest`), never when this module is imported.
"""

import json
import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, build_dbt_asset_specs

from orchestration import constants
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.dbt import dbt_args, manifest_path


class CorridorTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


TRANSLATOR = CorridorTranslator()


def _manifest() -> dict:
    path = manifest_path()
    if not path.exists():
        raise dg.DagsterInvalidDefinitionError(
            f"{path}: no dbt manifest; run `corridor build` (or `python -c 'from orchestration.build import "
            "prepare; prepare()'`) to parse the dbt project first")
    return json.loads(path.read_text(encoding="utf-8"))


def dbt_specs(manifest: dict) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    """The asset specs of the dbt models and seeds, and the check specs of their tests."""
    specs = list(build_dbt_asset_specs(manifest=manifest, dagster_dbt_translator=TRANSLATOR))
    key_of = {s.metadata["dagster_dbt/unique_id"]: s.key for s in specs}
    specs = [s.replace_attributes(metadata={k: v for k, v in s.metadata.items()
                                            if k not in ("dagster_dbt/manifest", "dagster_dbt/dagster_dbt_translator")})
             for s in specs]
    checks = []
    for node in manifest["nodes"].values():
        attached = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), None)
        if node["resource_type"] == "test" and attached in key_of:
            severity = str(node.get("config", {}).get("severity", "error")).lower()
            checks.append(dg.AssetCheckSpec(
                node["name"], asset=key_of[attached], blocking=severity == "error",
                description=node.get("description") or f"dbt test {node['name']} ({severity})",
                metadata={"dbt_unique_id": node["unique_id"]}))
    return specs, checks


def _dbt_assets() -> dg.AssetsDefinition:
    manifest = _manifest()
    specs, checks = dbt_specs(manifest)
    unique_of = {s.key: s.metadata["dagster_dbt/unique_id"] for s in specs}
    test_of = {(c.asset_key, c.name): c.metadata["dbt_unique_id"] for c in checks}

    @dg.multi_asset(name="corridor_dbt_models", specs=specs, check_specs=checks, can_subset=True,
                    description="dbt build of the selected staging, intermediate and mart models with their tests")
    def corridor_dbt_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        yield from run_dbt_build(context, warehouse, unique_of, test_of, manifest)

    return corridor_dbt_models


def run_dbt_build(context, warehouse: WarehouseResource, unique_of: dict, test_of: dict, manifest: dict):
    """One ``dbt build`` of the selected models (their tests included), results as Dagster events.

    The incremental models (dbt_project/macros/trade_partitions.sql) recompute only the partitions
    whose loads changed. When one of them or a seed was last built with another dbt project (or
    never), the build is a ``--full-refresh``: every selected model and seed is rebuilt whole."""
    from orchestration.lib.dbt import invoke, needs_full_refresh, project_fingerprint, record_models_built

    constants.export_env()
    selected = [unique_of[k] for k in context.selected_asset_keys if k in unique_of]
    names = [manifest["nodes"][u]["name"] for u in selected]
    # what a --full-refresh rebuilds differently: incremental models, and seeds (a seed whose columns
    # changed must be recreated, not appended to)
    incremental = [manifest["nodes"][u]["name"] for u in selected
                   if manifest["nodes"][u].get("config", {}).get("materialized") in ("incremental", "seed")]
    fingerprint = project_fingerprint()
    with warehouse.connect() as conn:
        full_refresh = needs_full_refresh(conn, incremental, fingerprint)
    verbose = os.environ.get("CORRIDOR_VERBOSE") == "1"
    # dbt unit tests check a model's SQL on fixtures, not the data: they run in `make test`
    # (tests/test_dbt_project.py) and with `dbt test --select test_type:unit`, not in every build.
    args = dbt_args("build", *(["--full-refresh"] if full_refresh else []), "--exclude-resource-type", "unit_test",
                    "--select", *names, *([] if verbose else ["--quiet"]))
    context.log.info(f"dbt build of {len(names)} models{' (full refresh)' if full_refresh else ''}")
    result = invoke(args)
    by_id = {r.node.unique_id: r for r in (result.result or [])} if result.result is not None else {}
    built = [manifest["nodes"][u]["name"] for u in selected if manifest["nodes"][u]["name"] in incremental
             and u in by_id and str(getattr(by_id[u].status, "value", by_id[u].status)) == "success"]
    with warehouse.connect() as conn:
        record_models_built(conn, built, fingerprint)
    key_of = {u: k for k, u in unique_of.items()}
    failed, skipped = [], []
    for unique_id, res in by_id.items():
        status = str(getattr(res.status, "value", res.status))
        if unique_id in key_of and key_of[unique_id] in context.selected_asset_keys:
            if status == "success":
                yield dg.MaterializeResult(asset_key=key_of[unique_id], metadata={
                    "execution_seconds": round(res.execution_time or 0.0, 3), "dbt_unique_id": unique_id})
            elif status == "skipped":  # dbt build skips what depends on a failed model or error test
                skipped.append(f"{manifest['nodes'][unique_id]['name']}: not built (an upstream model or blocking test failed)")
            else:
                failed.append(f"{manifest['nodes'][unique_id]['name']}: {res.message or status}")
    for (asset_key, check_name), unique_id in test_of.items():
        res = by_id.get(unique_id)
        if res is None or dg.AssetCheckKey(asset_key, check_name) not in context.selected_asset_check_keys:
            continue
        status = str(getattr(res.status, "value", res.status))
        if status == "skipped":
            continue
        node = manifest["nodes"][unique_id]
        warn = str(node.get("config", {}).get("severity", "error")).lower() == "warn"
        yield dg.AssetCheckResult(
            asset_key=asset_key, check_name=check_name, passed=status == "pass",
            severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
            metadata={"status": status, "failed_row_count": int(res.failures or 0), "message": str(res.message or ""),
                      "dbt_unique_id": unique_id})
    if not result.success and (failed or skipped or result.exception):
        # a test failure is a failed check (reported above); a model that fails stops the run, and
        # so does a blocking test (dbt skips what depends on it): the errors first, then the skipped
        errors = failed + skipped or [str(result.exception)]
        raise dg.Failure(description=f"dbt build failed: {errors[0].splitlines()[0]}",
                         metadata={"errors": dg.MetadataValue.json(errors[:20])})


corridor_dbt_models = _dbt_assets()
