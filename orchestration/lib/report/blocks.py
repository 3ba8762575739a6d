"""A report section (:class:`Block`) and the ordered list of the functions that make them.

Adding a chart is one function::

    @section
    def gap_decomposition(ctx: Context) -> Block | None:
        if not ctx.has_table("marts", "gap_decomposition"):
            return None
        rows = ctx.rows("gap_decomposition")          # a named query in queries.sql
        chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(...)
        return Block("gap-decomposition", "Why the two sides differ", reading, chart, rows,
                     source=ctx.source_credit(ctx.trade_source), unit="USD millions")

The page gives it a heading, its reading, the chart (tooltips and all), a CSV download of ``rows``,
and its source and unit. A function that returns ``None`` (no data, mart not built) is left out.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt

from orchestration.lib.report.context import Context


@dataclass
class Block:
    id: str                      # html id and CSV file name: lower case, hyphens
    title: str
    reading: str                 # one sentence computed from the data
    chart: alt.TopLevelMixin | None
    rows: list[dict]             # exactly the data the chart draws (the CSV download)
    source: str
    unit: str
    columns: list[str] = field(default_factory=list)  # CSV columns, in order (default: the rows' keys)
    html: str = ""               # extra markup below the chart (e.g. the claims table), already escaped

    def csv(self) -> str:
        cols = self.columns or (list(self.rows[0]) if self.rows else [])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(cols)
        for row in self.rows:
            writer.writerow(["" if row.get(c) is None else _plain(row.get(c)) for c in cols])
        return out.getvalue()


def _plain(value):
    if isinstance(value, float):
        return repr(round(value, 6)).removesuffix(".0") if math.isfinite(value) else ""
    return value


SECTIONS: list[Callable[[Context], Block | None]] = []


def section(fn: Callable[[Context], Block | None]) -> Callable[[Context], Block | None]:
    """Register a section function; sections appear in the order they are registered."""
    SECTIONS.append(fn)
    return fn
