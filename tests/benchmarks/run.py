"""Corridor benchmark: the build budgets, measured side by side in one run, each against a baseline
on the same machine and the same data.

    python -m tests.benchmarks.run [--reporters 235] [--years 61] [--comtrade-rows 10000000]
                                   [--repeats 1] [--dense] [--new-year] [--profile] [--out DIR]
    make bench BENCH_ARGS="--reporters 20 --comtrade-rows 100000"

Inputs are SYNTHETIC (:mod:`tests.benchmarks.generate`: IMF DOTS workbooks in the real layout at the
real density, 2.70 million figures at 235 × 61; UN Comtrade HS6 records) and cached under
``<out>/inputs`` by their parameters. Every build is ``python -m orchestration.cli build --timings
[--full|--force]`` in a subprocess with its own CORRIDOR_RAW, CORRIDOR_WAREHOUSE, DBT_TARGET_PATH and
DAGSTER_HOME under ``<out>/work`` (never the checkout's warehouse/, dbt_project/target or
.dagster_home/), run by a small wrapper that reports its wall time and the peak RSS of its largest
process; each build's step seconds come from its ``build_timings.json``. Results: a table on
stdout, ``<out>/results.json`` and ``<out>/results.md`` (the tables of tests/benchmarks/README.md).

Builds, per repeat (the median over ``--repeats`` is reported; "once" = first repeat only):

* ``build_embedded_s``     raw/ as shipped (2 real workbooks), the first build after install: a new
                           warehouse folder, dbt target and Dagster home (dbt parses the project)
* ``build_embedded_warm_s``  then ``--full`` again in the same folder (parsed target, warm instance)
* ``build_full_s``         ``--full`` of the whole DOTS set into a new folder whose dbt target was
                           parsed beforehand (``dbt_parse_s``, untimed for the build: a user's
                           checkout has parsed it once) and the bench's Dagster home (warm)
* ``build_nothing_changed_s``  then ``corridor build`` with nothing changed ("Nothing changed…")
* ``build_new_workbook_s`` then ``corridor build`` after one new reporter's workbook was added
* ``build_changed_workbook_s``  then after one workbook changed (new figures)
* ``build_force_s``        then ``--force`` (every asset reruns; the loader skips the files it has)
* ``build_new_year_s``     with ``--new-year``, once: every workbook gains one year (all reload)
* ``comtrade_corridor_*``  once: raw/ as shipped plus ``--comtrade-rows`` SYNTHETIC records as one
                           fetched release (the connector's layout: count/data JSON responses of at
                           most 100,000 records and manifest.json), ``--full`` into a new folder:
                           ``_build_s`` (wall), ``_ingest_s`` (step ``raw__comtrade``), ``_checks_s``
                           (``comtrade_checks``), ``_dbt_s`` (``corridor_dbt_models``), ``_peak_rss_bytes``

Baselines on the same data:

* ``analyst_pandas_openpyxl_s``  :mod:`tests.benchmarks.analyst_baseline` in a subprocess: pandas +
                           openpyxl read every workbook, partner shares, one DuckDB table (what an
                           analyst would write); ``analyst_peak_rss_bytes``
* ``baseline_dots_*``      polars (calamine) read of every workbook, one DuckDB insert, the partner
                           shares in one SQL statement (the physical limit of the machine)
* ``ingest_parse_s``       Corridor's own parser over every workbook, in process (throughput)
* ``comtrade_duckdb_bulk_load_s``  DuckDB ``read_csv_auto`` of the Comtrade CSV into a table (the
                           budget's denominator); ``comtrade_duckdb_json_load_s`` DuckDB ``read_json``
                           of the release's JSON responses, the files Corridor reads (informative);
                           ``comtrade_polars_load_s`` polars + one insert; ``comtrade_aggregate_s``
                           the Comtrade partner shares in one statement

Budgets (:data:`BUDGETS`; a budget whose inputs were not measured is reported as such, never as a
pass). Where the time goes: every build's step seconds, dbt's slowest nodes (``run_results.json``
of the full and the Comtrade builds) and DuckDB's ``EXPLAIN ANALYZE`` of the two slowest models;
``--profile`` adds a py-spy flame graph of one full build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks import generate

REPO_ROOT = generate.REPO_ROOT
FOREIGN_ENV = ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_WAREHOUSE", "DBT_TARGET_PATH", "CORRIDOR_FOCUS",
               "DAGSTER_HOME", "CORRIDOR_DOCS", "CORRIDOR_VERBOSE")
GIB = 1024**3
STEP_DOTS, STEP_DOTS_CHECKS = "raw__imf_dots", "imf_dots_checks"
STEP_COMTRADE, STEP_COMTRADE_CHECKS = "raw__comtrade", "comtrade_checks"
STEP_DBT, STEP_PUBLISH, STEP_REPORT, STEP_DOCS = (
    "corridor_dbt_models", "warehouse__corridor", "warehouse__report", "warehouse__docs")

BUDGETS = {
    "full_build_s": ("build_full_s: `corridor build --full` of the DOTS set (warm)", "<=", 30.0),
    "full_vs_analyst": ("build_full_s / analyst_pandas_openpyxl_s (same workbooks)", "<=", 0.5),
    "nothing_changed_s": ("build_nothing_changed_s", "<=", 3.0),
    "one_workbook_s": ("max(build_new_workbook_s, build_changed_workbook_s)", "<=", 10.0),
    "one_workbook_vs_full": ("max(build_new_workbook_s, build_changed_workbook_s) / build_full_s", "<=", 0.15),
    "embedded_build_s": ("build_embedded_s: raw/ as shipped, first build after install", "<=", 10.0),
    "peak_rss_bytes": ("max peak RSS of every build (the Comtrade build included)", "<=", 2 * GIB),
    "comtrade_ingestion_vs_duckdb_bulk": ("comtrade_corridor_ingest_s / comtrade_duckdb_bulk_load_s", "<=", 1.5),
    "ci_run_s": (".ci/run on a fresh clone", "<=", 600.0),
}
NOT_RUN_HERE = {"ci_run_s": "not run by the benchmark (`.ci/run` on a fresh clone is measured on request)"}

# Runs one command and reports its wall time and the peak RSS of its largest process (this
# wrapper's RUSAGE_CHILDREN covers only this command, not earlier ones run by the benchmark).
_WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_rss_bytes": rss, "returncode": p.returncode,
                  "stdout": p.stdout[-3000:], "stderr": p.stderr[-3000:]}))
"""

