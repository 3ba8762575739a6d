"""The claims section: every figure quoted about the pair, its verdict and why, as a table that
sorts (click a column heading) and filters (text box, verdict menu) with the page's small inline script."""

from __future__ import annotations

from collections import Counter
from html import escape

from orchestration.lib.report.blocks import Block, section
from orchestration.lib.report.charts import mn, ordinal
from orchestration.lib.report.context import Context

METRICS = {
    "turnover": "trade turnover", "exports": "exports", "imports": "imports",
    "turnover_yoy_pct": "turnover growth", "exports_yoy_pct": "export growth", "imports_yoy_pct": "import growth",
    "partner_share_pct": "share of trade", "import_share_pct": "share of imports", "export_share_pct": "share of exports",
    "partner_rank": "rank by trade", "import_rank": "rank by imports", "export_rank": "rank by exports",
    "companies_registered": "companies registered", "companies_active": "companies active",
    "fdi_inflow": "FDI inflow", "fdi_outflow": "FDI outflow", "fdi_stock": "FDI stock",
    "investment_total": "investment", "agreements_value": "agreements, value", "agreements_count": "agreements, number",
}
VERDICTS = ["confirmed", "consistent", "conflicts", "unverifiable"]
COLUMNS = [  # (heading, sort type)
    ("period", "text"), ("metric", "text"), ("claimed", "number"), ("quote", "text"),
    ("publisher", "text"), ("verdict", "text"), ("why", "text"),
]


def claimed_text(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit.startswith("USD"):
        return mn(value / 1e6)
    if unit == "percent":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + " %"
    if unit == "rank":
        return ordinal(value)
    return f"{value:,.0f}"


def _row(r: dict) -> str:
    doc = str(r["document"])
    who = escape(r["publisher"] or "not stated in the document")
    publisher = (f'<a href="{escape(doc)}" rel="noopener">{who}</a>' if doc.startswith(("http://", "https://"))
                 else f'<span title="{escape(doc)}">{who}</span>')
    cells = [
        (r["period"], escape(str(r["period"]))),
        (METRICS.get(r["metric"], r["metric"]), escape(METRICS.get(r["metric"], r["metric"]))),
        ("" if r["claimed_value"] is None else repr(float(r["claimed_value"])), escape(claimed_text(r["claimed_value"], r["unit"]))),
        (r["quote"], f"“{escape(str(r['quote']))}”"),
        (r["publisher"], publisher),
        (r["verdict"], escape(str(r["verdict"]))),
        (r["explanation"] or "", escape(str(r["explanation"] or ""))),
    ]
    tds = "".join(
        f'<td class="c-{name}{" v-" + escape(str(r["verdict"])) if name == "verdict" else ""}" data-sort="{escape(str(key or ""))}">{shown}</td>'
        for (name, _), (key, shown) in zip(COLUMNS, cells)
    )
    return f'<tr data-verdict="{escape(str(r["verdict"]))}" data-claim="{escape(r["claim_id"])}">{tds}</tr>'


@section
def claims(ctx: Context) -> Block | None:
    if not ctx.has_table("marts", "claim_checks"):
        return None
    found = ctx.rows("claims")
    if not found:
        return None
    counts = Counter(r["verdict"] for r in found)
    reading = (f"{len(found)} figures quoted about {ctx.rn}–{ctx.pn}, checked against the warehouse: "
               + ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v]) + ".")
    heads = "".join(
        f'<th scope="col" data-type="{kind}" aria-sort="none"><button type="button">{name}</button></th>' for name, kind in COLUMNS
    )
    options = "".join(f'<option value="{v}">{v} ({counts[v]})</option>' for v in VERDICTS if counts[v])
    table = (
        '<div class="table-tools">'
        '<label>Filter <input type="search" id="claims-filter" placeholder="words in any column, e.g. Trend or 2024"></label> '
        f'<label>Verdict <select id="claims-verdict"><option value="">all ({len(found)})</option>{options}</select></label> '
        f'<span id="claims-count" aria-live="polite">{len(found)} of {len(found)} claims</span></div>'
        f'<table id="claims-table" class="sortable"><thead><tr>{heads}</tr></thead>'
        f'<tbody>{"".join(_row(r) for r in found)}</tbody></table>'
    )
    rows = [
        {"claim_id": r["claim_id"], "period": r["period"], "metric": r["metric"], "claimed_value": r["claimed_value"],
         "unit": r["unit"], "quote": r["quote"], "publisher": r["publisher"], "document": r["document"],
         "published_date": r["published_date"], "verdict": r["verdict"], "explanation": r["explanation"]}
        for r in found
    ]
    return Block("claims", "What the documents say, checked", reading, None, rows,
                 "the claims ledger (raw/claims/claims.csv) judged in marts.claim_checks",
                 "as quoted (claimed values in US dollars, percent, rank or count)", html=table)
