"""Corridor benchmark: full / start-up / one-tenth / incremental builds, publish, ingestion, memory,
size, and a UN Comtrade build — each against the physical limit of the same machine (DuckDB loading
the same data straight into a table, the same aggregates as one SQL statement).

    python -m orchestration.bench.run [--reporters 235] [--years 61] [--comtrade-rows 10000000]
                                      [--repeats 3] [--dense] [--out <warehouse dir>/benchmarks]

Inputs are SYNTHETIC (:mod:`orchestration.bench.generate`; realistic DOTS density by default, about
2.6 million figures at 235 × 61; ``--dense`` for the earlier all-cells layout, 6.8 million) and cached
under ``<out>/inputs`` by their parameters; every build runs ``corridor build --timings`` in a
subprocess with its own CORRIDOR_RAW, CORRIDOR_WAREHOUSE and DBT_TARGET_PATH under ``<out>/work``
(never the checkout's warehouse/), so each build also reports its Dagster steps' wall seconds
(``build_timings.json``). Each measurement is repeated ``--repeats`` times and the median reported,
except those noted "once" below (each costs about a full build or more). Results: a table on stdout
and ``<out>/results.json`` (machine, parameters, runs, medians, ratios, budgets, step timings).

Measurements (seconds unless named otherwise):

* ``dbt_parse_cold_s``  ``dbt parse`` into an empty target folder: paid once per warehouse location
                        (each build folder has its own dbt target, parsed untimed before its first
                        build, as a user's builds reuse dbt_project/target's partial parse)
* ``build_startup_s``   a fresh build of a 1-reporter set: the fixed cost (Dagster, dbt, docs)
                        (with ``--reporters 1`` the full build *is* that build and is not run twice);
                        ``build_startup_dbt_s`` its ``corridor_dbt_models`` step
* ``build_full_s``      a fresh build of the whole DOTS set; ``build_full_dbt_s`` its dbt step
* ``publish_s``         the full build's ``warehouse__corridor`` step (stamp, copy to versions/, atomic
                        replace of the published file)
* ``build_tenth_s``     a fresh build of the first max(1, reporters // 10) reporters of the same set
                        (the generator's reporter order is stable); only with ``--reporters`` >= 10
* ``build_incremental_new_reporter_s`` / ``build_incremental_changed_file_s``
                        ``corridor build --incremental`` after adding one reporter's workbook,
                        then after one workbook changed (new figures)
* ``build_incremental_new_year_s``  then after one new year: every workbook gains one year column
                        (the same seed with ``years + 1``; earlier years unchanged), so every file
                        is reloaded — DOTS publishes a year that way. Once (first repeat).
* ``build_peak_rss_bytes`` peak RSS of the largest process of a build (the CLI runs under a small
                        wrapper that reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``), every build of
                        the run, the Comtrade build included
* ``warehouse_bytes``   the published DuckDB file after the full build
* ``ingest_parse_s`` / ``ingest_rows_per_s``  ``parse_dots_workbook`` over every workbook, in-process
* ``baseline_dots_read_s`` / ``baseline_dots_insert_s`` / ``baseline_dots_aggregate_s`` /
  ``baseline_dots_total_s``  polars (calamine) read of every workbook, one DuckDB insert, the
                        partner-share aggregate in one SQL statement; ``baseline_dots_db_bytes``
* ``comtrade_duckdb_bulk_load_s``  DuckDB ``read_csv_auto`` of the Comtrade CSV into a table
* ``comtrade_polars_load_s``       polars scan of the CSV + one DuckDB insert (a proxy, kept as a ratio)
* ``comtrade_aggregate_s``         the partner-share aggregate over the HS6 records, one SQL statement
                                   (:data:`COMTRADE_SHARES_SQL`: sum per reporter, partner, flow and
                                   period, share of the reporter's total, rank)
* ``comtrade_corridor_*``  Comtrade through Corridor, once (first repeat): the same records as a
                        fetched release (``raw/comtrade/<release>/``: count/data JSON responses of at
                        most 100,000 records and manifest.json, as ``corridor fetch comtrade`` writes;
                        :func:`generate.write_comtrade_release`) next to the 1-reporter DOTS set, one
                        fresh ``corridor build --timings``: ``_build_s`` (wall), ``_ingest_s`` (step
                        ``raw__comtrade_flows``), ``_checks_s`` (``comtrade_flows_checks``), ``_dbt_s``
                        (``corridor_dbt_models``), ``_peak_rss_bytes``. A failed build is recorded
                        (``comtrade_corridor_error``, its step timings) and its budgets are not measured.

Budgets (:data:`BUDGETS`; a budget whose inputs were not measured is reported as such, never as a pass):

* ``full_dots_build_s``        build_full_s < 30 s
* ``comtrade_ingestion_vs_duckdb_bulk``  comtrade_corridor_ingest_s / comtrade_duckdb_bulk_load_s <= 1.5
                               (Corridor reads the API's JSON responses, DuckDB the CSV of the same records)
* ``comtrade_marts_vs_plain_sql``  (comtrade_corridor_dbt_s - build_startup_dbt_s) / comtrade_aggregate_s
                               <= 2.0. The numerator is what the Comtrade records add to the dbt step
                               (both builds have the same 1-reporter DOTS set): staging (code mapping),
                               int_trade_flows_versioned (windows over every version), the fact and
                               history marts, and the dbt tests on them. HS6 records do not reach
                               partner_shares (it reads product 'TOTAL' only), so the denominator (the
                               plain-SQL partner shares) is the aggregate the issue names, not the same
                               work; see the notes in results.json.
* ``growth_10x``               ((build_full_s - build_startup_s) / (build_tenth_s - build_startup_s))
                               / (rows_full / rows_tenth) <= 1.25: the data-dependent time per parsed
                               figure of the full set over that of the one-tenth set (1.0 = linear; a
                               quadratic step gives about 10). Not measured with ``--reporters`` < 10,
                               when the one-tenth set is the 1-reporter start-up set itself, or when
                               a data-dependent time is not positive (noise at tiny scale).
* ``incremental_vs_full``      max(new reporter, changed file, new year incremental medians) / build_full_s < 0.20
* ``publish_vs_full``          publish_s / build_full_s < 0.10
* ``peak_memory_bytes``        max peak RSS over every build, Comtrade included < 4 GiB
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

from orchestration.bench import generate

REPO_ROOT = generate.REPO_ROOT
FOREIGN_ENV = ("CORRIDOR_BUILD_DB", "CORRIDOR_RAW", "CORRIDOR_WAREHOUSE", "DBT_TARGET_PATH", "CORRIDOR_FOCUS")

BUDGETS = {
    "full_dots_build_s": ("build_full_s median", "<", 30.0),
    "comtrade_ingestion_vs_duckdb_bulk": ("comtrade_corridor_ingest_s / comtrade_duckdb_bulk_load_s", "<=", 1.5),
    "comtrade_marts_vs_plain_sql": ("(comtrade_corridor_dbt_s - build_startup_dbt_s) / comtrade_aggregate_s", "<=", 2.0),
    "growth_10x": ("((full - startup) / (tenth - startup)) / (rows_full / rows_tenth)", "<=", 1.25),
    "incremental_vs_full": ("max(incremental medians: new reporter, changed file, new year) / build_full_s", "<", 0.20),
    "publish_vs_full": ("publish_s / build_full_s", "<", 0.10),
    "peak_memory_bytes": ("max build peak RSS (every build, Comtrade included)", "<", 4 * 1024**3),
}
STEP_PUBLISH, STEP_DBT, STEP_COMTRADE, STEP_COMTRADE_CHECKS = (
    "warehouse__corridor", "corridor_dbt_models", "raw__comtrade_flows", "comtrade_flows_checks")

# Runs one build and reports its wall time and the peak RSS of its largest process (this wrapper's
# RUSAGE_CHILDREN covers only this build, not earlier ones run by the benchmark process).
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


# --------------------------------------------------------------------------------------------- inputs

def _complete(folder: Path, params: dict) -> bool:
    marker = folder / ".complete"
    return marker.is_file() and json.loads(marker.read_text()) == params


def ensure_dots(inputs: Path, reporters: int, years: int, first_year: int, seed: int, dense: bool = False) -> Path:
    """The cached SYNTHETIC CORRIDOR_RAW folder for these parameters (generated if missing)."""
    params = {"reporters": reporters, "years": years, "first_year": first_year, "seed": seed, "dense": dense,
              "generator": generate.GENERATOR_VERSION}
    folder = inputs / f"dots_SYNTHETIC_r{reporters}_y{years}_f{first_year}_s{seed}{'_dense' if dense else ''}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        _say(f"generating {reporters} SYNTHETIC DOTS workbooks × {years} years ({'dense' if dense else 'realistic density'}) "
             f"in {folder} ...")
        generate.write_dots_workbooks(folder, reporters, years, first_year, seed, dense)
        (folder / ".complete").write_text(json.dumps(params))
    return folder


def ensure_tenth(inputs: Path, full: Path, reporters: int) -> Path:
    """The first ``reporters`` workbooks of the set ``full`` (the generator's reporter order is
    stable, so they are the set generated with that many reporters) as a complete CORRIDOR_RAW."""
    params = {"of": full.name, "reporters": reporters, "generator": generate.GENERATOR_VERSION}
    folder = inputs / f"{full.name}_first{reporters}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(full, folder, ignore=shutil.ignore_patterns(".complete", "*.xlsx"))
        for path in dots_workbooks(full)[:reporters]:
            shutil.copy2(path, folder / "imf_dots" / path.name)
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


def ensure_comtrade_raw(inputs: Path, csv_path: Path, dots: Path) -> Path:
    """A CORRIDOR_RAW with the DOTS set ``dots`` (the 1-reporter set) and the Comtrade records of
    ``csv_path`` as one fetched release (:func:`generate.write_comtrade_release`)."""
    params = {"csv": csv_path.name, "csv_bytes": csv_path.stat().st_size, "dots": dots.name,
              "generator": generate.GENERATOR_VERSION}
    folder = inputs / f"comtrade_raw_{csv_path.stem}_{dots.name}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(dots, folder, ignore=shutil.ignore_patterns(".complete"))
        _say(f"writing the Comtrade records as a fetched release in {folder / 'comtrade'} ...")
        generate.write_comtrade_release(csv_path, folder)
        (folder / ".complete").write_text(json.dumps(params))
    return folder


def dots_workbooks(raw: Path) -> list[Path]:
    return sorted((raw / "imf_dots").glob("*.xlsx"))


# --------------------------------------------------------------------------------------------- builds

def _say(text: str) -> None:
    print(text, flush=True)


def build_env(workdir: Path, raw: Path) -> dict[str, str]:
    """Each build publishes into its own ``workdir`` with its own dbt target folder
    (``<workdir>/dbt_target``), as a user's warehouse has one ``dbt_project/target``: dbt's partial
    parse is keyed on the profile, whose DuckDB path is the warehouse's build file, so builds into
    different folders sharing one target would each re-parse the project (~9 s)."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(CORRIDOR_RAW=str(raw), CORRIDOR_WAREHOUSE=str(workdir / "corridor.duckdb"),
               DBT_TARGET_PATH=str(workdir / "dbt_target"), CORRIDOR_FOCUS="AZE-CHN")
    return env


