"""The dbt docs site, generated from every build and written next to the warehouse."""

import shutil

import dagster as dg

from orchestration import constants
from orchestration.lib.dbt import dbt_args, invoke, target_dir


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
def docs_site(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    constants.export_env()
    # In this process, not a dbt subprocess (saves a dbt start-up, ~3 s), with --no-compile and the
    # build's target folder: the build has just parsed and compiled every model, so docs only read
    # the catalog from the warehouse.
    result = invoke(dbt_args("docs", "generate", "--static", "--no-compile", "--quiet"))
    if not result.success:
        raise dg.Failure(f"dbt docs generate failed: {result.exception or 'see the dbt log in ' + str(target_dir())}")
    source = target_dir() / "static_index.html"
    out_dir = constants.warehouse_path().parent / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    shutil.copyfile(source, target)
    context.log.info(f"docs written to {target}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(target)), "size_bytes": target.stat().st_size})
