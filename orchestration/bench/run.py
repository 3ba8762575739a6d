"""Corridor benchmark: full / start-up / incremental builds, ingestion, memory, size — each against
the physical limit of the same machine (DuckDB loading the same data straight into a table).

    python -m orchestration.bench.run [--reporters 235] [--years 61] [--comtrade-rows 10000000]
                                      [--repeats 3] [--out <warehouse dir>/benchmarks]

Inputs are SYNTHETIC (:mod:`orchestration.bench.generate`) and cached under ``<out>/inputs`` by their
parameters; every build runs ``corridor build`` in a subprocess with its own CORRIDOR_RAW,
CORRIDOR_WAREHOUSE and DBT_TARGET_PATH under ``<out>/work`` (never the checkout's warehouse/).
Each measurement is repeated ``--repeats`` times; the median is reported. Results: a table on
stdout and ``<out>/results.json`` (machine, parameters, runs, medians, ratios, budgets).

Measurements (seconds unless named otherwise):

* ``dbt_parse_cold_s``  ``dbt parse`` into an empty target folder: paid once per checkout (the
                        builds share one dbt target folder, as a user's builds share dbt_project/target)
* ``build_startup_s``   a fresh build of a 1-reporter set: the fixed cost (Dagster, dbt, docs)
                        (with ``--reporters 1`` the full build *is* that build and is not run twice)
* ``build_full_s``      a fresh build of the whole DOTS set
* ``build_incremental_new_reporter_s`` / ``build_incremental_changed_file_s``
                        ``corridor build --incremental`` after adding one reporter's workbook,
                        then after one workbook changed (new figures)
* ``build_peak_rss_bytes`` peak RSS of the largest process of a build (the CLI runs under a small
                        wrapper that reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``), max over builds
* ``warehouse_bytes``   the published DuckDB file after the full build
* ``ingest_parse_s`` / ``ingest_rows_per_s``  ``parse_dots_workbook`` over every workbook, in-process
* ``baseline_dots_read_s`` / ``baseline_dots_insert_s`` / ``baseline_dots_aggregate_s`` /
  ``baseline_dots_total_s``  polars (calamine) read of every workbook, one DuckDB insert, the
                        partner-share aggregate in one SQL statement; ``baseline_dots_db_bytes``
* ``comtrade_duckdb_bulk_load_s``  DuckDB ``read_csv_auto`` of the Comtrade CSV into a table
* ``comtrade_polars_load_s``       polars scan of the CSV + one DuckDB insert (how Corridor ingests)
* ``comtrade_aggregate_s``         the partner-share aggregate over the HS6 records, one SQL statement

Budgets: full DOTS build < 30 s; Comtrade ingestion ≤ 1.5 × DuckDB bulk load; incremental < 20 % of
the full build; peak memory < 4 GB.
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
    "comtrade_ingestion_vs_duckdb_bulk": ("comtrade_polars_load_s / comtrade_duckdb_bulk_load_s", "<=", 1.5),
    "incremental_vs_full": ("max(incremental medians) / build_full_s", "<", 0.20),
    "peak_memory_bytes": ("max build peak RSS", "<", 4 * 1024**3),
}

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


def ensure_dots(inputs: Path, reporters: int, years: int, first_year: int, seed: int) -> Path:
    """The cached SYNTHETIC CORRIDOR_RAW folder for these parameters (generated if missing)."""
    params = {"reporters": reporters, "years": years, "first_year": first_year, "seed": seed}
    folder = inputs / f"dots_SYNTHETIC_r{reporters}_y{years}_f{first_year}_s{seed}"
    if not _complete(folder, params):
        shutil.rmtree(folder, ignore_errors=True)
        _say(f"generating {reporters} SYNTHETIC DOTS workbooks × {years} years in {folder} ...")
        generate.write_dots_workbooks(folder, reporters, years, first_year, seed)
        (folder / ".complete").write_text(json.dumps(params))
    return folder


def ensure_comtrade(inputs: Path, rows: int, seed: int) -> Path:
    params = {"rows": rows, "seed": seed}
    path = inputs / f"comtrade_SYNTHETIC_n{rows}_s{seed}.csv"
    marker = path.with_name(path.name + ".complete")
    if not (path.is_file() and marker.is_file() and json.loads(marker.read_text()) == params):
        _say(f"generating {rows:,} SYNTHETIC Comtrade records in {path} ...")
        generate.write_comtrade_csv(path, rows, seed)
        marker.write_text(json.dumps(params))
    return path


def dots_workbooks(raw: Path) -> list[Path]:
    return sorted((raw / "imf_dots").glob("*.xlsx"))


# --------------------------------------------------------------------------------------------- builds

def _say(text: str) -> None:
    print(text, flush=True)


def build_env(workdir: Path, raw: Path) -> dict[str, str]:
    """Each build publishes into its own ``workdir``; all share one dbt target folder next to it
    (``<work>/dbt_target``), warm as a user's ``dbt_project/target`` is after the first build, so
    that dbt parses the project once per benchmark run (measured as ``dbt_parse_cold_s``)."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(CORRIDOR_RAW=str(raw), CORRIDOR_WAREHOUSE=str(workdir / "corridor.duckdb"),
               DBT_TARGET_PATH=str(workdir.parent / "dbt_target"), CORRIDOR_FOCUS="AZE-CHN")
    return env


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