def warm_parse(workdir: Path, raw: Path) -> float:
    """``dbt parse`` for a new build folder, with the environment its builds have (untimed for the
    builds: once per warehouse, as a user's first build or ``make run`` pays it). Returns seconds."""
    from orchestration import constants

    dbt = Path(sys.executable).with_name("dbt")
    env = {**build_env(workdir, raw), "CORRIDOR_BUILD_DB": str(workdir / "build" / "corridor.duckdb")}
    started = time.perf_counter()
    subprocess.run([str(dbt), "parse", "--quiet", "--project-dir", str(constants.DBT_PROJECT_DIR),
                    "--profiles-dir", str(constants.DBT_PROJECT_DIR), "--target-path", env["DBT_TARGET_PATH"]],
                   cwd=constants.DBT_PROJECT_DIR, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def dbt_parse_cold(work: Path) -> float:
    """Parse the dbt project into a fresh shared target folder (the once-per-checkout cost)."""
    from orchestration import constants

    target = _fresh(work / "dbt_target")
    dbt = Path(sys.executable).with_name("dbt")
    started = time.perf_counter()
    subprocess.run([str(dbt), "parse", "--quiet", "--project-dir", str(constants.DBT_PROJECT_DIR),
                    "--profiles-dir", str(constants.DBT_PROJECT_DIR), "--target-path", str(target)],
                   cwd=constants.DBT_PROJECT_DIR, check=True, capture_output=True,
                   env={**build_env(work / "parse", work), "CORRIDOR_BUILD_DB": str(work / "parse" / "x.duckdb")})
    return time.perf_counter() - started


def run_build(workdir: Path, raw: Path, incremental: bool = False, profile: Path | None = None,
              check: bool = True) -> dict:
    """``corridor build --timings [--incremental]`` into ``workdir``: {"seconds", "peak_rss_bytes",
    "returncode", "steps" (step key -> wall seconds, from ``build_timings.json``), ...}. A failed
    build raises, unless ``check`` is false. With ``profile``, the build runs under py-spy (sampling
    every process it starts, dbt included) and the flame graph is written there; its time is then
    not a measurement."""
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "dbt_target" / "partial_parse.msgpack").is_file():
        warm_parse(workdir, raw)
    timings = workdir / "build_timings.json"
    timings.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "orchestration.cli", "build", "--timings", *(["--incremental"] if incremental else [])]
    if profile is not None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        cmd = [py_spy, "record", "--subprocesses", "--rate", "50", "--format", "speedscope" if profile.suffix == ".json"
               else "flamegraph", "--output", str(profile), "--", *cmd]
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], env=build_env(workdir, raw), cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=7200)
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"build wrapper failed: {proc.stderr[-2000:]}") from None
    result["steps"] = json.loads(timings.read_text())["steps"] if timings.is_file() else {}
    if result["returncode"] != 0 and check:
        raise RuntimeError(f"corridor build{' --incremental' if incremental else ''} failed in {workdir} "
                           f"(CORRIDOR_RAW={raw}):\n{result['stderr'][-2000:]}")
    return result


