"""``corridor``: the command line.

    corridor build            load raw/, run the checks, build the dbt marts, publish the warehouse
                              (--incremental: reload only changed files; --timings: print each
                              Dagster step's wall seconds and write <warehouse dir>/build_timings.json)
    corridor check            load raw/ and run the source checks only (nothing is published)
    corridor report [--pair]  the corridor report (HTML, offline) for a pair; --png: a picture per chart
    corridor claims check F   find the figures quoted in a text and check them against the warehouse
    corridor docs [--serve]   the dbt docs site as one HTML file next to the warehouse
    corridor fetch API ...    download from UN Comtrade / IMF SDMX into raw/ (needs network)
    corridor bench ...        the benchmark suite (make bench)
    corridor rollback [V]     publish a kept earlier version again (--list shows them)
    corridor export-parquet   write the raw layer as Parquet (partitioned by source and year) for Spark

Exit codes: 0 success; 1 a check, a file or a model failed (the reason is printed on stderr);
2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

EPILOG_BUILD = """example:
  corridor build                      # the embedded data in raw/ -> warehouse/corridor.duckdb
  CORRIDOR_RAW=~/dots corridor build  # any folder laid out like raw/ (e.g. 200 IMF workbooks)
  corridor build --timings            # also: seconds per step (raw__*, *_checks, corridor_dbt_models,
                                      # warehouse__corridor, ...) -> <warehouse dir>/build_timings.json
"""
TIMINGS_FILE = "build_timings.json"


def _say(message: str) -> None:
    print(message, flush=True)


def _fail(message: str, code: int = 1) -> int:
    print(f"corridor: {message}", file=sys.stderr, flush=True)
    return code


def _run(selection: str | None, fresh: bool, timings: bool = False) -> tuple[bool, dict]:
    """Materialise the assets (all, or a selection) in-process; return (success, summary).
    With ``timings``, the summary also has ``step_seconds`` (:func:`_step_seconds`)."""
    from orchestration import constants

    constants.export_env()
    build_db = constants.build_db_path()
    if fresh:
        for leftover in build_db.parent.glob(build_db.name + "*"):
            leftover.unlink()
    build_db.parent.mkdir(parents=True, exist_ok=True)

    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    if selection is None and os.environ.get("CORRIDOR_DOCS", "1") == "0":
        selection = "not key:warehouse/docs"  # CORRIDOR_DOCS=0: no docs site in this build
    if selection:
        repo = defs.get_repository_def()
        selected = dg.AssetSelection.from_string(selection).resolve(repo.asset_graph)
        job = job.get_subset(asset_selection=selected, asset_check_selection=None)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
        summary = _summarise(result)
        if timings:
            summary["step_seconds"] = _step_seconds(instance.all_logs(result.run_id))
    return result.success, summary


def _step_seconds(records) -> dict[str, float]:
    """Wall seconds of every step that finished (STEP_START to STEP_SUCCESS / STEP_FAILURE), from the
    run's event log records, in the order the steps started."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] = round(record.timestamp - started[event.step_key], 3)
    return {key: seconds[key] for key in sorted(seconds, key=lambda k: started[k])}


def _write_timings(summary: dict, total_s: float, success: bool) -> Path:
    """Print one line per step and write ``<warehouse dir>/build_timings.json``."""
    import json

    from orchestration import constants

    steps = summary.get("step_seconds", {})
    _say("Step timings (wall seconds):")
    for key, seconds in steps.items():
        _say(f"  {key:<40} {seconds:>9.2f} s")
    _say(f"  {'total (corridor build)':<40} {total_s:>9.2f} s")
    path = constants.warehouse_path().parent / TIMINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"total_s": round(total_s, 3), "success": success, "steps": steps}, indent=2) + "\n",
                    encoding="utf-8")
    _say(f"  written to {path}")
    return path


