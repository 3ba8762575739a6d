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



def source_folders(asset_graph) -> dict[str, list[str]]:
    """raw/<folder> -> the raw assets that read it, from each source asset's ``raw_folder`` metadata
    (set from its SourceSpec: one declaration per source, nothing to keep in step here)."""
    folders: dict[str, list[str]] = {}
    for key in sorted(asset_graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = asset_graph.get(key)
        folder = (node.metadata or {}).get("raw_folder")
        if folder is not None:
            folders.setdefault(getattr(folder, "value", folder), []).append(key.to_user_string())
    return folders


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
    graph = context.repository_def.asset_graph
    mapping = source_folders(graph)
    known = {f for f in folders if f in mapping}
    for folder in sorted(folders - known):
        context.log.warning(f"raw/{folder}: no source reads this folder (declare a SourceSpec for it)")
    if not known:
        context.update_cursor(json.dumps(after))
        return dg.SkipReason("no new or changed raw files" if not folders else f"changes only in unmapped folders {sorted(folders)}")
    keys = [dg.AssetKey.from_user_string(k) for f in sorted(known) for k in mapping[f]]
    selection = dg.AssetSelection.assets(*keys).downstream().resolve(graph)
    context.update_cursor(json.dumps(after))
    return dg.RunRequest(
        run_key=hashlib.sha256(json.dumps(after, sort_keys=True).encode()).hexdigest()[:16],
        asset_selection=sorted(selection, key=lambda k: k.to_user_string()),
        tags={"corridor/changed_folders": ",".join(sorted(known))},
    )