def dbt_node_times(target: Path, top: int = 10) -> list[dict]:
    """The slowest dbt nodes of the last dbt invocation in ``target`` that ran nodes, from its JSON
    log (``dbt.log`` and its rotated predecessors ``dbt.log.1``, ``dbt.log.2``…, oldest first: one
    build's events can span a rotation)."""
    logs = sorted(target.glob("dbt.log.*"), key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    logs += [target / "dbt.log"] if (target / "dbt.log").is_file() else []
    spans: dict[str, dict[str, dict]] = {}  # invocation -> node -> span, invocations in log order
    for log in logs:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            node = (event.get("data") or {}).get("node_info") or {}
            if node.get("node_started_at") and node.get("node_finished_at"):  # a node's result event
                started = dt.datetime.fromisoformat(node["node_started_at"])
                finished = dt.datetime.fromisoformat(node["node_finished_at"])
                invocation = (event.get("info") or {}).get("invocation_id", "")
                spans.setdefault(invocation, {})[node["node_name"]] = {
                    "node": node["node_name"], "type": node.get("resource_type"),
                    "seconds": round((finished - started).total_seconds(), 3)}
    if not spans:
        return []
    last = spans.pop(next(reversed(spans)))
    return sorted(last.values(), key=lambda n: -n["seconds"])[:top]


def explain_models(target: Path, db: Path, models: list[str], out: Path) -> dict[str, dict]:
    """DuckDB ``EXPLAIN ANALYZE`` of each model's compiled SQL on the built warehouse: its time and
    the costliest operators; the full JSON plans go to ``out/explain_<model>.json``."""
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


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# ------------------------------------------------------------------------------------------ baselines

def parse_all(paths: list[Path]) -> tuple[float, int]:
    """Corridor's parser over every workbook: (seconds, rows)."""
    from orchestration.lib.imf_dots import parse_dots_workbook

    t = time.perf_counter()
    rows = sum(parse_dots_workbook(p).rows.height for p in paths)
    return time.perf_counter() - t, rows


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
    return {"read": t1 - t0, "insert": t2 - t1, "aggregate": t3 - t2, "total": t3 - t0,
            "rows": frame.height, "db_bytes": db_path.stat().st_size}


def comtrade_measure(csv_path: Path, workdir: Path) -> dict:
    import duckdb
    import polars as pl

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
    import polars as pl

    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cores": os.cpu_count(), "ram_bytes": mem, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "polars": pl.__version__, "platform": platform.platform()}


def _measure(runs: list[float], unit: str, note: str = "") -> dict:
    entry = {"unit": unit, "runs": runs, "median": statistics.median(runs)}
    if note:
        entry["note"] = note
    return entry


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{value / 2**20:,.1f} MiB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:.2f}"


