"""``corridor export``: the marts of the published warehouse as Parquet or CSV files, with a manifest.

    corridor export --format parquet out/                        every mart, one file each
    corridor export --format csv --mart partner_shares --mart trade_growth out/

The command :func:`export` is mounted on the ``corridor`` app (orchestration/cli.py); :data:`app`
and :func:`main` run it alone (``python -m orchestration.commands.export``). Exit codes: 0 written; 1 the warehouse is missing or
unreadable, or a file cannot be written (one line on stderr); 2 a usage error (an unknown mart or
format).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from orchestration import constants
from orchestration.lib.errors import CorridorError
from orchestration.lib.export import MANIFEST, export_marts


class Format(str, Enum):
    parquet = "parquet"
    csv = "csv"


app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


def _fail(message: str, code: int) -> typer.Exit:
    print(f"corridor: {message}", file=sys.stderr, flush=True)
    return typer.Exit(code)


@app.command(help="Write the marts of the published warehouse (CORRIDOR_WAREHOUSE) to DIR, one file per mart, "
             f"with {MANIFEST} (warehouse version, format, rows per mart, column types, written_at).")
def export(
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="output folder (created if missing)")],
    format: Annotated[Format, typer.Option("--format", "-f", help="file format")] = Format.parquet,
    mart: Annotated[list[str] | None, typer.Option("--mart", "-m", metavar="NAME",
                                                     help="a mart to export (repeat it; default: every mart)")] = None,
) -> None:
    import duckdb

    target = constants.warehouse_path()
    try:
        manifest = export_marts(target, out_dir, format.value, mart)
    except CorridorError as exc:
        raise _fail(str(exc), getattr(exc, "exit_code", 1)) from None
    except (OSError, duckdb.Error) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise _fail(f"{out_dir}: cannot write the export ({first})", 1) from None
    for name, meta in manifest["marts"].items():
        print(f"  marts.{name:<28} {meta['rows']:>9} rows -> {out_dir / meta['file']}")
    print(f"version {manifest['version_id']} of {target} written as {format.value} to {out_dir} "
          f"(manifest: {out_dir / MANIFEST})")


def main(argv: list[str] | None = None) -> int:
    """Run the app on ``argv`` (default: sys.argv[1:]) and return its exit code."""
    try:
        app(args=sys.argv[1:] if argv is None else argv, prog_name="corridor export")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
