"""The checker's report as text (for people), JSON or CSV (for machines: every field)."""

from __future__ import annotations

import csv
import io
import json

from orchestration.lib.articles import Report
from orchestration.lib.articles.periods import describe

FIELDS = [
    "document", "start", "end", "text", "quote", "quote_start", "quote_end", "row", "kind", "value", "unit",
    "currency_stated", "qualifier", "statistical", "reason_class", "reason", "metric", "reporter_iso3",
    "partner_iso3", "period", "period_source", "stated_basis", "verdict", "why", "evidence", "ledger_claim_id",
    "ledger_claim_verdict", "repeats_claim_id", "repeats_publisher", "repeats_verdict",
]
QUOTE_CHARS = 220  # the text report shows at most this much of a quote around the figure


def rows(report: Report) -> list[dict]:
    out = []
    for c in report.checked:
        f, j = c.figure, c.judgement
        out.append({
            "document": f.document, "start": f.start, "end": f.end, "text": f.text, "quote": f.quote,
            "quote_start": f.quote_start, "quote_end": f.quote_end, "row": f.row, "kind": f.kind, "value": f.value,
            "unit": f.unit, "currency_stated": f.currency_stated, "qualifier": f.qualifier,
            "statistical": f.statistical, "reason_class": f.reason_class, "reason": f.reason, "metric": f.metric,
            "reporter_iso3": f.reporter, "partner_iso3": f.partner, "period": f.period,
            "period_source": f.period_source, "stated_basis": f.basis, "verdict": j.verdict, "why": j.why,
            "evidence": j.evidence,
            "ledger_claim_id": j.ledger_claim.claim_id if j.ledger_claim else None,
            "ledger_claim_verdict": j.ledger_claim.verdict if j.ledger_claim else None,
            "repeats_claim_id": j.repeats.claim_id if j.repeats else None,
            "repeats_publisher": j.repeats.publisher if j.repeats else None,
            "repeats_verdict": j.repeats.verdict if j.repeats else None,
        })
    return out


def to_json(report: Report) -> str:
    payload = {
        "document": str(report.document), "warehouse": str(report.warehouse), "pair": list(report.pair),
        "summary": report.counts(), "notes": report.notes, "figures": rows(report),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str)


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows(report):
        row = dict(row)
        row["evidence"] = " | ".join(
            f"{e.get('text', e.get('value'))} ({e.get('series') or e.get('claim_id') or e.get('source')})" for e in row["evidence"])
        writer.writerow(row)
    return buf.getvalue()


def _quote(f) -> str:
    q = " ".join(f.quote.split())
    if len(q) <= QUOTE_CHARS:
        return q
    at = " ".join(f.quote[: max(0, f.start - f.quote_start)].split())
    left = max(0, len(at) - QUOTE_CHARS // 2)
    cut = q[left:left + QUOTE_CHARS]
    return ("…" if left else "") + cut + ("…" if left + QUOTE_CHARS < len(q) else "")


def print_text(report: Report, console) -> None:
    """The summary table by verdict, then each statistical figure with its verdict and why, then the
    figures not checked with their reason class."""
    from rich import box
    from rich.table import Table

    a, b = report.pair
    pair = f"{report.names.get(a, a)}–{report.names.get(b, b)}"
    checked = [c for c in report.checked if c.figure.statistical]
    skipped = [c for c in report.checked if not c.figure.statistical]
    say = lambda s="": console.print(s, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    say(f"{report.document.name}: {len(report.checked)} figure(s), {len(checked)} statistical claim(s) about {pair}; "
        f"checked against {report.warehouse}")
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("verdict")
    table.add_column("figures", justify="right")
    for verdict, count in report.counts().items():
        table.add_row(verdict, str(count))
    console.print(table)
    for c in checked:
        f, j = c.figure, c.judgement
        where = f"line {f.row} " if f.row else ""
        say(f'  "{f.text}" [{where}{f.start}:{f.end}] {f.metric} {f.reporter}-{f.partner} {describe(f.period)} → {j.verdict}')
        say(f"      {j.why}")
        say(f"      quote: {_quote(f)}")
    if skipped:
        say(f"Not checked ({len(skipped)}): not statistical claims about {pair}")
        for c in skipped:
            f = c.figure
            where = f"line {f.row} " if f.row else ""
            say(f'  "{f.text}" [{where}{f.start}:{f.end}] {f.reason_class}: {f.reason}')
    for note in report.notes:
        say(f"note: {note}")