def growth_ratio(full_s: float, startup_s: float, tenth_s: float, rows_full: int, rows_tenth: int) -> float | None:
    """((full - startup) / (tenth - startup)) / (rows_full / rows_tenth): the data-dependent build
    time per parsed figure of the full set over that of the one-tenth set (1.0 = linear). None when a
    data-dependent time or a row count is not positive (the formula says nothing then)."""
    if full_s - startup_s <= 0 or tenth_s - startup_s <= 0 or rows_full <= 0 or rows_tenth <= 0:
        return None
    return ((full_s - startup_s) / (tenth_s - startup_s)) / (rows_full / rows_tenth)


def compute_ratios(m: dict, rows: dict) -> tuple[dict[str, float | None], dict[str, str]]:
    """The ratios of the medians in ``m`` (measurement -> {"median", ...}); ``rows``: {"full",
    "tenth", "tenth_reporters"} parsed figures of the full and one-tenth sets. Returns (ratios, why a
    ratio is None). A ratio whose inputs were not measured is None, never a guess."""
    med = {k: v["median"] for k, v in m.items()}
    ratios: dict[str, float | None] = {}
    why: dict[str, str] = {}

    def ratio(key: str, num: str | float, den: str, reason: str = "") -> None:
        top = med.get(num) if isinstance(num, str) else num
        bottom = med.get(den)
        if top is None or bottom is None or bottom <= 0:
            ratios[key] = None
            why[key] = reason or f"{num if isinstance(num, str) else key} / {den}: not measured"
        else:
            ratios[key] = top / bottom

    full, startup = med.get("build_full_s"), med.get("build_startup_s")
    ratio("build_full_vs_dots_baseline", "build_full_s", "baseline_dots_total_s")
    ratio("build_marginal_vs_dots_baseline", max(full - startup, 0.0) if full is not None and startup is not None else None,
          "baseline_dots_total_s")
    ratio("build_startup_vs_full", "build_startup_s", "build_full_s")
    ratio("ingest_parse_vs_calamine_read", "ingest_parse_s", "baseline_dots_read_s")
    for case in ("new_reporter", "changed_file", "new_year"):
        ratio(f"incremental_{case}_vs_full", f"build_incremental_{case}_s", "build_full_s")
    ratio("publish_vs_full", "publish_s", "build_full_s")
    ratio("warehouse_bytes_vs_baseline_db", "warehouse_bytes", "baseline_dots_db_bytes")
    ratio("comtrade_polars_load_vs_duckdb_bulk", "comtrade_polars_load_s", "comtrade_duckdb_bulk_load_s")
    ratio("comtrade_corridor_ingest_vs_duckdb_bulk", "comtrade_corridor_ingest_s", "comtrade_duckdb_bulk_load_s",
          "the Comtrade build did not run or failed")
    dbt, dbt_startup = med.get("comtrade_corridor_dbt_s"), med.get("build_startup_dbt_s")
    ratio("comtrade_marts_vs_plain_sql", dbt - dbt_startup if dbt is not None and dbt_startup is not None else None,
          "comtrade_aggregate_s", "the Comtrade build did not run or failed")

    tenth = med.get("build_tenth_s")
    if tenth is None:
        ratios["growth_10x"], why["growth_10x"] = None, "not measured: fewer than 10 reporters (no one-tenth set)"
    elif rows.get("tenth_reporters") == 1:
        ratios["growth_10x"], why["growth_10x"] = None, (
            "not measured: the one-tenth set is 1 reporter, the start-up set itself, so its data-dependent "
            "time (tenth - startup) is noise; use --reporters >= 20")
    else:
        ratios["growth_10x"] = growth_ratio(full, startup, tenth, rows["full"], rows["tenth"])
        if ratios["growth_10x"] is None:
            why["growth_10x"] = (f"not measured: a data-dependent time is not positive (full - startup = "
                                 f"{full - startup:.2f} s, tenth - startup = {tenth - startup:.2f} s; noise at this scale)")
    return ratios, why