DOTS_SHARES_SQL = """
create or replace table dots_shares as
with w as (select reporter, flow, year, value as world from dots where partner = 'World')
select d.reporter, d.partner, d.flow, d.year, d.value, w.world,
       100 * d.value / nullif(w.world, 0) as share_pct,
       rank() over (partition by d.reporter, d.flow, d.year order by d.value desc) as rank
from dots d join w using (reporter, flow, year)
where d.partner <> 'World'
"""

COMTRADE_SHARES_SQL = """
create or replace table comtrade_shares as
with p as (
    select reporterCode, partnerCode, flowCode, period, sum(primaryValue) as value
    from comtrade group by all
)
select *, 100 * value / sum(value) over (partition by reporterCode, flowCode, period) as share_pct,
       rank() over (partition by reporterCode, flowCode, period order by value desc) as rank
from p
"""


def _say(text: str) -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------------------------- inputs

def _complete(folder: Path, params: dict) -> bool:
    marker = folder / ".complete"
    return marker.is_file() and json.loads(marker.read_text()) == params


def raw_signature() -> list:
    """The repo's raw/ files other than the DOTS workbooks (path, size): generated inputs copy them,
    so a cached input is stale when they change."""
    return [[p.relative_to(generate.RAW).as_posix(), p.stat().st_size] for p in sorted(generate.RAW.rglob("*"))
            if p.is_file() and p.relative_to(generate.RAW).parts[0] != "imf_dots"]


def ensure_dots(inputs: Path, reporters: int, years: int, first_year: int, seed: int, dense: bool = False) -> Path:
    """The cached SYNTHETIC CORRIDOR_RAW folder for these parameters (generated if missing)."""
    params = {"reporters": reporters, "years": years, "first_year": first_year, "seed": seed, "dense": dense,
              "generator": generate.GENERATOR_VERSION, "raw": raw_signature()}
    folder = inputs / f"dots_SYNTHETIC_r{reporters}_y{years}_f{first_year}_s{seed}{'_dense' if dense else ''}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        _say(f"generating {reporters} SYNTHETIC DOTS workbooks × {years} years "
             f"({'dense' if dense else 'realistic density'}) in {folder} ...")
        generate.write_dots_workbooks(folder, reporters, years, first_year, seed, dense)
        (folder / ".complete").write_text(json.dumps(params))
    return folder


def ensure_comtrade(inputs: Path, rows: int, seed: int) -> Path:
    params = {"rows": rows, "seed": seed, "generator": generate.GENERATOR_VERSION}
    path = inputs / f"comtrade_SYNTHETIC_n{rows}_s{seed}.csv"
    marker = path.with_name(path.name + ".complete")
    if not (path.is_file() and marker.is_file() and json.loads(marker.read_text()) == params):
        _say(f"generating {rows:,} SYNTHETIC Comtrade records in {path} ...")
        generate.write_comtrade_csv(path, rows, seed)
        marker.write_text(json.dumps(params))
    return path


def ensure_comtrade_raw(inputs: Path, csv_path: Path) -> Path:
    """A CORRIDOR_RAW with the repo's raw/ as shipped and the records of ``csv_path`` as one fetched
    release in ``comtrade/`` (:func:`generate.write_comtrade_release`)."""
    params = {"csv": csv_path.name, "csv_bytes": csv_path.stat().st_size, "generator": generate.GENERATOR_VERSION,
              "raw": raw_signature(), "dots": sorted(p.name for p in dots_workbooks(generate.RAW))}
    folder = inputs / f"comtrade_raw_{csv_path.stem}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(generate.RAW, folder)
        _say(f"writing the Comtrade records as a fetched release in {folder / 'comtrade'} ...")
        generate.write_comtrade_release(csv_path, folder)
        (folder / ".complete").write_text(json.dumps(params))
    return folder


def dots_workbooks(raw: Path) -> list[Path]:
    return sorted((raw / "imf_dots").glob("*.xlsx"))


def _copy_raw(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".complete"))
    return target


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# --------------------------------------------------------------------------------------------- builds

def build_env(workdir: Path, raw: Path, dagster_home: Path) -> dict[str, str]:
    """The environment of a build publishing ``workdir/corridor.duckdb`` from ``raw``, with its own
    dbt target (``workdir/dbt_target``, as a user's warehouse has one dbt_project/target) and the
    Dagster instance ``dagster_home``; nothing inherited points at another warehouse."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(CORRIDOR_RAW=str(raw), CORRIDOR_WAREHOUSE=str(workdir / "corridor.duckdb"),
               DBT_TARGET_PATH=str(workdir / "dbt_target"), DAGSTER_HOME=str(dagster_home), CORRIDOR_FOCUS="AZE-CHN")
    return env


def warm_parse(workdir: Path, raw: Path, dagster_home: Path) -> float:
    """Parse the dbt project into ``workdir``'s target as the runner does before a build
    (``orchestration.build.prepare``): once per warehouse location. Returns seconds."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from orchestration.build import prepare; prepare()"],
                   env=build_env(workdir, raw, dagster_home), cwd=REPO_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def definitions_load(workdir: Path, raw: Path, dagster_home: Path) -> float:
    """Seconds to import Corridor's Dagster definitions (every asset, check and the dbt project's
    specs from its manifest) in a new process, as every build that runs does."""
    code = ("import time; t = time.perf_counter(); from orchestration.definitions import defs; "
            "defs.resolve_job_def('corridor_build'); print(time.perf_counter() - t)")
    proc = subprocess.run([sys.executable, "-c", code], env=build_env(workdir, raw, dagster_home), cwd=REPO_ROOT,
                          check=True, capture_output=True, text=True)
    return float(proc.stdout.strip().splitlines()[-1])


def _wrapped(cmd: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=7200)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"wrapper failed: {proc.stderr[-2000:]}") from None


def run_build(workdir: Path, raw: Path, dagster_home: Path, *flags: str, profile: Path | None = None) -> dict:
    """``corridor build --timings [flags]`` into ``workdir``: {"seconds" (wall, interpreter start
    included), "peak_rss_bytes", "returncode", "stdout", "stderr", "steps" (step key -> seconds),
    "total_s" (the runner's own total), "up_to_date", "selection", "load_1m" (before it ran)}. With
    ``profile``, it runs under py-spy and the flame graph is written there (its time is then not a
    measurement)."""
    workdir.mkdir(parents=True, exist_ok=True)
    timings = workdir / "build_timings.json"
    timings.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "orchestration.cli", "build", "--timings", *flags]
    if profile is not None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        cmd = [py_spy, "record", "--subprocesses", "--rate", "50", "--format", "flamegraph", "--output", str(profile),
               "--", *cmd]
    load = os.getloadavg()[0]
    result = _wrapped(cmd, build_env(workdir, raw, dagster_home))
    recorded = json.loads(timings.read_text()) if timings.is_file() else {}
    result.update(steps=recorded.get("steps", {}), total_s=recorded.get("total_s"),
                  up_to_date=recorded.get("up_to_date"), selection=recorded.get("selection"), load_1m=load,
                  flags=list(flags))
    return result


