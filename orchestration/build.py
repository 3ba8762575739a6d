"""The one build runner: the CLI, the schedule and the sensor all build the same job, ``corridor_build``.

:func:`run` materialises the job's assets (or a selection) in this process and records the run in
the project's Dagster instance (``DAGSTER_HOME``, default ``.dagster_home/`` in the checkout), so
that ``make dagster`` shows every build made from the command line with its materialisations and
check results. The schedule and the sensor (orchestration/defs/automation/schedules.py) submit the
same job to the Dagster daemon.

Work is proportional to change. A build reuses the previous build file (``<warehouse
dir>/build/corridor.duckdb``) unless asked for a full one: the loader reloads only new or changed
files, the source checks look only at new loads, and only the sources whose folder changed (and
everything downstream of them) run. When nothing changed since the published build — the raw
files, the dbt project and Corridor's own code are fingerprinted — the runner says so and stops
before loading Dagster at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import constants

JOB_NAME = "corridor_build"
INPUTS_FILE = "inputs.json"


# ---- fingerprints: what a build read --------------------------------------------------------------

def _digest(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)
        and (suffixes is None or p.suffix in suffixes))


def fingerprints(raw: Path | None = None) -> dict:
    """sha256 of every raw folder (one per source folder), of the dbt project and of Corridor's code."""
    raw = raw or constants.raw_dir()
    folders = sorted(p for p in raw.iterdir() if p.is_dir() and not p.name.startswith(".")) if raw.is_dir() else []
    code = _files(constants.REPO_ROOT / "orchestration", (".py", ".sql", ".yml", ".yaml"))
    from orchestration.lib.dbt import project_fingerprint

    return {
        "raw": {folder.name: _digest(_files(folder), raw) for folder in folders},
        "dbt": project_fingerprint(),
        "code": _digest(code, constants.REPO_ROOT),
        "settings": {k: os.environ.get(k, "") for k in ("CORRIDOR_FOCUS", "CORRIDOR_DOCS", "CORRIDOR_RAW")},
    }


def _inputs_path() -> Path:
    return constants.build_db_path().parent / INPUTS_FILE


def previous_inputs() -> dict | None:
    """The fingerprints of the last successful build into this build file (None if unknown)."""
    try:
        recorded = json.loads(_inputs_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("warehouse") != str(constants.warehouse_path()) or not constants.build_db_path().exists():
        return None
    if not constants.warehouse_path().exists():
        return None
    return recorded.get("fingerprints")


def changed_folders(before: dict | None, after: dict) -> set[str] | None:
    """The raw folders whose files changed, or None when everything must run (no earlier build,
    or the dbt project, Corridor's code or a setting changed)."""
    if before is None or any(before.get(k) != after.get(k) for k in ("dbt", "code", "settings")):
        return None
    old, new = before.get("raw", {}), after["raw"]
    return {f for f in set(old) | set(new) if old.get(f) != new.get(f)}


# ---- results ------------------------------------------------------------------------------------

@dataclass
class CheckOutcome:
    name: str           # asset:check
    passed: bool
    blocking: bool      # severity ERROR (a systemic fault) vs WARN
    metadata: dict


@dataclass
class BuildResult:
    success: bool
    up_to_date: bool = False
    run_id: str | None = None
    materialised: dict[str, dict] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    selection: str = "all"

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.blocking]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and not c.blocking]

    @property
    def published(self) -> bool:
        return "warehouse/corridor" in self.materialised

    @property
    def version(self) -> str | None:
        return self.materialised.get("warehouse/corridor", {}).get("version_id")


# ---- the instance and the run ---------------------------------------------------------------------