def evaluate_budgets(m: dict, ratios: dict, why: dict | None = None) -> dict:
    """Each budget of :data:`BUDGETS` on the medians ``m`` and ``ratios`` (:func:`compute_ratios`):
    {"what", "value", "op", "limit", "measured", "pass"}; ``pass`` is None when not measured."""
    why = why or {}
    incremental = {k: ratios.get(f"incremental_{k}_vs_full") for k in ("new_reporter", "changed_file", "new_year")}
    measured_inc = [v for v in incremental.values() if v is not None]
    rss = m.get("build_peak_rss_bytes", {}).get("runs") or []
    values: dict[str, tuple[float | None, str]] = {
        "full_dots_build_s": (m["build_full_s"]["median"] if "build_full_s" in m else None, "build_full_s not measured"),
        "comtrade_ingestion_vs_duckdb_bulk": (ratios.get("comtrade_corridor_ingest_vs_duckdb_bulk"),
                                              why.get("comtrade_corridor_ingest_vs_duckdb_bulk", "not measured")),
        "comtrade_marts_vs_plain_sql": (ratios.get("comtrade_marts_vs_plain_sql"),
                                        why.get("comtrade_marts_vs_plain_sql", "not measured")),
        "growth_10x": (ratios.get("growth_10x"), why.get("growth_10x", "not measured")),
        "incremental_vs_full": (max(measured_inc) if measured_inc else None, "no incremental build measured"),
        "publish_vs_full": (ratios.get("publish_vs_full"), why.get("publish_vs_full", "not measured")),
        "peak_memory_bytes": (max(rss) if rss else None, "no build measured"),
    }
    out = {}
    for key, (what, op, limit) in BUDGETS.items():
        value, reason = values[key]
        entry = {"what": what, "value": value, "op": op, "limit": limit, "measured": value is not None,
                 "pass": None if value is None else (value < limit if op == "<" else value <= limit)}
        if value is None:
            entry["reason"] = reason
        elif key == "incremental_vs_full" and len(measured_inc) < len(incremental):
            entry["reason"] = "not measured: " + ", ".join(k for k, v in incremental.items() if v is None)
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
    _say(f"{'ratio (Corridor / baseline)':<48} {'value':>10}")
    for key, value in ratios.items():
        _say(f"{key:<48} {_fmt(value, ''):>10}")
    _say("")
    _say(f"{'budget':<36} {'value':>16} {'limit':>14}  result")
    for key, b in results["budgets"].items():
        unit = _budget_unit(key)
        verdict = "NOT MEASURED" if b["pass"] is None else ("PASS" if b["pass"] else "FAIL")
        _say(f"{key:<36} {_fmt(b['value'], unit):>16} {b['op'] + ' ' + _fmt(b['limit'], unit):>14}  {verdict}"
             + (f"  ({b['reason']})" if b.get("reason") else ""))