def run_results(target: Path) -> dict | None:
    """dbt's ``run_results.json`` in ``target`` (the last ``dbt build`` there), or None."""
    try:
        return json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def dbt_node_times(results: dict | None, top: int = 10) -> list[dict]:
    """The slowest nodes of a dbt ``run_results.json``: {"node", "type", "seconds"}, slowest first."""
    if not results:
        return []
    # unique ids: model.corridor.<name>, test.corridor.<name>.<hash>, ...
    nodes = [{"node": r["unique_id"].split(".")[2], "type": r["unique_id"].split(".", 1)[0],
              "seconds": round(float(r.get("execution_time") or 0.0), 3)} for r in results.get("results", [])]
    return sorted(nodes, key=lambda n: -n["seconds"])[:top]


def dbt_summary(results: dict | None) -> dict:
    """dbt's own elapsed seconds and the seconds per node type of a ``run_results.json``."""
    if not results:
        return {}
    by_type: dict[str, float] = {}
    counts: dict[str, int] = {}
    for r in results.get("results", []):
        kind = r["unique_id"].split(".", 1)[0]
        by_type[kind] = by_type.get(kind, 0.0) + float(r.get("execution_time") or 0.0)
        counts[kind] = counts.get(kind, 0) + 1
    return {"elapsed_s": round(float(results.get("elapsed_time") or 0.0), 3),
            "node_seconds": {k: round(v, 3) for k, v in by_type.items()}, "nodes": counts}


def explain_models(target: Path, db: Path, models: list[str], out: Path) -> dict[str, dict]:
    """DuckDB ``EXPLAIN ANALYZE`` of each model's compiled SQL on the published warehouse: its time
    and the costliest operators; the full JSON plans go to ``out/explain_<model>.json``."""
    import duckdb

    found: dict[str, dict] = {}
    for model in models:
        # the model's own SQL, not a dbt unit test's fixture of it (compiled under '<models yml>/')
        compiled = next(iter(sorted(p for p in target.glob(f"compiled/corridor/models/**/{model}.sql")
                                    if not any(part.endswith(".yml") for part in p.parts))), None)
        if compiled is None:
            continue
        sql = compiled.read_text(encoding="utf-8")
        with duckdb.connect(str(db), read_only=True) as conn:
            started = time.perf_counter()
            conn.execute(f"select count(*) from ({sql})").fetchall()
            seconds = time.perf_counter() - started
            conn.execute("pragma enable_profiling = 'json'")
            plan = conn.execute(f"explain analyze {sql}").fetchall()
        text = str(plan[0][-1])
        (out / f"explain_{model}.json").write_text(text, encoding="utf-8")
        operators: list[tuple[float, str]] = []

        def walk(node: dict) -> None:
            name = (node.get("type") or node.get("operator_type") or node.get("operator_name") or "").strip()
            if name and name not in ("RESULT_COLLECTOR", "EXPLAIN_ANALYZE"):
                operators.append((float(node.get("timing", node.get("operator_timing", 0.0))), name))
            for child in node.get("children", []) + node.get("operator", []):
                walk(child)

        try:
            walk(json.loads(text))
        except json.JSONDecodeError:
            pass
        operators.sort(reverse=True)
        found[model] = {"seconds": round(seconds, 3),
                        "top_operators": [{"operator": n, "seconds": round(t, 3)} for t, n in operators[:5]]}
    return found


# ------------------------------------------------------------------------------------------ baselines

def parse_all(paths: list[Path]) -> tuple[float, int]:
    """Corridor's parser over every workbook: (seconds, rows)."""
    from orchestration.lib.imf_dots import parse_dots_workbook

    t = time.perf_counter()
    rows = sum(parse_dots_workbook(p).rows.height for p in paths)
    return time.perf_counter() - t, rows


def analyst_baseline(folder: Path, db_path: Path) -> dict:
    """:mod:`tests.benchmarks.analyst_baseline` on ``folder`` in a subprocess (interpreter start and
    imports included, as an analyst runs a script): {"seconds", "peak_rss_bytes", "rows", ...}."""
    db_path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    r = _wrapped([sys.executable, "-m", "tests.benchmarks.analyst_baseline", str(folder), str(db_path)], env)
    if r["returncode"] != 0:
        raise RuntimeError(f"the analyst baseline failed:\n{r['stderr'][-2000:]}")
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        r["rows"] = con.execute("select count(*) from partner_shares").fetchone()[0]
    r["db_bytes"] = db_path.stat().st_size
    db_path.unlink(missing_ok=True)
    return r


def _read_dots_calamine(paths: list[Path]):
    """polars (calamine) read of every sheet, reshaped to (reporter, partner, flow, year, value)."""
    import polars as pl

    parts = []
    for path in paths:
        sheets = pl.read_excel(path, sheet_id=0, engine="calamine", has_header=False,
                               infer_schema_length=0)  # every cell as text
        for name, frame in sheets.items():
            first, *rest = frame.columns
            is_header = pl.col(first).is_null() & pl.col(rest[0]).str.contains(r"^\d{4}(\.0)?$")
            header_idx = frame.with_row_index("i").filter(is_header)["i"][0]
            labels = [v for v in frame[first][:header_idx].to_list() if v]
            reporter = labels[-2]  # the label above the unit line
            years = {c: int(str(v).removesuffix(".0")) for c, v in zip(rest, frame.row(header_idx)[1:]) if v}
            body = frame.slice(header_idx + 1).rename({first: "partner"})
            parts.append(
                body.unpivot(index="partner", on=list(years), variable_name="col", value_name="raw")
                .filter(pl.col("raw").is_not_null())
                .select(
                    pl.lit(reporter).alias("reporter"), "partner",
                    pl.lit("exports" if name.lower().startswith("exports") else "imports").alias("flow"),
                    pl.col("col").replace_strict(years, return_dtype=pl.Int32).alias("year"),
                    (pl.col("raw").str.strip_suffix(" e").cast(pl.Float64) * 1e6).alias("value"),
                )
            )
    return pl.concat(parts)


