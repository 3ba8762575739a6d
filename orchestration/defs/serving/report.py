"""The corridor report for the focus corridor, rendered from the published warehouse."""

import time

import dagster as dg

from orchestration import constants
from orchestration.lib.report import write_report


@dg.asset(
    key=["warehouse", "report"],
    group_name="serving",
    kinds={"html"},
    deps=[dg.AssetKey(["warehouse", "corridor"])],
    description=(
        "A self-contained, offline HTML report of the focus corridor (CORRIDOR_FOCUS, default AZE-CHN) at "
        "<warehouse dir>/report/<REPORTER-PARTNER>/index.html: trade as each side reports it, shares "
        "and ranks, growth, mirror gaps, FDI, companies (interactive Vega-Lite charts with tooltips and a "
        "CSV download each, Vega's JavaScript inline) and the checked claims (a sortable, filterable table)."
    ),
)
def corridor_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    reporter, partner = constants.focus_corridor()
    started = time.perf_counter()
    out = write_report(constants.warehouse_path(), reporter, partner, constants.warehouse_path().parent / "report")
    seconds = time.perf_counter() - started
    context.log.info(f"report written to {out} in {seconds:.2f} s")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)), "pair": f"{reporter}-{partner}",
                                          "size_bytes": out.stat().st_size, "render_seconds": round(seconds, 3)})