# --------------------------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m orchestration.bench.run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reporters", type=int, default=235, help="DOTS reporters (workbooks), 1-236 (default 235)")
    p.add_argument("--years", type=int, default=61, help="years per workbook (default 61)")
    p.add_argument("--first-year", type=int, default=1960, help="first year (default 1960)")
    p.add_argument("--comtrade-rows", type=int, default=10_000_000, help="Comtrade HS6 records (default 10,000,000)")
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is reported (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dense", action="store_true",
                   help="DOTS workbooks in the earlier all-cells layout (every partner every year: 6.8 million "
                   "figures at 235 × 61) instead of the realistic density (about 2.6 million)")
    p.add_argument("--profile", action="store_true",
                   help="also record one full build with py-spy (flame graph <out>/profile_full_build.svg)")
    p.add_argument("--out", type=Path, help="results and work folder (default <warehouse dir>/benchmarks)")
    args = p.parse_args(argv)
    vocab = generate.imf_vocabulary()
    limit = len(vocab.countries) + len(vocab.historical) - 1
    if not 1 <= args.reporters <= limit:
        p.error(f"--reporters must be 1..{limit} (one more distinct IMF reporter is needed for the incremental case)")
    if args.years < 1 or args.repeats < 1 or args.comtrade_rows < 1:
        p.error("--years, --repeats and --comtrade-rows must be >= 1")
    return args