def dagster_home() -> Path:
    """DAGSTER_HOME, default ``.dagster_home/`` in the checkout (created, with a dagster.yaml that
    turns telemetry off: nothing leaves the machine)."""
    home = Path(os.environ.get("DAGSTER_HOME") or constants.REPO_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("# the project's Dagster instance (runs, events, schedules) in this folder\n"
                          "telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def instance():
    """The project's persistent Dagster instance (the one `make dagster` shows)."""
    import dagster as dg

    dagster_home()
    return dg.DagsterInstance.get()


def prepare() -> None:
    """What must exist before the definitions load: dbt's manifest (parsed when the project changed)."""
    from orchestration.lib.dbt import ensure_manifest

    constants.export_env()
    ensure_manifest()


def run(
    selection: str | None = None,
    *,
    full: bool = False,
    force: bool = False,
    on_step: Callable[[str, str, float], None] | None = None,
    dagster_instance=None,
) -> BuildResult:
    """Build the warehouse (or the assets of ``selection``, a Dagster asset selection string).

    ``full``: start from an empty build file. ``force``: build even when nothing changed.
    ``on_step(step_key, status, seconds)`` is called as steps start ('started') and end
    ('succeeded' / 'failed'), for a progress display."""
    started = time.perf_counter()
    constants.export_env()
    build_db = constants.build_db_path()
    if not full and build_db.exists():
        from orchestration.lib.warehouse import layout_is_current

        full = not layout_is_current(build_db)  # a build file of an older Corridor: rebuilt, not migrated
    after = fingerprints()
    before = None if full else previous_inputs()
    changed = changed_folders(before, after)
    if selection is None and not force and changed == set():
        return BuildResult(success=True, up_to_date=True, seconds=time.perf_counter() - started,
                           selection="nothing changed")
    if force:
        changed = None  # every asset runs (the loader still skips files it has)
    if full:
        for leftover in build_db.parent.glob(build_db.name + "*"):
            leftover.unlink()
    from orchestration.lib.publish import create_build_db

    create_build_db(build_db)  # in the published storage format (CORRIDOR_STORAGE_VERSION): no conversion

    prepare()
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def(JOB_NAME)
    graph = defs.get_repository_def().asset_graph
    keys = _selected_keys(selection, changed, graph, docs_needed=before is None or before.get("dbt") != after["dbt"])
    described = "all" if selection is None and changed is None else (selection or f"changed: {', '.join(sorted(changed))}")
    run_id = str(uuid.uuid4())
    inst = dagster_instance or instance()
    watcher = _Watcher(inst, run_id, on_step) if on_step else None
    try:
        result = job.execute_in_process(
            instance=inst,
            run_id=run_id,
            raise_on_error=False,
            asset_selection=keys,
            tags={"corridor/trigger": "cli", "corridor/selection": described[:200]},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        if watcher:
            watcher.stop()
    out = summarise(result, inst)
    out.seconds = time.perf_counter() - started
    out.selection = described
    if out.success and out.published:
        _inputs_path().write_text(json.dumps({"warehouse": str(constants.warehouse_path()), "fingerprints": after,
                                              "run_id": run_id}, indent=2), encoding="utf-8")
    return out


def _selected_keys(selection, changed, graph, docs_needed: bool):
    """The asset keys to materialise: a selection string; or what the changed folders affect; or all.
    The docs site is rebuilt only when the dbt project changed (or never was)."""
    import dagster as dg

    if os.environ.get("CORRIDOR_DOCS", "1") == "0":
        docs_needed = False
    everything = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    if selection is not None:
        return sorted(set(dg.AssetSelection.from_string(selection).resolve(graph)) & everything,
                      key=lambda k: k.to_user_string())
    if changed is None:
        keys = everything
    else:
        from orchestration.defs.automation.schedules import source_folders

        folders = source_folders(graph)
        raw = [dg.AssetKey.from_user_string(k) for f in sorted(changed) for k in folders.get(f, [])]
        keys = set(dg.AssetSelection.assets(*raw).downstream().resolve(graph)) if raw else set()
        keys |= {dg.AssetKey(["warehouse", "corridor"]), dg.AssetKey(["warehouse", "report"])}
    docs = dg.AssetKey(["warehouse", "docs"])
    docs_site = constants.warehouse_path().parent / "docs" / "index.html"
    keys = keys - {docs}
    if docs_needed or not docs_site.exists():
        keys = keys | ({docs} if os.environ.get("CORRIDOR_DOCS", "1") != "0" else set())
    return sorted(keys & everything, key=lambda k: k.to_user_string())


class _Watcher:
    """Follows a run's step events from the instance's event log while the run executes."""

    def __init__(self, inst, run_id: str, on_step: Callable[[str, str, float], None]) -> None:
        self.inst, self.run_id, self.on_step = inst, run_id, on_step
        self.started: dict[str, float] = {}
        self.cursor: str | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(0.2)
        self._poll()

    def _poll(self) -> None:
        # only the step events after the cursor (reading the whole log at every poll was quadratic:
        # a 235-workbook build writes about 1,200 events)
        from dagster import DagsterEventType

        kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
        try:
            page = self.inst.get_records_for_run(self.run_id, cursor=self.cursor, of_type=kinds)
        except Exception:  # the run may not exist yet
            return
        for record in (r.event_log_entry for r in page.records):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            kind = event.event_type_value
            if kind == "STEP_START":
                self.started[event.step_key] = record.timestamp
                self.on_step(event.step_key, "started", 0.0)
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                seconds = record.timestamp - self.started.get(event.step_key, record.timestamp)
                self.on_step(event.step_key, "succeeded" if kind == "STEP_SUCCESS" else "failed", seconds)
        self.cursor = page.cursor or self.cursor

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


def summarise(result, inst) -> BuildResult:
    """What a finished run did: materialisations with their metadata, check outcomes, failures, step times."""
    out = BuildResult(success=result.success, run_id=result.run_id)
    started: dict[str, float] = {}
    for record in inst.all_logs(result.run_id):
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            out.materialised[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
        elif kind == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            meta = {k: v.value for k, v in ev.metadata.items()}
            blocking = getattr(ev.severity, "value", str(ev.severity)) != "WARN"
            out.checks.append(CheckOutcome(f"{ev.asset_key.to_user_string()}:{ev.check_name}", ev.passed, blocking, meta))
        elif kind == "STEP_START" and event.step_key:
            started[event.step_key] = record.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            out.step_seconds[event.step_key] = round(record.timestamp - started[event.step_key], 3)
            if kind == "STEP_FAILURE":
                out.failures.append(f"{event.step_key}: {_failure_line(event.event_specific_data.error)}")
    return out


def _failure_line(err) -> str:
    while err is not None and err.cause is not None and "DagsterExecutionStepExecutionError" in (err.cls_name or ""):
        err = err.cause
    text = (err.message if err is not None else "") or ""
    text = text.replace("dagster._core.definitions.events.Failure: ", "").strip()
    return text.splitlines()[0] if text else "failed"
