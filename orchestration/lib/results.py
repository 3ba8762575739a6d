"""What every parser returns: the rows that load, and the rows that do not, with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "raw_value": pl.String,
    "reason": pl.String,
}
# The loader files every quarantined row under a category (audit.quarantine.category): format (a
# value the parser cannot read), reference (a name or code no reference table knows: the resolver
# adds such rows with a `category` column), duplicate (a repeated row or delivery, counted once: a
# parser says so with a reason starting "duplicate") or excluded (a value the source's own
# documentation says is not a figure of it — a carrier's zero fill, a derived total, a copy of
# another source: see :func:`excluded`). Only `format` counts towards a file's loss of figures.
CATEGORIES = ("format", "reference", "duplicate", "excluded")


def quarantine_frame(records: list[dict] | None = None) -> pl.DataFrame:
    """A quarantine frame (possibly empty) with the fixed schema above."""
    return pl.DataFrame(records or [], schema=QUARANTINE_SCHEMA)


def excluded(quarantine: pl.DataFrame, reasons: tuple[str, ...]) -> pl.DataFrame:
    """``quarantine`` with rows whose reason is one of ``reasons`` filed as category ``excluded``."""
    return quarantine.with_columns(
        pl.when(pl.col("reason").is_in(list(reasons))).then(pl.lit("excluded")).otherwise(pl.lit(None, pl.String))
        .alias("category"))


def categorised(quarantine: pl.DataFrame) -> pl.Expr:
    """The category of each quarantined row (see CATEGORIES): a ``category`` column where one was
    given, else duplicate for reasons starting "duplicate", else format."""
    default = pl.when(pl.col("reason").str.starts_with("duplicate")).then(pl.lit("duplicate")).otherwise(pl.lit("format"))
    return (pl.coalesce("category", default) if "category" in quarantine.columns else default).alias("category")


@dataclass
class ParseResult:
    """Rows that load (``rows``) and rows set aside (``quarantine``, schema ``QUARANTINE_SCHEMA``).

    ``meta`` carries what a parser read from the file itself (unit, reporter, sheet names...).
    Row numbers are 1-based, as a person sees them in a spreadsheet or text editor.
    """

    rows: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=quarantine_frame)
    meta: dict = field(default_factory=dict)