def dots_baseline(paths: list[Path], db_path: Path) -> dict:
    import duckdb

    db_path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    frame = _read_dots_calamine(paths)
    t1 = time.perf_counter()
    with duckdb.connect(str(db_path)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute("create table dots as select * from frame")
        t2 = time.perf_counter()
        con.execute(DOTS_SHARES_SQL)
        t3 = time.perf_counter()
    out = {"read": t1 - t0, "insert": t2 - t1, "aggregate": t3 - t2, "total": t3 - t0,
           "rows": frame.height, "db_bytes": db_path.stat().st_size}
    db_path.unlink(missing_ok=True)
    return out


def comtrade_json_load(release: Path, workdir: Path) -> float:
    """DuckDB's own load of the release's data responses (the JSON files Corridor reads), one file
    at a time (``read_json`` of all 100 responses of 100,000 records at once needs more than 18 GB):
    the first file creates the table, each further one is inserted, records unnested."""
    import duckdb

    db = workdir / "comtrade_json.duckdb"
    db.unlink(missing_ok=True)
    files = [str(p) for p in sorted(release.glob("data-*.json"))]
    read = "select unnest(data, recursive := true) from read_json(?, maximum_object_size = 1073741824)"
    with duckdb.connect(str(db)) as con:
        con.execute("set enable_progress_bar = false")
        t = time.perf_counter()
        for i, path in enumerate(files):
            con.execute(("create table comtrade as " if i == 0 else "insert into comtrade ") + read, [path])
        seconds = time.perf_counter() - t
    db.unlink(missing_ok=True)
    return seconds


def comtrade_measure(csv_path: Path, workdir: Path) -> dict:
    import duckdb
    import polars as pl

    workdir.mkdir(parents=True, exist_ok=True)
    bulk_db, polars_db = workdir / "comtrade_bulk.duckdb", workdir / "comtrade_polars.duckdb"
    for p in (bulk_db, polars_db):
        p.unlink(missing_ok=True)
    with duckdb.connect(str(bulk_db)) as con:
        con.execute("set enable_progress_bar = false")
        t = time.perf_counter()
        con.execute("create table comtrade as select * from read_csv_auto(?)", [str(csv_path)])
        bulk = time.perf_counter() - t
        t = time.perf_counter()
        con.execute(COMTRADE_SHARES_SQL)
        aggregate = time.perf_counter() - t
        rows = con.execute("select count(*) from comtrade").fetchone()[0]
    with duckdb.connect(str(polars_db)) as con:
        con.execute("set enable_progress_bar = false")
        t = time.perf_counter()
        frame = pl.scan_csv(csv_path, schema_overrides={"cmdCode": pl.String}).collect()
        con.execute("create table comtrade as select * from frame")
        via_polars = time.perf_counter() - t
        del frame
    for p in (bulk_db, polars_db):
        p.unlink(missing_ok=True)
    return {"bulk": bulk, "polars": via_polars, "aggregate": aggregate, "rows": rows}


# ------------------------------------------------------------------------------------------- report

def machine_info() -> dict:
    import duckdb
    import pandas as pd
    import polars as pl

    mem = cpu = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), None)
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_bytes": mem, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "polars": pl.__version__, "pandas": pd.__version__,
            "platform": platform.platform(), "git_commit": commit.stdout.strip() or None}


def machine_load() -> dict:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "loadavg": [round(x, 2) for x in os.getloadavg()], "uptime": uptime}


def _measure(runs: list[float], unit: str, note: str = "") -> dict:
    entry = {"unit": unit, "runs": runs, "median": statistics.median(runs)}
    if note:
        entry["note"] = note
    return entry


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{value / 2**20:,.0f} MiB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:.2f}"


def compute_ratios(m: dict) -> tuple[dict[str, float | None], dict[str, str]]:
    """The ratios of the medians in ``m`` (measurement -> {"median", ...}). Returns (ratios, why a
    ratio is None). A ratio whose inputs were not measured is None, never a guess."""
    med = {k: v["median"] for k, v in m.items()}
    ratios: dict[str, float | None] = {}
    why: dict[str, str] = {}

    def ratio(key: str, num: str | float | None, den: str, reason: str = "") -> None:
        top = med.get(num) if isinstance(num, str) else num
        bottom = med.get(den)
        if top is None or bottom is None or bottom <= 0:
            ratios[key] = None
            why[key] = reason or f"{num if isinstance(num, str) else key} / {den}: not measured"
        else:
            ratios[key] = top / bottom

    ratio("build_full_vs_analyst", "build_full_s", "analyst_pandas_openpyxl_s")
    ratio("build_full_vs_dots_baseline", "build_full_s", "baseline_dots_total_s")
    ratio("analyst_vs_dots_baseline", "analyst_pandas_openpyxl_s", "baseline_dots_total_s")
    for case in ("new_workbook", "changed_workbook", "nothing_changed", "force", "new_year"):
        ratio(f"{case}_vs_full", f"build_{case}_s", "build_full_s")
    ratio("embedded_warm_vs_cold", "build_embedded_warm_s", "build_embedded_s")
    ratio("publish_vs_full", "publish_s", "build_full_s")
    ratio("ingest_parse_vs_calamine_read", "ingest_parse_s", "baseline_dots_read_s")
    ratio("warehouse_bytes_vs_baseline_db", "warehouse_bytes", "baseline_dots_db_bytes")
    ratio("comtrade_polars_load_vs_duckdb_bulk", "comtrade_polars_load_s", "comtrade_duckdb_bulk_load_s")
    ratio("comtrade_corridor_ingest_vs_duckdb_bulk", "comtrade_corridor_ingest_s", "comtrade_duckdb_bulk_load_s",
          "the Comtrade build did not run or failed")
    ratio("comtrade_corridor_ingest_vs_duckdb_json", "comtrade_corridor_ingest_s", "comtrade_duckdb_json_load_s",
          "the Comtrade build did not run or failed")
    dbt, dbt_embedded = med.get("comtrade_corridor_dbt_s"), med.get("build_embedded_warm_dbt_s")
    added = dbt - dbt_embedded if dbt is not None and dbt_embedded is not None else None
    if added is not None and added <= 0:
        ratios["comtrade_marts_vs_plain_sql"] = None
        why["comtrade_marts_vs_plain_sql"] = (f"not measured: the Comtrade records added no dbt time ({added:.2f} s; "
                                              "noise at this scale)")
    else:
        ratio("comtrade_marts_vs_plain_sql", added, "comtrade_aggregate_s",
              "the Comtrade build or the warm embedded build did not run")
    return ratios, why


