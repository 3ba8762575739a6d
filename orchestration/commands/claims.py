"""``corridor claims``: figures quoted in documents (mounted on the CLI in orchestration/cli.py).

    corridor claims check ARTICLE [--format text|json|csv] [--warehouse FILE] [--pair AZE-CHN]

Exit codes: 0 the article was checked (whatever the verdicts); 1 the article cannot be read or there
is no warehouse (one line on stderr); 2 a usage error.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Work with figures quoted in documents (claims are checked, never trusted).",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
)


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    csv = "csv"


@app.callback()
def _group() -> None:
    """Work with figures quoted in documents."""


CHECK_EPILOG = (
    "Examples:\n\n"
    "  corridor claims check raw/claims/documents/002_07563a71f6f5b523.txt\n\n"
    "  corridor claims check article.txt --format json > verdicts.json\n\n"
    "  corridor claims check raw/claims/press/aze_chn_official_figures_from_press.csv --format csv"
)


@app.command(epilog=CHECK_EPILOG)
def check(
    article: Annotated[Path, typer.Argument(
        help="a plain-text article (UTF-8), or a CSV of quoted figures with a header row", exists=True, dir_okay=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="text (people), json or csv (every field)")] = Format.text,
    warehouse: Annotated[Path | None, typer.Option(help="the published DuckDB file (default: CORRIDOR_WAREHOUSE)")] = None,
    pair: Annotated[str | None, typer.Option(help="REPORTER-PARTNER ISO3 codes (default: CORRIDOR_FOCUS, AZE-CHN)")] = None,
) -> None:
    """Find every figure in ARTICLE and judge each against the warehouse.

    Each figure is read with its exact quote and position, what it measures, its countries and
    period. Statistical claims about the pair are judged against the statistics first (trade,
    growth, shares, ranks, FDI, company counts, as each country reports them), then against the
    officials' statements of the claims ledger: confirmed, consistent, conflicts or unverifiable,
    with the evidence and one sentence why. Targets, forecasts, figures that are not trade
    statistics and figures about other countries are listed apart as not checked.
    """
    from orchestration import constants
    from orchestration.lib.articles import check_article, render

    focus = None
    if pair:
        parts = pair.upper().split("-")
        if len(parts) != 2 or not all(len(p) == 3 and p.isalpha() for p in parts):
            raise typer.BadParameter(f"{pair!r}: expected two ISO3 codes like AZE-CHN", param_hint="--pair")
        focus = (parts[0], parts[1])
    target = (warehouse or constants.warehouse_path()).resolve()
    if not target.is_file():
        _fail(f"{target}: no published warehouse; run `corridor build` first")
    try:
        report = check_article(article, target, focus)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{article}: cannot be read as UTF-8 text ({exc})")
    if format is Format.json:
        sys.stdout.write(render.to_json(report) + "\n")
    elif format is Format.csv:
        sys.stdout.write(render.to_csv(report))
    else:
        from rich.console import Console

        render.print_text(report, Console(highlight=False, soft_wrap=True, no_color=not sys.stdout.isatty()))


def _fail(message: str) -> None:
    """One line on stderr and exit code 1 (the CLI prints a CorridorError as 'corridor: <message>')."""
    from orchestration.lib.errors import CorridorError

    raise CorridorError(message)
