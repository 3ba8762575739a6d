"""Publishing: after every blocking check and dbt test passed, replace the published warehouse."""


from pathlib import Path

import dagster as dg

from orchestration import constants
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transformation.dbt import corridor_dbt_models
from orchestration.lib.publish import publish


@dg.asset(
    key=["warehouse", "corridor"],
    group_name="serving",
    kinds={"duckdb"},
    deps=list(corridor_dbt_models.keys),
    description=(
        "The published warehouse (CORRIDOR_WAREHOUSE, default warehouse/corridor.duckdb): the build "
        "file copied and atomically renamed into place, only after every upstream blocking check and "
        "dbt test passed. BI tools open it read-only."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = publish(Path(warehouse.path), constants.warehouse_path())
    # same configuration as any connection dbt's adapter may still hold in this process
    with warehouse.connect() as conn:
        marts = conn.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        marts = [(name, conn.execute(f'select count(*) from marts."{name}"').fetchone()[0]) for name, _ in marts]
    context.log.info(f"published {target}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "size_bytes": target.stat().st_size,
            "mart_rows": dg.MetadataValue.json({name: rows for name, rows in marts}),
        }
    )
