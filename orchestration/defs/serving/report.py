"""The corridor report for the focus corridor, rendered from the published warehouse."""

import dagster as dg

from orchestration import constants
from orchestration.lib.report import write_report


@dg.asset(
    key=["warehouse", "report"],
    group_name="serving",
    kinds={"html"},
    deps=[dg.AssetKey(["warehouse", "corridor"])],
    description=(
        "A static, offline HTML report of the focus corridor (CORRIDOR_FOCUS, default AZE-CHN) at "
        "<warehouse dir>/report/<REPORTER-PARTNER>/index.html: trade as each side reports it, shares "
        "and ranks, growth, mirror gaps, FDI, companies and the checked claims."
    ),
)
def corridor_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    reporter, partner = constants.focus_corridor()
    out = write_report(constants.warehouse_path(), reporter, partner, constants.warehouse_path().parent / "report")
    context.log.info(f"report written to {out}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)), "pair": f"{reporter}-{partner}",
                                          "size_bytes": out.stat().st_size})