def run_build(workdir: Path, raw: Path, incremental: bool = False, profile: Path | None = None) -> dict:
    """``corridor build [--incremental]`` into ``workdir``: {"seconds", "peak_rss_bytes", ...}.
    With ``profile``, the build runs under py-spy (sampling every process it starts, dbt included)
    and the flame graph is written there; its time is then not a measurement."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "orchestration.cli", "build", *(["--incremental"] if incremental else [])]
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
    if result["returncode"] != 0:
        raise RuntimeError(f"corridor build{' --incremental' if incremental else ''} failed in {workdir} "
                           f"(CORRIDOR_RAW={raw}):\n{result['stderr'][-2000:]}")
    return result


def dbt_node_times(target: Path, top: int = 10) -> list[dict]:
    """The slowest dbt nodes of the last ``dbt build`` in ``target`` (from its JSON dbt.log)."""
    spans: dict[str, dict] = {}
    log = target / "dbt.log"
    if not log.is_file():
        return []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        node = (event.get("data") or {}).get("node_info") or {}
        if node.get("node_started_at") and node.get("node_finished_at"):  # a node's result event
            started = dt.datetime.fromisoformat(node["node_started_at"])
            finished = dt.datetime.fromisoformat(node["node_finished_at"])
            spans[node["node_name"]] = {"node": node["node_name"], "type": node.get("resource_type"),
                                        "seconds": round((finished - started).total_seconds(), 3)}
    return sorted(spans.values(), key=lambda n: -n["seconds"])[:top]


def explain_models(target: Path, db: Path, models: list[str], out: Path) -> dict[str, dict]:
    """DuckDB ``EXPLAIN ANALYZE`` of each model's compiled SQL on the built warehouse: its time and
    the costliest operators; the full JSON plans go to ``out/explain_<model>.json``."""
    import duckdb

    found: dict[str, dict] = {}
    for model in models:
        compiled = next(iter(sorted(target.glob(f"compiled/corridor/models/**/{model}.sql"))), None)
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


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 2**20:,.1f} MiB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    return f"{value:,.2f} s"


def print_table(results: dict) -> None:
    m, ratios = results["measurements"], results["ratios"]
    _say("")
    _say(f"{'measurement':<36} {'median':>16}   runs")
    for key, entry in m.items():
        runs = ", ".join(_fmt(r, entry["unit"]).split()[0] for r in entry["runs"])
        _say(f"{key:<36} {_fmt(entry['median'], entry['unit']):>16}   [{runs}]")
    _say("")
    _say(f"{'ratio (Corridor / baseline)':<48} {'value':>10}")
    for key, value in ratios.items():
        _say(f"{key:<48} {value:>10.2f}")
    _say("")
    _say(f"{'budget':<36} {'value':>16} {'limit':>14}  result")
    for key, b in results["budgets"].items():
        unit = "bytes" if key == "peak_memory_bytes" else ("s" if key.endswith("_s") else "")
        value = _fmt(b["value"], unit) if unit else f"{b['value']:.2f}"
        limit = _fmt(b["limit"], unit) if unit else f"{b['limit']:.2f}"
        _say(f"{key:<36} {value:>16} {b['op'] + ' ' + limit:>14}  {'PASS' if b['pass'] else 'FAIL'}")


def evaluate_budgets(m: dict, ratios: dict) -> dict:
    values = {
        "full_dots_build_s": m["build_full_s"]["median"],
        "comtrade_ingestion_vs_duckdb_bulk": ratios["comtrade_polars_load_vs_duckdb_bulk"],
        "incremental_vs_full": max(ratios["incremental_new_reporter_vs_full"], ratios["incremental_changed_file_vs_full"]),
        "peak_memory_bytes": max(m["build_peak_rss_bytes"]["runs"]),
    }
    out = {}
    for key, (what, op, limit) in BUDGETS.items():
        value = values[key]
        out[key] = {"what": what, "value": value, "op": op, "limit": limit,
                    "pass": value < limit if op == "<" else value <= limit}
    return out


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out is None:
        from orchestration import constants

        args.out = constants.warehouse_path().parent / "benchmarks"
    out = args.out.resolve()
    inputs, work = out / "inputs", out / "work"
    inputs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    dots_raw = ensure_dots(inputs, args.reporters, args.years, args.first_year, args.seed)
    startup_raw = ensure_dots(inputs, 1, args.years, args.first_year, args.seed)
    comtrade_csv = ensure_comtrade(inputs, args.comtrade_rows, args.seed)
    paths = dots_workbooks(dots_raw)
    new_reporter = generate.reporter_names(args.reporters + 1, args.seed)[-1]

    runs: dict[str, list[float]] = {k: [] for k in (
        "dbt_parse_cold_s", "build_startup_s", "build_full_s", "build_incremental_new_reporter_s", "build_incremental_changed_file_s",
        "build_peak_rss_bytes", "warehouse_bytes", "ingest_parse_s", "ingest_rows_per_s",
        "baseline_dots_read_s", "baseline_dots_insert_s", "baseline_dots_aggregate_s", "baseline_dots_total_s",
        "baseline_dots_db_bytes", "comtrade_duckdb_bulk_load_s", "comtrade_polars_load_s", "comtrade_aggregate_s")}
    rows_parsed = rows_baseline = comtrade_rows = 0
    dbt_nodes: list[dict] = []
    explained: dict[str, dict] = {}
    for i in range(args.repeats):
        _say(f"--- repeat {i + 1}/{args.repeats}")
        runs["dbt_parse_cold_s"].append(dbt_parse_cold(work))
        _say(f"  dbt parse, cold: {runs['dbt_parse_cold_s'][-1]:.1f} s (once per checkout; builds reuse it)")
        # (a, d, e) full build from a private copy of the inputs (the incremental cases edit it)
        raw = work / f"raw_{i}"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.copytree(dots_raw, raw, ignore=shutil.ignore_patterns(".complete"))
        full_dir = _fresh(work / f"full_{i}")
        r = run_build(full_dir, raw)
        _say(f"  full build ({len(paths)} reporters): {r['seconds']:.1f} s, peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB")
        runs["build_full_s"].append(r["seconds"])
        runs["build_peak_rss_bytes"].append(r["peak_rss_bytes"])
        runs["warehouse_bytes"].append(float((full_dir / "corridor.duckdb").stat().st_size))
        if i == 0:  # where the dbt time goes at this scale
            dbt_nodes = dbt_node_times(work / "dbt_target")
            slow_models = [n["node"] for n in dbt_nodes if n["type"] == "model"][:2]
            explained = explain_models(work / "dbt_target", full_dir / "corridor.duckdb", slow_models, out)
            _say("  slowest dbt nodes: " + ", ".join(f"{n['node']} {n['seconds']:.2f} s" for n in dbt_nodes[:5]))
        # (a) the fixed start-up cost: a build of a 1-reporter set
        if args.reporters == 1:
            runs["build_startup_s"].append(r["seconds"])  # the full build is the 1-reporter build
        else:
            s = run_build(_fresh(work / f"startup_{i}"), startup_raw)
            _say(f"  start-up build (1 reporter): {s['seconds']:.1f} s")
            runs["build_startup_s"].append(s["seconds"])
            runs["build_peak_rss_bytes"].append(s["peak_rss_bytes"])
        # (c) incremental: one new reporter's workbook, then one changed workbook
        generate.write_dots_workbook(raw / "imf_dots" / generate.dots_file_name(args.reporters + 1), new_reporter,
                                     args.years, args.first_year, args.seed)
        r = run_build(full_dir, raw, incremental=True)
        _say(f"  incremental build, new reporter {new_reporter!r}: {r['seconds']:.1f} s")
        runs["build_incremental_new_reporter_s"].append(r["seconds"])
        runs["build_peak_rss_bytes"].append(r["peak_rss_bytes"])
        changed = paths[0].name
        generate.write_dots_workbook(raw / "imf_dots" / changed, generate.reporter_names(1, args.seed)[0],
                                     args.years, args.first_year, args.seed + 1000 + i)
        r = run_build(full_dir, raw, incremental=True)
        _say(f"  incremental build, changed {changed}: {r['seconds']:.1f} s")
        runs["build_incremental_changed_file_s"].append(r["seconds"])
        runs["build_peak_rss_bytes"].append(r["peak_rss_bytes"])
        # (b) ingestion throughput of Corridor's parser
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
        # (g) Comtrade
        c = comtrade_measure(comtrade_csv, work)
        comtrade_rows = c["rows"]
        runs["comtrade_duckdb_bulk_load_s"].append(c["bulk"])
        runs["comtrade_polars_load_s"].append(c["polars"])
        runs["comtrade_aggregate_s"].append(c["aggregate"])
        _say(f"  Comtrade {comtrade_rows:,} rows: DuckDB bulk {c['bulk']:.2f} s, polars+insert {c['polars']:.2f} s, "
             f"aggregate {c['aggregate']:.2f} s")

    if args.profile:
        raw = work / "raw_profile"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.copytree(dots_raw, raw, ignore=shutil.ignore_patterns(".complete"))
        svg = out / "profile_full_build.svg"
        _say(f"--- profiling a full build with py-spy -> {svg}")
        run_build(_fresh(work / "profile"), raw, profile=svg)

    units = {k: ("bytes" if k.endswith("_bytes") else "rows/s" if k.endswith("_per_s") else "s") for k in runs}
    notes = {"build_startup_s": "with --reporters 1 this is the full build" if args.reporters == 1 else "",
             "build_peak_rss_bytes": "peak RSS of the largest process, every build of the run"}
    m = {k: _measure(v, units[k], notes.get(k, "")) for k, v in runs.items()}
    med = {k: v["median"] for k, v in m.items()}
    ratios = {
        "build_full_vs_dots_baseline": med["build_full_s"] / med["baseline_dots_total_s"],
        "build_marginal_vs_dots_baseline": max(med["build_full_s"] - med["build_startup_s"], 0.0) / med["baseline_dots_total_s"],
        "build_startup_vs_full": med["build_startup_s"] / med["build_full_s"],
        "ingest_parse_vs_calamine_read": med["ingest_parse_s"] / med["baseline_dots_read_s"],
        "incremental_new_reporter_vs_full": med["build_incremental_new_reporter_s"] / med["build_full_s"],
        "incremental_changed_file_vs_full": med["build_incremental_changed_file_s"] / med["build_full_s"],
        "warehouse_bytes_vs_baseline_db": med["warehouse_bytes"] / med["baseline_dots_db_bytes"],
        "comtrade_polars_load_vs_duckdb_bulk": med["comtrade_polars_load_s"] / med["comtrade_duckdb_bulk_load_s"],
    }
    results = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": "SYNTHETIC (orchestration/bench/generate.py)",
        "machine": machine_info(),
        "parameters": {"reporters": args.reporters, "years": args.years, "first_year": args.first_year,
                       "comtrade_rows": args.comtrade_rows, "repeats": args.repeats, "seed": args.seed,
                       "dots_rows_parsed": rows_parsed, "dots_rows_baseline": rows_baseline,
                       "comtrade_rows_loaded": comtrade_rows, "dots_inputs": str(dots_raw),
                       "comtrade_input": str(comtrade_csv)},
        "measurements": m,
        "ratios": ratios,
        "profile": {"dbt_slowest_nodes": dbt_nodes, "duckdb_explain_analyze": explained,
                    "flame_graph": str(out / "profile_full_build.svg") if args.profile else None},
    }
    results["budgets"] = evaluate_budgets(m, ratios)
    results["elapsed_s"] = time.perf_counter() - started
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_table(results)
    _say(f"\nresults: {out / 'results.json'}  ({results['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
