"""``corridor``: the command line (typer + rich). Argument parsing and printing only: the work is
done by the build runner (orchestration/build.py) and the library.

Exit codes: 0 success; 1 a file, a check or a model failed (one line on stderr says which); 2 a
usage error (an unknown option, a malformed argument); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(
    name="corridor",
    help="Corridor: a bilateral trade statistics warehouse (IMF DOTS, UN Comtrade, FDI, company registry, "
         "claims) in DuckDB. Settings: CORRIDOR_RAW (source folder), CORRIDOR_WAREHOUSE (published DuckDB file), "
         "CORRIDOR_FOCUS (focus corridor, default AZE-CHN), DAGSTER_HOME (where runs are recorded).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
TIMINGS_FILE = "build_timings.json"


class Failed(Exception):
    """A command failed for a reason the user can act on: one line, exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _version() -> str:
    from importlib.metadata import version

    return version("corridor")


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"corridor {_version()}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version_callback, is_eager=True,
                                                          help="print the version and exit")] = None) -> None:
    """Corridor's command line."""


# ---- build --------------------------------------------------------------------------------------

@app.command(epilog="Examples: corridor build · corridor build --full · CORRIDOR_RAW=~/dots corridor build --timings")
def build(
    full: Annotated[bool, typer.Option("--full", help="start from an empty build file and reload every file")] = False,
    force: Annotated[bool, typer.Option("--force", help="build even when nothing changed")] = False,
    timings: Annotated[bool, typer.Option("--timings", help=f"print each step's wall seconds and write <warehouse dir>/{TIMINGS_FILE}")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show dbt's log as it runs")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="if another build of this warehouse is running, wait for it instead of stopping")] = False,
) -> None:
    """Load the raw folder, check it, build the dbt marts and publish the warehouse.

    Incremental: only new or changed files load and only what they affect is rebuilt; when nothing
    changed since the published build, it says so and stops. Every build is recorded in the Dagster
    instance (`make dagster` shows it)."""
    from orchestration import constants

    if verbose:
        os.environ["CORRIDOR_VERBOSE"] = "1"
    out.print(f"corridor build: raw folder {constants.raw_dir()} → {constants.warehouse_path()}")
    result = _run_with_progress(full=full, force=force, wait=wait)
    _print_build(result, constants)
    if timings:
        _write_timings(result, constants)
    if result.up_to_date:
        return
    if not result.success:
        _explain_failure(result, constants)


def _run_with_progress(**kwargs):
    from orchestration import build as runner
    from orchestration.lib.lock import build_lock

    from orchestration import constants

    with build_lock(constants.warehouse_path(), wait=kwargs.pop("wait")):
        if not sys.stdout.isatty():
            return runner.run(**kwargs)
        from rich.live import Live
        from rich.table import Table

        steps: dict[str, list] = {}
        started = time.perf_counter()

        def render() -> Table:
            table = Table.grid(padding=(0, 2))
            done = sum(1 for s in steps.values() if s[0] != "started")
            table.add_row(f"[bold]building[/] {done}/{len(steps)} steps", f"{time.perf_counter() - started:5.1f} s")
            for key, (status, t0, seconds) in list(steps.items())[-8:]:
                mark = {"started": "[yellow]…[/]", "succeeded": "[green]✓[/]", "failed": "[red]✗[/]"}[status]
                took = time.perf_counter() - t0 if status == "started" else seconds
                table.add_row(f"  {mark} {key}", f"{took:5.1f} s")
            return table

        def on_step(key: str, status: str, seconds: float) -> None:
            steps[key] = [status, steps.get(key, [None, time.perf_counter()])[1], seconds]

        with Live(render(), console=out, refresh_per_second=8, transient=True, get_renderable=render):
            return runner.run(on_step=on_step, **kwargs)


def _group_line(label: str, items: list[str], width: int = 110) -> list[str]:
    text = " · ".join(items) if items else "—"
    lines = textwrap.wrap(text, width=width - 12, break_on_hyphens=False) or [""]
    return [f"{label:<11}{lines[0]}"] + [f"{'':<11}{line}" for line in lines[1:]]


def _print_build(result, constants) -> None:
    if result.up_to_date:
        out.print(f"Nothing changed since the published build (raw files, dbt project and code are the same): "
                  f"{constants.warehouse_path()} is up to date ({result.seconds:.1f} s). `corridor build --force` rebuilds it.")
        return
    mats = result.materialised
    raw = {k.split("/", 1)[1]: v for k, v in mats.items() if k.startswith("raw/")}
    if raw:
        loaded = [f"{name} {int(meta.get('current_rows', 0)):,}" for name, meta in sorted(raw.items())]
        lines = _group_line("Sources", loaded)
        files = sum(int(m.get("files_loaded", 0)) for m in raw.values())
        unchanged = sum(int(m.get("files_unchanged", 0)) for m in raw.values())
        quarantined = sum(int(m.get("rows_quarantined", 0)) for m in raw.values())
        dupes = sum(int(m.get("files_duplicate", 0)) for m in raw.values())
        lines.append(f"{'':<11}{files} file(s) loaded, {unchanged} unchanged"
                     + (f", {dupes} duplicate deliveries counted once" if dupes else "")
                     + (f"; {quarantined:,} value(s) set aside in audit.quarantine" if quarantined else ""))
        for line in lines:
            out.print(line)
    counts = mats.get("warehouse/corridor", {}).get("mart_rows") or {}
    if counts:
        for line in _group_line("Marts", [f"{k} {int(v):,}" for k, v in sorted(counts.items())]):
            out.print(line)
    failed, warned = result.failed_checks, result.warnings
    passed = len(result.checks) - len(failed) - len(warned)
    out.print(f"{'Checks':<11}{passed} passed, {len(failed)} failed, {len(warned)} warning(s)")
    if result.published:
        version = result.version or ""
        tail = f" with {len(warned)} warning(s):" if warned else ""
        out.print(f"{'Published':<11}{constants.warehouse_path()} (version {version}, {result.seconds:.1f} s){tail}")
        _print_checks(warned, "warning", limit=5)
        for key, label in (("warehouse/report", "Report"), ("warehouse/docs", "Docs")):
            path = mats.get(key, {}).get("path")
            if path:
                out.print(f"{label:<11}{path}" + ("  (corridor docs --serve)" if label == "Docs" else ""))
        out.print(f"{'Query':<11}duckdb -readonly {constants.warehouse_path()} \"select * from marts.partner_shares limit 5\"")


def _describe(check) -> str:
    meta = check.metadata
    keys = meta.get("offending_keys")
    if keys:
        shown = json.dumps(keys[:3], default=str, ensure_ascii=False)
        more = f" (+{len(keys) - 3} more)" if len(keys) > 3 else ""
        return f"{meta.get('rows_failing', len(keys))} row(s): {shown}{more}"
    if meta.get("failed_row_count"):
        return f"{meta['failed_row_count']} row(s) (query the dbt test's SQL in the target folder)"
    return str(meta.get("message") or meta.get("note") or "")


def _print_checks(checks, label: str, limit: int) -> None:
    for check in checks[:limit]:
        text = f"  {label}: {check.name} — {_describe(check)}"
        out.print(text if len(text) <= 300 else text[:297] + "…")
    if len(checks) > limit:
        out.print(f"  … and {len(checks) - limit} more (see the run in `make dagster`)")


def _explain_failure(result, constants) -> None:
    _print_checks(result.failed_checks, "FAILED", limit=8)
    for line in result.failures[:5]:
        err.print(f"  {line}")
    reasons = [c.name for c in result.failed_checks]
    why = (f"blocking check(s) failed: {', '.join(reasons)}" if reasons
           else (result.failures[0] if result.failures else "a step failed"))
    if result.published:
        raise Failed(f"warehouse published to {constants.warehouse_path()}, but a later step failed ({why})")
    raise Failed(f"build failed, warehouse not published ({why})")


def _write_timings(result, constants) -> None:
    out.print("Step timings (wall seconds):")
    for key, seconds in result.step_seconds.items():
        out.print(f"  {key:<44} {seconds:>8.2f} s")
    out.print(f"  {'total (corridor build)':<44} {result.seconds:>8.2f} s")
    path = constants.warehouse_path().parent / TIMINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"total_s": round(result.seconds, 3), "success": result.success,
                                "up_to_date": result.up_to_date, "selection": result.selection,
                                "steps": result.step_seconds}, indent=2) + "\n", encoding="utf-8")
    out.print(f"  written to {path}")