def _copy_raw(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".complete"))
    return target


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out is None:
        from orchestration import constants

        args.out = constants.warehouse_path().parent / "benchmarks"
    out = args.out.resolve()
    inputs, work = out / "inputs", out / "work"
    inputs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    dots_raw = ensure_dots(inputs, args.reporters, args.years, args.first_year, args.seed, args.dense)
    startup_raw = ensure_dots(inputs, 1, args.years, args.first_year, args.seed, args.dense)
    new_year_raw = ensure_dots(inputs, args.reporters, args.years + 1, args.first_year, args.seed, args.dense)
    tenth_reporters = max(1, args.reporters // 10)
    tenth_raw = ensure_tenth(inputs, dots_raw, tenth_reporters) if args.reporters >= 10 else None
    comtrade_csv = ensure_comtrade(inputs, args.comtrade_rows, args.seed)
    comtrade_raw = ensure_comtrade_raw(inputs, comtrade_csv, startup_raw)
    paths = dots_workbooks(dots_raw)
    names = generate.reporter_names(args.reporters + 1, args.seed)
    new_reporter = names[-1]

    keys = ["dbt_parse_cold_s", "build_startup_s", "build_startup_dbt_s", "build_full_s", "build_full_dbt_s", "publish_s",
            "build_tenth_s", "build_incremental_new_reporter_s", "build_incremental_changed_file_s",
            "build_incremental_new_year_s", "build_peak_rss_bytes", "warehouse_bytes", "ingest_parse_s", "ingest_rows_per_s",
            "baseline_dots_read_s", "baseline_dots_insert_s", "baseline_dots_aggregate_s", "baseline_dots_total_s",
            "baseline_dots_db_bytes", "comtrade_duckdb_bulk_load_s", "comtrade_polars_load_s", "comtrade_aggregate_s",
            "comtrade_corridor_build_s", "comtrade_corridor_ingest_s", "comtrade_corridor_checks_s", "comtrade_corridor_dbt_s",
            "comtrade_corridor_peak_rss_bytes"]
    runs: dict[str, list[float]] = {k: [] for k in keys}
    rows_parsed = rows_baseline = comtrade_rows = 0
    rows_tenth: int | None = None
    dbt_nodes: list[dict] = []
    comtrade_nodes: list[dict] = []
    explained: dict[str, dict] = {}
    step_timings: dict[str, dict[str, float]] = {}
    comtrade_error: str | None = None

    def record_build(name: str, r: dict) -> dict:
        runs["build_peak_rss_bytes"].append(r["peak_rss_bytes"])
        step_timings.setdefault(name, r["steps"])  # the first repeat's steps, per build
        return r

    for i in range(args.repeats):
        _say(f"--- repeat {i + 1}/{args.repeats}")
        runs["dbt_parse_cold_s"].append(dbt_parse_cold(work))
        _say(f"  dbt parse, cold: {runs['dbt_parse_cold_s'][-1]:.1f} s (once per checkout; builds reuse it)")
        # (a, d, e) full build from a private copy of the inputs (the incremental cases edit it)
        raw = _copy_raw(dots_raw, work / f"raw_{i}")
        full_dir = _fresh(work / f"full_{i}")
        r = record_build("full", run_build(full_dir, raw))
        publish = r["steps"].get(STEP_PUBLISH, 0.0)
        _say(f"  full build ({len(paths)} reporters): {r['seconds']:.1f} s (dbt {r['steps'].get(STEP_DBT, 0.0):.1f} s, "
             f"publish {publish:.2f} s), peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB")
        runs["build_full_s"].append(r["seconds"])
        runs["build_full_dbt_s"].append(r["steps"].get(STEP_DBT, 0.0))
        runs["publish_s"].append(publish)
        runs["warehouse_bytes"].append(float((full_dir / "corridor.duckdb").stat().st_size))
        if i == 0:  # where the dbt time goes at this scale
            dbt_nodes = dbt_node_times(full_dir / "dbt_target")
            slow_models = [n["node"] for n in dbt_nodes if n["type"] == "model"][:2]
            explained = explain_models(full_dir / "dbt_target", full_dir / "corridor.duckdb", slow_models, out)
            _say("  slowest dbt nodes: " + ", ".join(f"{n['node']} {n['seconds']:.2f} s" for n in dbt_nodes[:5]))
        # (a) the fixed start-up cost: a build of a 1-reporter set
        if args.reporters == 1:
            runs["build_startup_s"].append(r["seconds"])  # the full build is the 1-reporter build
            runs["build_startup_dbt_s"].append(r["steps"].get(STEP_DBT, 0.0))
        else:
            s = record_build("startup", run_build(_fresh(work / f"startup_{i}"), startup_raw))
            _say(f"  start-up build (1 reporter): {s['seconds']:.1f} s (dbt {s['steps'].get(STEP_DBT, 0.0):.1f} s)")
            runs["build_startup_s"].append(s["seconds"])
            runs["build_startup_dbt_s"].append(s["steps"].get(STEP_DBT, 0.0))
        # (b) growth: the first tenth of the reporters (cheap: about a start-up build; every repeat)
        if tenth_raw is not None:
            t = record_build("tenth", run_build(_fresh(work / f"tenth_{i}"), tenth_raw))
            _say(f"  one-tenth build ({tenth_reporters} reporter(s)): {t['seconds']:.1f} s")
            runs["build_tenth_s"].append(t["seconds"])
            if rows_tenth is None:
                rows_tenth = parse_all(dots_workbooks(tenth_raw))[1]
        # (c) incremental: one new reporter's workbook, then one changed workbook, then one new year
        generate.write_dots_workbook(raw / "imf_dots" / generate.dots_file_name(args.reporters + 1), new_reporter,
                                     args.years, args.first_year, args.seed, dense=args.dense)
        r = record_build("incremental_new_reporter", run_build(full_dir, raw, incremental=True))
        _say(f"  incremental build, new reporter {new_reporter!r}: {r['seconds']:.1f} s")
        runs["build_incremental_new_reporter_s"].append(r["seconds"])
        changed = paths[0].name
        changed_seed = args.seed + 1000 + i
        generate.write_dots_workbook(raw / "imf_dots" / changed, names[0], args.years, args.first_year, changed_seed,
                                     dense=args.dense)
        r = record_build("incremental_changed_file", run_build(full_dir, raw, incremental=True))
        _say(f"  incremental build, changed {changed}: {r['seconds']:.1f} s")
        runs["build_incremental_changed_file_s"].append(r["seconds"])
        if i == 0:  # about as costly as a full build (every file reloads): once
            for path in dots_workbooks(new_year_raw):
                shutil.copy2(path, raw / "imf_dots" / path.name)
            # the two workbooks edited above gain the year too (the state is "previous + one year")
            generate.write_dots_workbook(raw / "imf_dots" / changed, names[0], args.years + 1, args.first_year,
                                         changed_seed, dense=args.dense)
            generate.write_dots_workbook(raw / "imf_dots" / generate.dots_file_name(args.reporters + 1), new_reporter,
                                         args.years + 1, args.first_year, args.seed, dense=args.dense)
            r = record_build("incremental_new_year", run_build(full_dir, raw, incremental=True))
            _say(f"  incremental build, new year {args.first_year + args.years} in every workbook: {r['seconds']:.1f} s")
            runs["build_incremental_new_year_s"].append(r["seconds"])
        # (d) ingestion throughput of Corridor's parser
        seconds, rows_parsed = parse_all(paths)
        runs["ingest_parse_s"].append(seconds)
        runs["ingest_rows_per_s"].append(rows_parsed / seconds)
        # (f) the physical-limit baseline on the same DOTS data
        b = dots_baseline(paths, work / "baseline_dots.duckdb")
        rows_baseline = b["rows"]
        for part in ("read", "insert", "aggregate", "total"):
            runs[f"baseline_dots_{part}_s"].append(b[part])
        runs["baseline_dots_db_bytes"].append(float(b["db_bytes"]))
        _say(f"  parse {seconds:.2f} s ({rows_parsed:,} rows); DuckDB baseline {b['total']:.2f} s")
        # (g) Comtrade: DuckDB and polars on the CSV
        c = comtrade_measure(comtrade_csv, work)
        comtrade_rows = c["rows"]
        runs["comtrade_duckdb_bulk_load_s"].append(c["bulk"])
        runs["comtrade_polars_load_s"].append(c["polars"])
        runs["comtrade_aggregate_s"].append(c["aggregate"])
        _say(f"  Comtrade {comtrade_rows:,} rows: DuckDB bulk {c['bulk']:.2f} s, polars+insert {c['polars']:.2f} s, "
             f"aggregate {c['aggregate']:.2f} s")
        # (h) Comtrade through Corridor: the same records as a fetched release (once: minutes at 10M rows)
        if i == 0:
            r = record_build("comtrade", run_build(_fresh(work / "comtrade"), comtrade_raw, check=False))
            steps = r["steps"]
            _say(f"  Comtrade build through Corridor: {r['seconds']:.1f} s (ingest {steps.get(STEP_COMTRADE, 0.0):.1f} s, "
                 f"checks {steps.get(STEP_COMTRADE_CHECKS, 0.0):.1f} s, dbt {steps.get(STEP_DBT, 0.0):.1f} s), "
                 f"peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB")
            runs["comtrade_corridor_peak_rss_bytes"].append(r["peak_rss_bytes"])
            comtrade_nodes = dbt_node_times(work / "comtrade" / "dbt_target")
            if r["returncode"] != 0:
                comtrade_error = (r["stderr"].strip() or r["stdout"].strip())[-1500:]
                _say(f"  the Comtrade build FAILED (its budgets are not measured):\n    {comtrade_error[-600:]}")
            else:
                runs["comtrade_corridor_build_s"].append(r["seconds"])
                runs["comtrade_corridor_ingest_s"].append(steps[STEP_COMTRADE])
                runs["comtrade_corridor_checks_s"].append(steps.get(STEP_COMTRADE_CHECKS, 0.0))
                runs["comtrade_corridor_dbt_s"].append(steps[STEP_DBT])

    if args.profile:
        raw = _copy_raw(dots_raw, work / "raw_profile")
        svg = out / "profile_full_build.svg"
        _say(f"--- profiling a full build with py-spy -> {svg}")
        run_build(_fresh(work / "profile"), raw, profile=svg)

    units = {k: ("bytes" if k.endswith("_bytes") else "rows/s" if k.endswith("_per_s") else "s") for k in runs}
    once = "once (first repeat): costs about a full build or more"
    notes = {"build_startup_s": "with --reporters 1 this is the full build" if args.reporters == 1 else "",
             "build_peak_rss_bytes": "peak RSS of the largest process, every build of the run (Comtrade included)",
             "publish_s": "step warehouse__corridor of the full build",
             "build_tenth_s": f"first {tenth_reporters} reporter(s), {rows_tenth or 0:,} figures; every repeat",
             "build_incremental_new_year_s": once, "comtrade_corridor_build_s": once,
             "comtrade_corridor_ingest_s": once + "; step raw__comtrade_flows",
             "comtrade_corridor_checks_s": once + "; step comtrade_flows_checks",
             "comtrade_corridor_dbt_s": once + "; step corridor_dbt_models", "comtrade_corridor_peak_rss_bytes": once}
    m = {k: _measure(v, units[k], notes.get(k, "")) for k, v in runs.items() if v}
    ratios, why = compute_ratios(m, {"full": rows_parsed, "tenth": rows_tenth, "tenth_reporters": tenth_reporters})
    results = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": "SYNTHETIC (orchestration/bench/generate.py)",
        "machine": machine_info(),
        "parameters": {"reporters": args.reporters, "years": args.years, "first_year": args.first_year,
                       "comtrade_rows": args.comtrade_rows, "repeats": args.repeats, "seed": args.seed,
                       "dense": args.dense, "dots_density": "dense (all cells)" if args.dense else "realistic",
                       "generator_version": generate.GENERATOR_VERSION,
                       "dots_rows_parsed": rows_parsed, "dots_rows_baseline": rows_baseline,
                       "tenth_reporters": tenth_reporters if tenth_raw is not None else None,
                       "dots_rows_tenth": rows_tenth, "comtrade_rows_loaded": comtrade_rows,
                       "dots_inputs": str(dots_raw), "dots_inputs_new_year": str(new_year_raw),
                       "comtrade_input": str(comtrade_csv), "comtrade_raw": str(comtrade_raw)},
        "measurements": m,
        "ratios": ratios,
        "not_measured": why,
        "notes": {
            "comtrade_marts_vs_plain_sql": (
                "numerator: the corridor_dbt_models step of the Comtrade build minus that of the 1-reporter start-up "
                "build (same DOTS set): staging with code mapping, int_trade_flows_versioned, fct_trade_flows, "
                "fct_trade_flows_history and their dbt tests over the HS6 records; HS6 records do not reach "
                "partner_shares (product 'TOTAL' only). Denominator: COMTRADE_SHARES_SQL (partner totals, shares "
                "and ranks from the HS6 records) in one DuckDB statement."),
            "comtrade_ingestion_vs_duckdb_bulk": (
                "numerator: step raw__comtrade_flows (parse the release's JSON responses, load, lineage); "
                "denominator: DuckDB read_csv_auto of the CSV holding the same records."),
        },
        "comtrade_corridor_error": comtrade_error,
        "step_timings": step_timings,
        "profile": {"dbt_slowest_nodes": dbt_nodes, "comtrade_dbt_slowest_nodes": comtrade_nodes,
                    "duckdb_explain_analyze": explained,
                    "flame_graph": str(out / "profile_full_build.svg") if args.profile else None},
    }
    results["budgets"] = evaluate_budgets(m, ratios, why)
    results["elapsed_s"] = time.perf_counter() - started
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_table(results)
    _say(f"\nresults: {out / 'results.json'}  ({results['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