def _summarise(result) -> dict:
    materialised: dict[str, dict] = {}
    checks: list[tuple[str, bool, dict]] = []
    failures: list[str] = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            materialised[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            meta = {k: v.value for k, v in ev.metadata.items()}
            meta["_severity"] = getattr(ev.severity, "value", str(ev.severity))
            checks.append((f"{ev.asset_key.to_user_string()}:{ev.check_name}", ev.passed, meta))
        elif event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            while err.cause is not None and "DagsterExecutionStepExecutionError" in (err.cls_name or ""):
                err = err.cause
            text = (err.message or "").strip()
            for prefix in ("dagster._core.definitions.events.Failure: ",):
                text = text.replace(prefix, "")
            failures.append(f"{event.step_key}: {text.splitlines()[0] if text else 'failed'}")
    return {"materialised": materialised, "checks": checks, "failures": failures}


def _print_summary(summary: dict) -> None:
    mats = summary["materialised"]
    raw = {k: v for k, v in mats.items() if k.startswith("raw/")}
    if raw:
        _say("Sources loaded:")
        for key, meta in sorted(raw.items()):
            _say(f"  {key.replace('/', '.'):<32} {meta.get('current_rows', '?'):>9} rows current  "
                 f"({meta.get('files_loaded', 0)} file(s) loaded, {meta.get('files_unchanged', 0)} unchanged, "
                 f"{meta.get('rows_quarantined', 0)} row(s) quarantined)")
    marts = {k: v for k, v in mats.items() if k.split("/")[0] in ("marts", "staging", "intermediate")}
    if marts:
        built = [k for k in marts if k.startswith("marts/")]
        _say(f"dbt models built: {len(marts)} ({len(built)} marts)")
        counts = mats.get("warehouse/corridor", {}).get("mart_rows") or {}
        for key in sorted(built):
            rows = counts.get(key.split("/", 1)[1], "")
            _say(f"  {key.replace('/', '.'):<32} {rows:>9} rows")
    checks = summary["checks"]
    if checks:
        failed = [c for c in checks if not c[1] and c[2].get("_severity") != "WARN"]
        warned = [c for c in checks if not c[1] and c[2].get("_severity") == "WARN"]
        _say(f"Checks: {len(checks) - len(failed) - len(warned)} passed, {len(failed)} failed, {len(warned)} warned")
        for label, group in (("FAILED", failed), ("WARN", warned)):
            for name, _, meta in group:
                offending = meta.get("offending_keys") or meta.get("failed_row_count") or ""
                _say(f"  {label} {name}: {meta.get('rows_failing', '')} row(s) failing {offending}")


def cmd_build(args: argparse.Namespace) -> int:
    from orchestration import constants

    started = time.perf_counter()
    _say(f"corridor build: raw folder {constants.raw_dir()}")
    _say(f"  building in {constants.build_db_path()}")
    ok, summary = _run(None, fresh=not args.incremental, timings=args.timings)
    _print_summary(summary)
    if args.timings:
        _write_timings(summary, time.perf_counter() - started, ok)
    if not ok:
        for line in summary["failures"]:
            print(f"  {line}", file=sys.stderr)
        reasons = [n for n, passed, meta in summary["checks"] if not passed and meta.get("_severity") != "WARN"]
        why = f"blocking check(s) failed: {', '.join(reasons)}" if reasons else (summary["failures"][0] if summary["failures"] else "a step failed")
        if "warehouse/corridor" in summary["materialised"]:
            return _fail(f"warehouse published to {constants.warehouse_path()}, but a later step failed ({why})")
        return _fail(f"build failed, warehouse not published ({why})")
    version = summary["materialised"].get("warehouse/corridor", {}).get("version_id", "")
    _say(f"Warehouse published: {constants.warehouse_path()}  (version {version}, {time.perf_counter() - started:.1f} s)")
    report = summary["materialised"].get("warehouse/report", {}).get("path")
    if report:
        _say(f"  report:    {report}")
    docs = summary["materialised"].get("warehouse/docs", {}).get("path")
    if docs:
        _say(f"  dbt docs:  {docs}   (serve them: corridor docs --serve)")
    _say(f"  query it:  duckdb -readonly {constants.warehouse_path()}  \"select * from marts.partner_shares limit 5\"")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    ok, summary = _run("key:raw/*", fresh=True)
    _print_summary(summary)
    if not ok:
        return _fail("source checks failed: " + "; ".join(summary["failures"][:3] or [n for n, p, _ in summary["checks"] if not p]))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration import constants

    site = constants.warehouse_path().parent / "docs" / "index.html"
    if args.generate or not site.exists():
        _say("generating the dbt docs site (dbt docs generate --static) ...")
        ok, summary = _run("key:warehouse/docs", fresh=False)
        if not ok:
            return _fail("docs generation failed: " + "; ".join(summary["failures"][:2]) + " (run `corridor build` first)")
    _say(f"dbt docs: {site}")
    if not args.serve:
        return 0
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site.parent))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        _say(f"serving on http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from orchestration import constants
    from orchestration.lib.report import write_report

    pair = (args.pair or "-".join(constants.focus_corridor())).upper()
    parts = pair.split("-")
    if len(parts) != 2 or not all(len(p) == 3 and p.isalpha() for p in parts):
        return _fail(f"--pair {args.pair!r}: expected two ISO3 codes like GEO-CHN", 2)
    target = constants.warehouse_path()
    if not target.exists():
        return _fail(f"{target}: no published warehouse; run `corridor build` first")
    try:
        out = write_report(target, parts[0], parts[1], target.parent / "report", pictures=args.png)
    except ValueError as exc:
        return _fail(str(exc))
    _say(f"report: {out}")
    return 0


def cmd_claims_check(args: argparse.Namespace) -> int:
    from orchestration import constants
    from orchestration.lib.claims import claims_check_command

    article = Path(args.file)
    if not article.is_file():
        return _fail(f"{article}: no such file", 2)
    target = constants.warehouse_path()
    if not target.exists():
        return _fail(f"{target}: no published warehouse; run `corridor build` first")
    code, text = claims_check_command(article, target)
    print(text)
    return code


def cmd_fetch(args: argparse.Namespace) -> int:
    from orchestration import constants

    landing = constants.raw_dir()
    if args.api == "comtrade":
        from orchestration.lib.connectors.comtrade import ComtradeQuery, fetch_comtrade, parse_comtrade_release

        query = ComtradeQuery.from_mapping({
            "reporterCode": args.reporter, "partnerCode": args.partner, "period": args.period,
            "cmdCode": args.cmd, "flowCode": args.flow, "freqCode": args.freq,
        })
        _say(f"fetching UN Comtrade {args.freq} reporter {args.reporter} partner {args.partner} period {args.period} ...")
        release = fetch_comtrade(query, landing, args.release)
        result = parse_comtrade_release(release)
    else:
        from orchestration.lib.connectors.imf_sdmx import fetch_imts, parse_imts_release

        _say(f"fetching IMF IMTS reporter {args.reporter} partners {args.partner} {args.start}-{args.end} ...")
        release = fetch_imts(args.reporter, args.partner.split(","), args.start, args.end, landing, args.release, freq=args.freq)
        result = parse_imts_release(release)
    _say(f"saved to {release} (manifest.json lists the files and sha256): "
         f"{result.rows.height} rows, {result.quarantine.height} set aside")
    return 0


def cmd_export_parquet(args: argparse.Namespace) -> int:
    from orchestration import constants
    from orchestration.lib.errors import ConfigError
    from orchestration.lib.parquet_export import export_raw

    out = args.out or constants.warehouse_path().parent / "parquet"
    try:
        written = export_raw(constants.warehouse_path(), out)
    except ConfigError as exc:
        return _fail(str(exc))
    for table, rows in written.items():
        _say(f"  raw.{table:<28} {rows:>9} rows -> {out / table}")
    _say(f"raw layer written as Parquet to {out} (the dbt spark target reads it: CORRIDOR_RAW_PARQUET={out})")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from orchestration import constants
    from orchestration.lib import publish

    target = constants.warehouse_path()
    if args.list:
        current = publish.current_version(target)
        for meta in publish.list_versions(target):
            mark = "*" if meta["version_id"] == current else " "
            checks = meta.get("checks", {})
            _say(f"{mark} {meta['version_id']}  commit {str(meta.get('git_commit') or '-')[:10]}  "
                 f"checks {checks.get('passed', '?')}/{checks.get('evaluated', '?')} passed")
        return 0
    chosen = publish.rollback(target, args.version)
    _say(f"rolled back: {target} is now version {chosen['version_id']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corridor",
        description="Corridor: a bilateral trade statistics warehouse (IMF DOTS, FDI, company registry, claims) in DuckDB.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Settings (environment): CORRIDOR_RAW (source folder), CORRIDOR_WAREHOUSE (published DuckDB file), "
        "CORRIDOR_FOCUS (focus corridor, default AZE-CHN).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="load raw/, check, build the marts, publish the warehouse",
                       description="Load every source in the raw folder, run the blocking checks, build the dbt marts "
                       "and publish the warehouse atomically.", epilog=EPILOG_BUILD,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--incremental", action="store_true", help="reuse the previous build file; reload only changed files")
    p.add_argument("--timings", action="store_true",
                   help=f"after the build, print each Dagster step's wall seconds (from its STEP_START and "
                   f"STEP_SUCCESS/STEP_FAILURE events) and write them to <warehouse dir>/{TIMINGS_FILE} "
                   '({"total_s": ..., "success": ..., "steps": {step_key: seconds}})')
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("check", help="load raw/ and run the source checks only",
                       description="Load the sources into a scratch build and run every source check; publishes nothing.",
                       epilog="example:\n  corridor check", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("docs", help="generate and serve the dbt docs site",
                       description="Write the dbt docs site as one static HTML file next to the warehouse "
                       "(<warehouse dir>/docs/index.html) and optionally serve it on localhost.",
                       epilog="example:\n  corridor docs --serve --port 8080", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--generate", action="store_true", help="regenerate even if the site exists")
    p.add_argument("--serve", action="store_true", help="serve the site on http://127.0.0.1:PORT")
    p.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080; 0 = any free port)")
    p.set_defaults(func=cmd_docs)
    p = sub.add_parser("report", help="render the corridor report (interactive HTML, works offline)",
                       description="Render the report of a reporter-partner pair from the published warehouse to "
                       "<warehouse dir>/report/<PAIR>/index.html. Every build renders the focus corridor.",
                       epilog="examples:\n  corridor report                 # the focus corridor (CORRIDOR_FOCUS)\n"
                       "  corridor report --pair CHN-AZE  # China's view\n  corridor report --png           # and a PNG per chart", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pair", help="REPORTER-PARTNER ISO3 codes (default: CORRIDOR_FOCUS, AZE-CHN)")
    p.add_argument("--png", action="store_true", help="also write each chart as a PNG beside index.html (for slides)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("claims", help="check the figures quoted in an article",
                       description="Work with figures quoted in documents.")
    claims_sub = p.add_subparsers(dest="claims_command", required=True)
    c = claims_sub.add_parser("check", help="find the figures in a text and check each against the warehouse",
                              description="Find every numeric figure in a text file (amounts with currency and scale, "
                              "percentages, ranks, company counts) with the words that say what it measures and its "
                              "year, and print each with its quote and a verdict against the published warehouse. "
                              "Every figure reported is a span of the text; nothing is invented.",
                              epilog="example:\n  corridor claims check raw/claims/documents/000_89a053709fc8d48a.txt",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("file", help="a plain-text article (UTF-8)")
    c.set_defaults(func=cmd_claims_check)
    p = sub.add_parser("fetch", help="download a corridor from UN Comtrade or IMF (needs network)",
                       description="Fetch from an official API into the raw folder's landing zone "
                       "(raw/<api>/<release>/ with manifest.json: query, retrieved_at, sha256). Every response is saved "
                       "before it is parsed. COMTRADE_API_KEY (or IMF_API_KEY) is read from the environment and never stored.",
                       epilog="examples:\n  COMTRADE_API_KEY=... corridor fetch comtrade --reporter 31 --partner 156 --period 2019,2020\n"
                       "  corridor fetch imf --reporter AZ --partner CN --start 2015 --end 2024",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("api", choices=["comtrade", "imf"])
    p.add_argument("--reporter", required=True, help="Comtrade numeric code (31 = Azerbaijan) or IMF code (AZ)")
    p.add_argument("--partner", required=True, help="Comtrade code(s) (156 = China) or IMF code(s) (CN), comma-separated")
    p.add_argument("--period", default="2019", help="Comtrade periods, e.g. 2019,2020 or 202301 (monthly)")
    p.add_argument("--cmd", default="TOTAL", help="Comtrade commodity codes (TOTAL or HS codes)")
    p.add_argument("--flow", default="X,M", help="Comtrade flows (X,M)")
    p.add_argument("--freq", default="A", choices=["A", "M"], help="annual or monthly")
    p.add_argument("--start", type=int, default=2015, help="IMF first year")
    p.add_argument("--end", type=int, default=2024, help="IMF last year")
    p.add_argument("--release", help="release id (default: the UTC time)")
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("bench", help="run the benchmark suite (synthetic data at scale)", add_help=False,
                       description="Generate synthetic IMF DOTS workbooks and Comtrade records at scale and measure "
                       "builds against DuckDB's own speed on the same machine. `corridor bench --help` lists the options.")
    p = sub.add_parser("rollback", help="publish a previous warehouse version again",
                       description="Replace the published warehouse with a kept version (atomically). "
                       "The last CORRIDOR_KEEP_VERSIONS (default 3) versions are kept under <warehouse dir>/versions/.",
                       epilog="examples:\n  corridor rollback --list\n  corridor rollback            # the version before the current one\n"
                       "  corridor rollback 20261123T163048999186Z", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("version", nargs="?", help="version id to publish (default: the one before the current)")
    p.add_argument("--list", action="store_true", help="list the kept versions (* = published)")
    p.set_defaults(func=cmd_rollback)
    p = sub.add_parser("export-parquet", help="write the raw layer as Parquet for Spark",
                       description="Write every raw.* table of the published warehouse (all versions) as Parquet, "
                       "partitioned by source and year where the table has them, for the dbt spark target.")
    p.add_argument("out", nargs="?", type=Path, help="output folder (default: <warehouse dir>/parquet)")
    p.set_defaults(func=cmd_export_parquet)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # the benchmark has its own options (corridor bench --help)
        from orchestration.bench.run import main as bench_main

        return bench_main(argv[1:]) or 0
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted; the published warehouse is unchanged", 130)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        from orchestration.lib.errors import CorridorError

        if isinstance(exc, CorridorError):
            return _fail(str(exc))
        if os.environ.get("CORRIDOR_DEBUG"):
            raise
        return _fail(f"{type(exc).__name__}: {exc} (set CORRIDOR_DEBUG=1 for the traceback)")


if __name__ == "__main__":
    sys.exit(main())