def evaluate_budgets(m: dict, ratios: dict, why: dict | None = None, rss_by_build: dict | None = None) -> dict:
    """Each budget of :data:`BUDGETS` on the medians ``m`` and ``ratios`` (:func:`compute_ratios`):
    {"what", "value", "op", "limit", "measured", "pass"[, "reason"]}; ``pass`` is None when not
    measured. ``rss_by_build``: build name -> peak RSS, to name the build that set the peak."""
    why = why or {}
    med = {k: v["median"] for k, v in m.items()}
    one = [med[k] for k in ("build_new_workbook_s", "build_changed_workbook_s") if k in med]
    one_missing = [k for k in ("build_new_workbook_s", "build_changed_workbook_s") if k not in med]
    full = med.get("build_full_s")
    rss = m.get("build_peak_rss_bytes", {}).get("runs") or []
    values: dict[str, tuple[float | None, str]] = {
        "full_build_s": (full, "build_full_s not measured"),
        "full_vs_analyst": (ratios.get("build_full_vs_analyst"), why.get("build_full_vs_analyst", "not measured")),
        "nothing_changed_s": (med.get("build_nothing_changed_s"), "build_nothing_changed_s not measured"),
        "one_workbook_s": (max(one) if one else None, "no one-workbook build measured"),
        "one_workbook_vs_full": (max(one) / full if one and full else None, "no one-workbook or full build measured"),
        "embedded_build_s": (med.get("build_embedded_s"), "build_embedded_s not measured"),
        "peak_rss_bytes": (max(rss) if rss else None, "no build measured"),
        "comtrade_ingestion_vs_duckdb_bulk": (ratios.get("comtrade_corridor_ingest_vs_duckdb_bulk"),
                                              why.get("comtrade_corridor_ingest_vs_duckdb_bulk", "not measured")),
        "ci_run_s": (None, NOT_RUN_HERE["ci_run_s"]),
    }
    out = {}
    for key, (what, op, limit) in BUDGETS.items():
        value, reason = values[key]
        entry = {"what": what, "value": value, "op": op, "limit": limit, "measured": value is not None,
                 "pass": None if value is None else (value < limit if op == "<" else value <= limit)}
        if value is None:
            entry["reason"] = reason
        elif key.startswith("one_workbook") and one_missing:
            entry["reason"] = "not measured: " + ", ".join(one_missing)
        if key == "peak_rss_bytes" and value is not None and rss_by_build:
            entry["build"] = max(rss_by_build, key=rss_by_build.get)
        out[key] = entry
    return out


def _budget_unit(key: str) -> str:
    return "bytes" if key.endswith("_bytes") else ("s" if key.endswith("_s") else "")


def print_table(results: dict) -> None:
    m, ratios = results["measurements"], results["ratios"]
    _say("")
    _say(f"{'measurement':<40} {'median':>16}   runs")
    for key, entry in m.items():
        runs = ", ".join(_fmt(r, entry["unit"]).split()[0] for r in entry["runs"])
        note = f"  ({entry['note']})" if entry.get("note") else ""
        _say(f"{key:<40} {_fmt(entry['median'], entry['unit']):>16}   [{runs}]{note}")
    _say("")
    _say(f"{'ratio':<48} {'value':>10}")
    for key, value in ratios.items():
        _say(f"{key:<48} {_fmt(value, ''):>10}")
    _say("")
    _say(f"{'budget':<36} {'value':>16} {'limit':>14}  result")
    for key, b in results["budgets"].items():
        unit = _budget_unit(key)
        _say(f"{key:<36} {_fmt(b['value'], unit):>16} {b['op'] + ' ' + _fmt(b['limit'], unit):>14}  {_verdict(b)}"
             + (f"  ({b['reason']})" if b.get("reason") else ""))
    if results.get("build_errors"):
        _say("\nbuilds that FAILED: " + ", ".join(results["build_errors"]))
    for name, text in (results.get("anomalies") or {}).items():
        _say(f"\nanomaly in {name}: {text}")


def _verdict(b: dict) -> str:
    return "not measured" if b["pass"] is None else ("met" if b["pass"] else "NOT MET")


