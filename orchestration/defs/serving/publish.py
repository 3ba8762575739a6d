"""Publishing: after every blocking check and dbt test passed, replace the published warehouse."""

from pathlib import Path

import dagster as dg

from orchestration import constants
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transformation.dbt import corridor_dbt_models
from orchestration.lib.publish import publish


def _markdown(columns: list[str], rows: list[tuple]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns)
    return head + "".join("\n| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows)


def _check_summary(context: dg.AssetExecutionContext) -> dict:
    records = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    results = [r.dagster_event.event_specific_data for r in records if r.dagster_event]
    failed = sorted(f"{e.asset_key.to_user_string()}:{e.check_name}" for e in results if not e.passed)
    return {"evaluated": len(results), "passed": len(results) - len(failed), "failed": failed}


@dg.asset(
    key=["warehouse", "corridor"],
    group_name="serving",
    kinds={"duckdb"},
    deps=list(corridor_dbt_models.keys),
    description=(
        "The published warehouse (CORRIDOR_WAREHOUSE, default warehouse/corridor.duckdb): the build "
        "file stamped with a version id, kept under versions/ in a storage format DuckDB 1.x clients read "
        "(CORRIDOR_STORAGE_VERSION, default v1.0.0), and atomically renamed into place, only after every "
        "upstream blocking check and dbt test passed and only with every mart of the dbt project in it. "
        "BI tools open it read-only."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = constants.warehouse_path()
    manifest = publish(warehouse.db_path, target, checks=_check_summary(context), repo=constants.REPO_ROOT)
    marts = {k.split(".", 1)[1]: v for k, v in manifest["row_counts"].items() if k.startswith("marts.")}
    previews = {}
    with warehouse.connect() as conn:
        for name in marts:
            rel = conn.sql(f'select * from marts."{name}" limit 5')
            previews[f"preview_{name}"] = dg.MetadataValue.md(_markdown(rel.columns, rel.fetchall()))
    context.log.info(f"published {target} (version {manifest['version_id']})")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "version_id": manifest["version_id"],
            "storage_version": manifest["storage_version"],
            "size_bytes": target.stat().st_size,
            "mart_rows": dg.MetadataValue.json(marts),
            "checks": dg.MetadataValue.json(manifest["checks"]),
            **previews,
        }
    )
