"""Automation: a monthly full build, and a sensor that rebuilds what a new or changed raw file affects.

* ``corridor_monthly`` runs the whole pipeline (all assets, checks, publish) on a cron schedule,
  ``CORRIDOR_SCHEDULE_CRON`` (default ``0 6 1 * *``: 06:00 UTC on the 1st of each month). It starts
  stopped; turn it on in the Dagster UI (Automation) or with ``dagster schedule start corridor_monthly``.
* ``raw_files_sensor`` fingerprints every file under the raw folder (sha256) every
  ``CORRIDOR_SENSOR_INTERVAL`` seconds (default 300) and, when files of a source folder are new,
  changed or gone, requests a run of that source's raw assets and everything downstream of them.
"""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from orchestration import constants

# raw/<folder> -> the raw assets that read it
SOURCE_FOLDERS: dict[str, list[str]] = {
    "imf_dots": ["raw/trade_flows"],
    "reference": ["raw/country_names", "raw/country_codes", "raw/comtrade_country_codes"],
    "claims": ["raw/claims"],
    "fdi_unctad": ["raw/fdi_flows"],
    "fdi_releases": ["raw/fdi_flows"],
    "registry_counts": ["raw/company_counts"],
    "registry_companies": ["raw/company_records"],
    "imf_imts": ["raw/imf_imts"],
    "comtrade_matrix": ["raw/comtrade_matrix"],
    "fdi_cdis": ["raw/fdi_cdis"],
    # landing zones of the API connectors (`corridor fetch comtrade|imf`)
    "comtrade": ["raw/comtrade_flows"],
    "imf_sdmx": ["raw/imts_flows"],
}

corridor_build_job = dg.define_asset_job(
    "corridor_build",
    selection=dg.AssetSelection.all(),
    description="Everything: load raw/, run the checks, build the dbt marts, publish, docs and report.",
)

corridor_monthly = dg.ScheduleDefinition(
    name="corridor_monthly",
    job=corridor_build_job,
    cron_schedule=os.environ.get("CORRIDOR_SCHEDULE_CRON", "0 6 1 * *"),
    execution_timezone="UTC",
    description="Full build of the warehouse; change the cron with CORRIDOR_SCHEDULE_CRON.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def fingerprint(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every regular file under ``root`` (hidden files ignored)."""
    prints: dict[str, str] = {}
    if not root.is_dir():
        return prints
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        prints[rel.as_posix()] = digest.hexdigest()
    return prints


def changed_folders(before: dict[str, str], after: dict[str, str]) -> set[str]:
    changed = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    return {p.split("/", 1)[0] for p in changed if "/" in p}


@dg.sensor(
    name="raw_files_sensor",
    minimum_interval_seconds=int(os.environ.get("CORRIDOR_SENSOR_INTERVAL", "300")),
    description="Materialises only what a new, changed or removed file under the raw folder affects.",
    default_status=dg.DefaultSensorStatus.STOPPED,
    job=corridor_build_job,
)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    after = fingerprint(constants.raw_dir())
    before = json.loads(context.cursor) if context.cursor else {}
    folders = changed_folders(before, after)
    known = {f for f in folders if f in SOURCE_FOLDERS}
    for folder in sorted(folders - known):
        context.log.warning(f"raw/{folder}: no asset reads this folder; add it to SOURCE_FOLDERS")
    if not known:
        context.update_cursor(json.dumps(after))
        return dg.SkipReason("no new or changed raw files" if not folders else f"changes only in unmapped folders {sorted(folders)}")
    graph = context.repository_def.asset_graph
    existing = {k.to_user_string() for k in graph.get_all_asset_keys()}
    keys = [dg.AssetKey.from_user_string(k) for f in sorted(known) for k in SOURCE_FOLDERS[f] if k in existing]
    selection = dg.AssetSelection.assets(*keys).downstream().resolve(graph)
    context.update_cursor(json.dumps(after))
    return dg.RunRequest(
        run_key=hashlib.sha256(json.dumps(after, sort_keys=True).encode()).hexdigest()[:16],
        asset_selection=sorted(selection, key=lambda k: k.to_user_string()),
        tags={"corridor/changed_folders": ",".join(sorted(known))},
    )