def markdown(results: dict) -> str:
    """The tables of tests/benchmarks/README.md: budgets, where the time goes, dbt's slowest nodes."""
    m = {k: v["median"] for k, v in results["measurements"].items()}
    b, r, p = results["budgets"], results["ratios"], results["parameters"]
    mach, load = results["machine"], results["load"]

    def s(key: str) -> str:
        return f"{m[key]:.1f} s" if key in m else "n/a"

    def x(key: str) -> str:
        return f"{r[key]:.2f}×" if r.get(key) is not None else "n/a"

    def pct(key: str) -> str:
        return f"{100 * r[key]:.0f} %" if r.get(key) is not None else "n/a"

    rss = b["peak_rss_bytes"]
    lines = [
        f"Measured {results['generated_at'][:10]} on {mach['cores']} cores ({mach['cpu']}), "
        f"{(mach['ram_bytes'] or 0) / GIB:.0f} GiB RAM, Python {mach['python']}, DuckDB {mach['duckdb']}, "
        f"commit {mach['git_commit']}; {p['repeats']} repeat(s) (median); "
        f"load average at start {load['start']['loadavg']}, at end {load['end']['loadavg']}.",
        f"Inputs: {p['reporters']} SYNTHETIC DOTS workbooks × {p['years']} years ({p['dots_rows_parsed']:,} figures), "
        f"{p['comtrade_rows_loaded']:,} SYNTHETIC Comtrade records.",
        "",
        "| budget | measured | limit | result |",
        "|---|---|---|---|",
        f"| full build (`--full`, warm) of {p['reporters']} workbooks | {s('build_full_s')} | ≤ 30 s | {_verdict(b['full_build_s'])} |",
        f"| … vs the pandas + openpyxl script ({s('analyst_pandas_openpyxl_s')}) | {x('build_full_vs_analyst')} "
        f"| ≤ 0.5× | {_verdict(b['full_vs_analyst'])} |",
        f"| rebuild, nothing changed | {s('build_nothing_changed_s')} | ≤ 3 s | {_verdict(b['nothing_changed_s'])} |",
        f"| one new workbook / one changed workbook | {s('build_new_workbook_s')} / {s('build_changed_workbook_s')} "
        f"({pct('new_workbook_vs_full')} / {pct('changed_workbook_vs_full')} of full) | ≤ 10 s and ≤ 15 % "
        f"| {_verdict(b['one_workbook_s'])} / {_verdict(b['one_workbook_vs_full'])} |",
        f"| embedded build (raw/ as shipped), first after install | {s('build_embedded_s')} "
        f"(warm `--full`: {s('build_embedded_warm_s')}) | ≤ 10 s | {_verdict(b['embedded_build_s'])} |",
        f"| peak RSS of any build | {_fmt(rss['value'], 'bytes')} ({rss.get('build', 'n/a')}) | ≤ 2 GiB "
        f"| {_verdict(rss)} |",
        f"| Comtrade {p['comtrade_rows_loaded']:,} records: ingestion vs DuckDB's bulk load | "
        f"{s('comtrade_corridor_ingest_s')} vs {s('comtrade_duckdb_bulk_load_s')} = "
        f"{x('comtrade_corridor_ingest_vs_duckdb_bulk')} (DuckDB's `read_json` of the same JSON responses: "
        f"{s('comtrade_duckdb_json_load_s')}, {x('comtrade_corridor_ingest_vs_duckdb_json')}) | ≤ 1.5× "
        f"| {_verdict(b['comtrade_ingestion_vs_duckdb_bulk'])} |",
        "| `.ci/run` on a fresh clone | not run here | ≤ 10 min | not measured |",
        "",
        f"Other figures: `--force` with nothing changed {s('build_force_s')}; polars (calamine) + DuckDB baseline "
        f"{s('baseline_dots_total_s')} (full build {x('build_full_vs_dots_baseline')} of it; the pandas script "
        f"{x('analyst_vs_dots_baseline')}); Corridor's parser alone {s('ingest_parse_s')} over the workbooks; "
        f"publish {s('publish_s')}; warehouse {_fmt(m.get('warehouse_bytes'), 'bytes')}; "
        f"dbt parse of a new target {s('dbt_parse_s')}; loading Corridor's Dagster definitions "
        f"{s('definitions_load_s')} (part of every build that runs)"
        + (f"; one new year in every workbook {s('build_new_year_s')}" if "build_new_year_s" in m else "") + ".",
        "",
    ]
    builds = results["step_timings"]
    order = [n for n in ("full", "new_workbook", "changed_workbook", "nothing_changed", "force", "embedded",
                         "embedded_warm", "comtrade", "new_year") if n in builds]
    steps: list[str] = []
    for name in order:
        for key in builds[name]["steps"]:
            if key not in steps:
                steps.append(key)
    shown = [k for k in steps if max(builds[n]["steps"].get(k, 0.0) for n in order) >= 0.5]
    lines += ["Where the time goes (wall seconds per step, `--timings`; steps under 0.5 s everywhere summed as "
              "\"other steps\"; \"runner outside steps\": fingerprints, Dagster definitions, dbt manifest; "
              "\"process start\": interpreter and imports before the runner):", "",
              "| step | " + " | ".join(n.replace("_", " ") for n in order) + " |",
              "|---|" + "---:|" * len(order)]
    for key in shown:
        lines.append(f"| {key} | " + " | ".join(f"{builds[n]['steps'][key]:.1f}" if key in builds[n]["steps"] else "–"
                                               for n in order) + " |")

    def rest(n: str) -> float:
        return sum(v for k, v in builds[n]["steps"].items() if k not in shown)

    def inside(n: str) -> float:
        total = builds[n].get("total_s")
        return (total - sum(builds[n]["steps"].values())) if total is not None else 0.0

    def start(n: str) -> float:
        total = builds[n].get("total_s")
        return (builds[n]["seconds"] - total) if total is not None else 0.0

    lines.append("| other steps | " + " | ".join(f"{rest(n):.1f}" for n in order) + " |")
    lines.append("| runner outside steps | " + " | ".join(f"{inside(n):.1f}" for n in order) + " |")
    lines.append("| process start | " + " | ".join(f"{start(n):.1f}" for n in order) + " |")
    lines.append("| **wall** | " + " | ".join(f"**{builds[n]['seconds']:.1f}**" for n in order) + " |")
    prof = results["profile"]
    for label, key, summary in (("full build", "dbt_slowest_nodes", "dbt_full"),
                                ("Comtrade build", "comtrade_dbt_slowest_nodes", "dbt_comtrade")):
        nodes, info = prof.get(key) or [], prof.get(summary) or {}
        if nodes:
            lines += ["", f"dbt in the {label}: {info.get('elapsed_s', 0):.1f} s by dbt's own clock "
                      f"(nodes: {', '.join(f'{v} {k}' for k, v in (info.get('nodes') or {}).items())}); slowest: "
                      + ", ".join(f"`{n['node']}` {n['seconds']:.1f} s" for n in nodes[:6]) + "."]
    for model, plan in (prof.get("duckdb_explain_analyze") or {}).items():
        ops = ", ".join(f"{o['operator']} {o['seconds']:.2f} s" for o in plan["top_operators"][:3])
        lines.append(f"`EXPLAIN ANALYZE {model}`: {plan['seconds']:.2f} s; {ops}.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reporters", type=int, default=235, help="DOTS reporters (workbooks; default 235)")
    p.add_argument("--years", type=int, default=61, help="years per workbook (default 61)")
    p.add_argument("--first-year", type=int, default=1960, help="first year (default 1960)")
    p.add_argument("--comtrade-rows", type=int, default=10_000_000, help="Comtrade HS6 records (default 10,000,000)")
    p.add_argument("--repeats", type=int, default=1, help="runs per measurement; the median is reported (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dense", action="store_true",
                   help="DOTS workbooks in the all-cells layout (6.8 million figures at 235 × 61) instead of the "
                   "realistic density (2.7 million)")
    p.add_argument("--new-year", action="store_true",
                   help="also measure a build after one new year in every workbook (about a full build; once)")
    p.add_argument("--profile", action="store_true",
                   help="also record one full build with py-spy (flame graph <out>/profile_full_build.svg)")
    p.add_argument("--out", type=Path, help="results and work folder (default <warehouse dir>/benchmarks)")
    args = p.parse_args(argv)
    vocab = generate.imf_vocabulary()
    limit = len(vocab.countries) + len(vocab.historical) - 1
    if not 1 <= args.reporters <= limit:
        p.error(f"--reporters must be 1..{limit} (one more distinct IMF reporter is needed for the new-workbook case)")
    if args.years < 1 or args.repeats < 1 or args.comtrade_rows < 1:
        p.error("--years, --repeats and --comtrade-rows must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out is None:
        from orchestration import constants

        args.out = constants.warehouse_path().parent / "benchmarks"
    out = args.out.resolve()
    inputs, work = out / "inputs", out / "work"
    inputs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_start = machine_load()
    _say(f"machine load at start: {load_start['uptime']}")

    dots_raw = ensure_dots(inputs, args.reporters, args.years, args.first_year, args.seed, args.dense)
    new_year_raw = (ensure_dots(inputs, args.reporters, args.years + 1, args.first_year, args.seed, args.dense)
                    if args.new_year else None)
    comtrade_csv = ensure_comtrade(inputs, args.comtrade_rows, args.seed)
    comtrade_raw = ensure_comtrade_raw(inputs, comtrade_csv)
    paths = dots_workbooks(dots_raw)
    names = generate.reporter_names(args.reporters + 1, args.seed)
    new_reporter = names[-1]
    load_inputs = machine_load()

    runs: dict[str, list[float]] = {}
    builds: dict[str, dict] = {}  # build name -> its first repeat's record (steps, seconds, ...)
    rss_by_build: dict[str, float] = {}
    errors: dict[str, str] = {}  # build name -> the end of its output, for builds that failed
    anomalies: dict[str, str] = {}  # what a build did that it should not have (measured all the same)
    prof: dict = {}
    rows_parsed = comtrade_rows = 0

    def add(key: str, value: float) -> None:
        runs.setdefault(key, []).append(value)

    def build(name: str, workdir: Path, raw: Path, home: Path, *flags: str) -> dict | None:
        """Run one build, record its peak RSS and steps; None (and the error) if it failed."""
        r = run_build(workdir, raw, home, *flags)
        add("build_peak_rss_bytes", r["peak_rss_bytes"])
        rss_by_build[name] = max(rss_by_build.get(name, 0), r["peak_rss_bytes"])
        builds.setdefault(name, {k: r[k] for k in ("seconds", "total_s", "steps", "peak_rss_bytes", "up_to_date",
                                                     "selection", "load_1m", "flags")})
        tail = " ".join((r["stdout"].strip().splitlines() or [""])[-1:])
        steps = r["steps"]
        _say(f"  {name}: {r['seconds']:.1f} s (runner {r['total_s'] or 0:.1f} s; dbt {steps.get(STEP_DBT, 0.0):.1f} s), "
             f"peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB, load {r['load_1m']:.2f}"
             + ("" if r["returncode"] == 0 else f" — FAILED: {r['stderr'].strip()[-400:] or tail}"))
        if r["returncode"] != 0:
            errors[name] = (r["stderr"].strip() or r["stdout"].strip())[-1500:]
            return None
        return r

    for i in range(args.repeats):
        _say(f"--- repeat {i + 1}/{args.repeats}")
        # (1) the embedded data (raw/ as shipped): first build after install, then a warm --full
        # the repeat's Dagster instance: new for the first build (as after install), then shared by the
        # others (warm, as a user's .dagster_home)
        dagster_home = _fresh(work / f"dagster_home_{i}")
        emb = _fresh(work / f"embedded_{i}")
        r = build("embedded", emb, generate.RAW, dagster_home)
        if r:
            add("build_embedded_s", r["seconds"])
            add("build_embedded_dbt_s", r["steps"].get(STEP_DBT, 0.0))
        r = build("embedded_warm", emb, generate.RAW, dagster_home, "--full")
        if r:
            add("build_embedded_warm_s", r["seconds"])
            add("build_embedded_warm_dbt_s", r["steps"].get(STEP_DBT, 0.0))
        # (2) the whole DOTS set: --full into a new folder whose dbt target is parsed (warm)
        raw = _copy_raw(dots_raw, work / f"raw_{i}")
        full_dir = _fresh(work / f"full_{i}")
        add("dbt_parse_s", warm_parse(full_dir, raw, dagster_home))
        add("definitions_load_s", definitions_load(full_dir, raw, dagster_home))
        r = build("full", full_dir, raw, dagster_home, "--full")
        if r:
            add("build_full_s", r["seconds"])
            add("build_full_dbt_s", r["steps"].get(STEP_DBT, 0.0))
            add("publish_s", r["steps"].get(STEP_PUBLISH, 0.0))
            add("warehouse_bytes", float((full_dir / "corridor.duckdb").stat().st_size))
            if i == 0:  # where dbt's time goes at this scale
                rr = run_results(full_dir / "dbt_target")
                prof["dbt_full"] = dbt_summary(rr)
                prof["dbt_slowest_nodes"] = dbt_node_times(rr)
                slow = [n["node"] for n in prof["dbt_slowest_nodes"] if n["type"] == "model"][:2]
                prof["duckdb_explain_analyze"] = explain_models(full_dir / "dbt_target", full_dir / "corridor.duckdb",
                                                                slow, out)
                _say("  slowest dbt nodes: " + ", ".join(f"{n['node']} {n['seconds']:.2f} s"
                                                         for n in prof["dbt_slowest_nodes"][:5]))
        # (3) nothing changed, one new workbook, one changed workbook, --force
        r = build("nothing_changed", full_dir, raw, dagster_home)
        if r:
            add("build_nothing_changed_s", r["seconds"])
            if not r["up_to_date"]:
                anomalies.setdefault("nothing_changed", f"not up to date: the build ran {r['selection']!r}")
        generate.write_dots_workbook(raw / "imf_dots" / generate.dots_file_name(args.reporters + 1), new_reporter,
                                     args.years, args.first_year, args.seed, dense=args.dense)
        r = build("new_workbook", full_dir, raw, dagster_home)
        if r:
            add("build_new_workbook_s", r["seconds"])
        changed, changed_seed = paths[0].name, args.seed + 1000 + i
        generate.write_dots_workbook(raw / "imf_dots" / changed, names[0], args.years, args.first_year, changed_seed,
                                     dense=args.dense)
        r = build("changed_workbook", full_dir, raw, dagster_home)
        if r:
            add("build_changed_workbook_s", r["seconds"])
        r = build("force", full_dir, raw, dagster_home, "--force")
        if r:
            add("build_force_s", r["seconds"])
        if new_year_raw is not None and i == 0:  # every workbook reloads: about a full build, once
            for path in dots_workbooks(new_year_raw):
                shutil.copy2(path, raw / "imf_dots" / path.name)
            generate.write_dots_workbook(raw / "imf_dots" / changed, names[0], args.years + 1, args.first_year,
                                         changed_seed, dense=args.dense)
            generate.write_dots_workbook(raw / "imf_dots" / generate.dots_file_name(args.reporters + 1), new_reporter,
                                         args.years + 1, args.first_year, args.seed, dense=args.dense)
            r = build("new_year", full_dir, raw, dagster_home)
            if r:
                add("build_new_year_s", r["seconds"])
        # (4) the baselines on the same workbooks
        a = analyst_baseline(dots_raw / "imf_dots", work / "analyst.duckdb")
        add("analyst_pandas_openpyxl_s", a["seconds"])
        add("analyst_peak_rss_bytes", a["peak_rss_bytes"])
        _say(f"  pandas + openpyxl script: {a['seconds']:.1f} s ({a['rows']:,} partner shares), "
             f"peak RSS {a['peak_rss_bytes'] / 2**20:.0f} MiB")
        b = dots_baseline(paths, work / "baseline_dots.duckdb")
        for part in ("read", "insert", "aggregate", "total"):
            add(f"baseline_dots_{part}_s", b[part])
        add("baseline_dots_db_bytes", float(b["db_bytes"]))
        seconds, rows_parsed = parse_all(paths)
        add("ingest_parse_s", seconds)
        add("ingest_rows_per_s", rows_parsed / seconds)
        _say(f"  polars (calamine) + DuckDB: {b['total']:.1f} s; Corridor's parser: {seconds:.1f} s ({rows_parsed:,} figures)")
        # (5) Comtrade: DuckDB and polars on the CSV; then through Corridor (once: minutes at 10 M)
        c = comtrade_measure(comtrade_csv, work)
        comtrade_rows = c["rows"]
        add("comtrade_duckdb_bulk_load_s", c["bulk"])
        add("comtrade_polars_load_s", c["polars"])
        add("comtrade_aggregate_s", c["aggregate"])
        try:  # informative: a failure is recorded, the run goes on
            add("comtrade_duckdb_json_load_s", comtrade_json_load(comtrade_raw / "comtrade" / generate.COMTRADE_RELEASE_ID,
                                                                  work))
            json_load = f"{runs['comtrade_duckdb_json_load_s'][-1]:.1f} s"
        except Exception as exc:  # noqa: BLE001 - DuckDB's errors (out of memory, ...) are reported, not fatal
            json_load = anomalies.setdefault("comtrade_duckdb_json_load", f"failed: {str(exc).splitlines()[0]}")
        _say(f"  Comtrade {comtrade_rows:,} records: DuckDB bulk {c['bulk']:.1f} s (JSON responses: {json_load}), "
             f"polars + insert {c['polars']:.1f} s, aggregate {c['aggregate']:.1f} s")
        if i == 0:
            cdir = _fresh(work / "comtrade")
            warm_parse(cdir, comtrade_raw, dagster_home)
            r = build("comtrade", cdir, comtrade_raw, dagster_home, "--full")
            if r:
                steps = r["steps"]
                add("comtrade_corridor_build_s", r["seconds"])
                add("comtrade_corridor_ingest_s", steps.get(STEP_COMTRADE, 0.0))
                add("comtrade_corridor_checks_s", steps.get(STEP_COMTRADE_CHECKS, 0.0))
                add("comtrade_corridor_dbt_s", steps.get(STEP_DBT, 0.0))
                add("comtrade_corridor_peak_rss_bytes", r["peak_rss_bytes"])
            rr = run_results(cdir / "dbt_target")
            prof["dbt_comtrade"] = dbt_summary(rr)
            prof["comtrade_dbt_slowest_nodes"] = dbt_node_times(rr)

    if args.profile:
        raw = _copy_raw(dots_raw, work / "raw_profile")
        pdir = _fresh(work / "profile")
        warm_parse(pdir, raw, dagster_home)
        svg = out / "profile_full_build.svg"
        _say(f"--- profiling a full build with py-spy -> {svg}")
        run_build(pdir, raw, dagster_home, "--full", profile=svg)
        prof["flame_graph"] = str(svg)

    units = {k: ("bytes" if k.endswith("_bytes") else "rows/s" if k.endswith("_per_s") else "s") for k in runs}
    once = "once (first repeat)"
    notes = {"build_peak_rss_bytes": "peak RSS of the largest process, every build of the run",
             "build_embedded_s": "first build after install: new warehouse folder, dbt target, Dagster home",
             "dbt_parse_s": "untimed for the full build: parsing a new dbt target (prepare())",
             "definitions_load_s": "importing orchestration.definitions and resolving the build job, new process",
             "publish_s": f"step {STEP_PUBLISH} of the full build",
             "build_new_year_s": once, "comtrade_corridor_build_s": once,
             "comtrade_corridor_ingest_s": f"{once}; step {STEP_COMTRADE}",
             "comtrade_corridor_checks_s": f"{once}; step {STEP_COMTRADE_CHECKS}",
             "comtrade_corridor_dbt_s": f"{once}; step {STEP_DBT}", "comtrade_corridor_peak_rss_bytes": once}
    m = {k: _measure(v, units[k], notes.get(k, "")) for k, v in runs.items()}
    ratios, why = compute_ratios(m)
    results = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": "SYNTHETIC (tests/benchmarks/generate.py) and raw/ as shipped",
        "machine": machine_info(),
        "load": {"start": load_start, "inputs_ready": load_inputs, "end": machine_load()},
        "parameters": {"reporters": args.reporters, "years": args.years, "first_year": args.first_year,
                       "comtrade_rows": args.comtrade_rows, "repeats": args.repeats, "seed": args.seed,
                       "dense": args.dense, "new_year": args.new_year,
                       "generator_version": generate.GENERATOR_VERSION, "dots_rows_parsed": rows_parsed,
                       "comtrade_rows_loaded": comtrade_rows, "dots_inputs": str(dots_raw),
                       "comtrade_input": str(comtrade_csv), "comtrade_raw": str(comtrade_raw)},
        "measurements": m,
        "ratios": ratios,
        "not_measured": why,
        "notes": {
            "comtrade_ingestion_vs_duckdb_bulk": (
                f"numerator: step {STEP_COMTRADE} (parse the release's JSON responses, resolve codes, load with "
                "lineage); denominator: DuckDB read_csv_auto of the CSV holding the same records."),
            "comtrade_marts_vs_plain_sql": (
                f"numerator: the {STEP_DBT} step of the Comtrade build minus that of the warm embedded build (same "
                "raw/ otherwise); denominator: COMTRADE_SHARES_SQL in one DuckDB statement. Not a budget."),
            "full_vs_analyst": (
                "the analyst's script computes partner shares only; the build also resolves names, runs the source "
                "checks and dbt tests, keeps lineage and versions, builds every mart, the report and the docs."),
        },
        "build_errors": errors,
        "anomalies": anomalies,
        "step_timings": builds,
        "peak_rss_by_build": rss_by_build,
        "profile": prof,
    }
    results["budgets"] = evaluate_budgets(m, ratios, why, rss_by_build)
    results["elapsed_s"] = time.perf_counter() - started
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    print_table(results)
    _say(f"\nmachine load at end: {results['load']['end']['uptime']}")
    _say(f"results: {out / 'results.json'} and {out / 'results.md'}  ({results['elapsed_s']:.0f} s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
