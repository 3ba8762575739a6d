"""The dbt docs site, generated from every build and written next to the warehouse."""

import shutil

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration import constants
from orchestration.defs.transformation.dbt import dbt_project, target_dir


@dg.asset(
    key=["warehouse", "docs"],
    group_name="serving",
    kinds={"dbt"},
    deps=[dg.AssetKey(["warehouse", "corridor"])],
    description=(
        "dbt docs (every mart, column, source, test and exposure) as one static HTML file, "
        "<warehouse dir>/docs/index.html; `corridor docs --serve` serves it on localhost."
    ),
)
def docs_site(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> dg.MaterializeResult:
    constants.export_env()
    # --no-compile and the build's target folder: the build has just parsed and compiled every
    # model, so docs only read the catalog from the warehouse (saves a parse and a compile)
    invocation = dbt.cli(["docs", "generate", "--static", "--no-compile"], manifest=dbt_project.manifest_path,
                         raise_on_error=True, target_path=target_dir())
    invocation.wait()
    source = invocation.target_path / "static_index.html"
    out_dir = constants.warehouse_path().parent / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    shutil.copyfile(source, target)
    context.log.info(f"docs written to {target}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(target)), "size_bytes": target.stat().st_size})