@app.command()
def check() -> None:
    """Load the raw folder into a scratch build and run every source check; publishes nothing."""
    from orchestration import build as runner
    from orchestration import constants

    os.environ["CORRIDOR_BUILD_DB"] = str(constants.warehouse_path().parent / "check" / "corridor.duckdb")
    result = runner.run("key:raw/*", full=True)
    _print_build(result, constants)
    if not result.success:
        _print_checks(result.failed_checks, "FAILED", limit=8)
        raise Failed("source checks failed: " + "; ".join(result.failures[:3] or [c.name for c in result.failed_checks]))


# ---- serving ------------------------------------------------------------------------------------

@app.command(epilog="Example: corridor docs --serve --port 8080")
def docs(
    generate: Annotated[bool, typer.Option("--generate", help="regenerate even if the site exists")] = False,
    serve: Annotated[bool, typer.Option("--serve", help="serve the site on http://127.0.0.1:PORT")] = False,
    port: Annotated[int, typer.Option(help="port to serve on (0 = any free port)")] = 8080,
) -> None:
    """Write the dbt docs site as one static HTML file next to the warehouse and optionally serve it."""
    from orchestration import build as runner
    from orchestration import constants

    site = constants.warehouse_path().parent / "docs" / "index.html"
    if generate or not site.exists():
        out.print("generating the dbt docs site (dbt docs generate --static) ...")
        result = runner.run("key:warehouse/docs")
        if not result.success:
            raise Failed("docs generation failed: " + "; ".join(result.failures[:2]) + " (run `corridor build` first)")
    out.print(f"dbt docs: {site}")
    if serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site.parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
            out.print(f"serving on http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass


@app.command(epilog="Examples: corridor report · corridor report --pair CHN-AZE · corridor report --png")
def report(
    pair: Annotated[Optional[str], typer.Option(help="REPORTER-PARTNER ISO3 codes (default: CORRIDOR_FOCUS)")] = None,
    png: Annotated[bool, typer.Option("--png", help="also write each chart as a PNG beside index.html (for slides)")] = False,
) -> None:
    """Render the corridor report (offline HTML, interactive charts) of a pair from the published warehouse."""
    from orchestration import constants
    from orchestration.lib.report import write_report

    chosen = (pair or "-".join(constants.focus_corridor())).upper()
    parts = chosen.split("-")
    if len(parts) != 2 or not all(len(p) == 3 and p.isalpha() for p in parts):
        raise Failed(f"--pair {pair!r}: expected two ISO3 codes like GEO-CHN", 2)
    target = _published(constants)
    try:
        path = write_report(target, parts[0], parts[1], target.parent / "report", pictures=png)
    except ValueError as exc:
        raise Failed(str(exc)) from None
    out.print(f"report: {path}")


def _published(constants) -> Path:
    target = constants.warehouse_path()
    if not target.exists():
        raise Failed(f"{target}: no published warehouse; run `corridor build` first")
    return target


@app.command(epilog="Examples: corridor rollback --list · corridor rollback · corridor rollback 20261123T163048999186Z")
def rollback(
    version: Annotated[Optional[str], typer.Argument(help="version id to publish (default: the one before the current)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the kept versions (* = published)")] = False,
) -> None:
    """Publish a kept earlier version of the warehouse again (atomically)."""
    from orchestration import constants
    from orchestration.lib import publish

    target = constants.warehouse_path()
    if list_:
        current = publish.current_version(target)
        for meta in publish.list_versions(target):
            mark = "*" if meta["version_id"] == current else " "
            checks = meta.get("checks", {})
            out.print(f"{mark} {meta['version_id']}  commit {str(meta.get('git_commit') or '-')[:10]}  "
                      f"checks {checks.get('passed', '?')}/{checks.get('evaluated', '?')} passed")
        return
    chosen = publish.rollback(target, version)
    out.print(f"rolled back: {target} is now version {chosen['version_id']}")


@app.command("export-parquet")
def export_parquet(out_dir: Annotated[Optional[Path], typer.Argument(metavar="OUT", help="output folder (default: <warehouse dir>/parquet)")] = None) -> None:
    """Write the raw layer (every raw.* table, all versions, and the load log) as Parquet for the dbt spark target."""
    from orchestration import constants
    from orchestration.lib.errors import ConfigError
    from orchestration.lib.parquet_export import export_raw

    target = out_dir or constants.warehouse_path().parent / "parquet"
    try:
        written = export_raw(constants.warehouse_path(), target)
    except ConfigError as exc:
        raise Failed(str(exc)) from None
    for table, rows in written.items():
        out.print(f"  {table:<32} {rows:>9} rows")
    out.print(f"raw layer written as Parquet to {target} (the dbt spark target reads it: CORRIDOR_RAW_PARQUET={target})")


# ---- commands of their own modules ------------------------------------------------------------------

from orchestration.commands.export import export as _export  # noqa: E402

app.command("export", epilog="Examples: corridor export --format parquet out/ · "
            "corridor export --format csv --mart partner_shares out/")(_export)

from orchestration.commands.fetch import fetch_app  # noqa: E402

app.add_typer(fetch_app, name="fetch")

from orchestration.commands.claims import app as claims_app  # noqa: E402  (corridor claims check)

app.add_typer(claims_app, name="claims")


def main(argv: list[str] | None = None) -> int:
    """The console script: runs the app, turning every expected failure into one line and an exit code."""
    from orchestration.lib.errors import CorridorError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["fetch"]:  # its own runner: one-line usage errors naming the other API's options
        from orchestration.commands.fetch import main as fetch_main

        return fetch_main(argv[1:])
    try:
        code = app(args=argv, prog_name="corridor", standalone_mode=False)  # typer.Exit(n) comes back as n
        return code if isinstance(code, int) else 0
    except Failed as exc:
        err.print(f"corridor: {exc}", markup=False)
        return exc.code
    except CorridorError as exc:
        err.print(f"corridor: {exc}", markup=False)
        return getattr(exc, "exit_code", 1)
    except (typer.Exit, SystemExit) as exc:
        return int(getattr(exc, "exit_code", getattr(exc, "code", 0)) or 0)
    except KeyboardInterrupt:
        err.print("corridor: interrupted; the published warehouse is unchanged")
        return 130
    except Exception as exc:  # click's usage errors (typer carries its own click), and the last line of defence
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error: click's own message, exit code 2
            return exc.exit_code
        if type(exc).__name__ == "Abort":
            return 130
        if os.environ.get("CORRIDOR_DEBUG"):
            raise
        err.print(f"corridor: {type(exc).__name__}: {exc} (set CORRIDOR_DEBUG=1 for the traceback)", markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
