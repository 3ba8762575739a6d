"""What every section of the report reads: the pair, its names, the source names and the queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

QUERIES = Path(__file__).with_name("queries.sql")


@lru_cache(maxsize=1)
def queries() -> dict[str, str]:
    """The named queries of queries.sql (``-- name: x`` starts query ``x``)."""
    parts = re.split(r"^-- name: *(\w+) *$", QUERIES.read_text(encoding="utf-8"), flags=re.M)
    return {name: sql.strip() for name, sql in zip(parts[1::2], parts[2::2])}


@dataclass
class Context:
    """One report's connection, pair and labels. Sections call :meth:`rows`; none writes SQL of its own."""

    conn: duckdb.DuckDBPyConnection
    reporter: str
    partner: str
    names: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    trade_source: str | None = None

    @classmethod
    def open(cls, conn: duckdb.DuckDBPyConnection, reporter: str, partner: str) -> Context:
        ctx = cls(conn, reporter, partner)
        ctx.names = {r["iso3"]: r["name"] for r in ctx.rows("countries")}
        for code in (reporter, partner):
            if code not in ctx.names:
                raise ValueError(f"{code} is not a code in marts.dim_countries")
        if ctx.has_table("marts", "dim_sources"):
            ctx.sources = {r["source"]: r for r in ctx.rows("source_names")}
        found = ctx.rows("trade_source")
        ctx.trade_source = found[0]["source"] if found else None
        return ctx

    # ---- reading
    def has_table(self, schema: str, name: str) -> bool:
        return bool(self.conn.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0])

    def rows(self, query: str) -> list[dict]:
        """The rows of a named query as dicts; the parameters it uses are filled from the pair."""
        sql = queries()[query]
        params = {"reporter": self.reporter, "partner": self.partner, "source": self.trade_source}
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        cur = self.conn.execute(sql, used)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    # ---- labels
    @property
    def rn(self) -> str:
        """The reporter's name."""
        return self.names[self.reporter]

    @property
    def pn(self) -> str:
        """The partner's name."""
        return self.names[self.partner]

    def side(self, side: str) -> str:
        """The legend label of a side: 'as Azerbaijan reports' or 'as China reports (mirror)'."""
        return f"as {self.rn} reports" if side == "reporter" else f"as {self.pn} reports (mirror)"

    def source_name(self, source: str | None) -> str:
        """The human name of a source id (marts.dim_sources), else the id itself."""
        if source is None:
            return "no source"
        return self.sources.get(source, {}).get("name") or source

    def source_credit(self, source: str | None) -> str:
        """'IMF DOTS — International Monetary Fund, Direction of Trade Statistics, …' for a chart's footer."""
        row = self.sources.get(source or "")
        if not row:
            return self.source_name(source)
        detail = ", ".join(x for x in (row.get("publisher"), row.get("dataset")) if x)
        return f"{row['name']} — {detail}" if detail else row["name"]
