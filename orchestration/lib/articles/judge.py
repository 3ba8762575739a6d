"""Judging a figure against everything the warehouse holds for its metric, countries and period.

Order of evidence:

1. **Statistics** — the trade marts (levels and growth as each side reports them, shares and ranks),
   FDI by origin, company counts; every source present (IMF DOTS, IMF IMTS, UN Comtrade, …).
   ``confirmed`` when one matches (the series of the statistics the text says it uses, else either
   side's — the reason says whose); ``conflicts`` when there is a statistic and none matches.
2. **Official statements** — the claims ledger (``marts.claim_checks``), never the figure's own
   statement or source: the same metric, countries and period on a compatible basis. ``consistent``
   when one agrees (for growth, first: the rate the stated levels imply); ``conflicts`` when none
   does, or when a full-year level is below what was stated for part of the same year alone.
3. ``unverifiable`` — nothing for that metric and period; the reason says what the warehouse covers.

A figure is compared only with evidence for the same period: a full year is never compared with a
quarter or a year-to-date figure (partial periods are named in the reason when they exist).
Tolerance: ``max(rule('claim_relative_tolerance') × |figure|, half a unit of its last written
digit)``; "over X" / "more than X" is a lower bound, "nearly X" / "approaching X" an upper bound.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.articles.interpret import LEVELS, Figure
from orchestration.lib.articles.periods import bounds, describe, previous_period
from orchestration.lib.rules import rule

SOURCE_NAMES = {
    "imf_dots": "IMF DOTS", "imf_imts": "IMF IMTS", "imf_sdmx": "IMF IMTS", "comtrade": "UN Comtrade",
    "un_comtrade": "UN Comtrade", "unctad_fdi": "UNCTAD", "cbar_press": "Central Bank of Azerbaijan (press)",
    "imf_cdis": "IMF CDIS", "cdis": "IMF CDIS",
}
MIRROR_FLOW = {"exports": "imports", "imports": "exports", "turnover": "turnover"}
VERDICTS = ("confirmed", "consistent", "conflicts", "unverifiable", "not checked")


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


@dataclass
class Statement:
    claim_id: str
    document: str
    publisher: str
    published_date: str
    quote: str
    metric: str
    reporter: str
    partner: str
    period: str
    period_kind: str
    start: dt.date
    end: dt.date
    value: float
    unit: str
    basis: str
    verdict: str
    explanation: str
    value_as_quoted: str
    half_unit: float


@dataclass
class Evidence:
    """What the warehouse holds for one pair, read once."""

    pair: tuple[str, str]
    names: dict[str, str] = field(default_factory=dict)
    trade: dict = field(default_factory=dict)        # (source, reporter, partner, flow, year) -> (value, prev, yoy)
    flows: dict = field(default_factory=dict)        # (source, reporter, partner, flow, period) -> (value, release, file)
    releases: dict = field(default_factory=dict)     # (source, reporter, partner, year) -> (release, file)
    shares: dict = field(default_factory=dict)       # (source, reporter, partner, flow, year) -> (share, rank, total)
    fdi: list = field(default_factory=list)
    companies: list = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # marts this warehouse does not have

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def coverage(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for (source, *_rest, year) in self.trade:
            lo, hi = out.get(source, (year, year))
            out[source] = (min(lo, year), max(hi, year))
        return out


def _queries() -> dict[str, str]:
    text = (Path(__file__).with_name("evidence.sql")).read_text(encoding="utf-8")
    out, name, lines = {}, None, []
    for line in text.splitlines():
        m = re.match(r"--\s*name:\s*(\w+)", line)
        if m:
            if name:
                out[name] = "\n".join(lines)
            name, lines = m.group(1), []
        elif name and not line.startswith("--"):
            lines.append(line)
    if name:
        out[name] = "\n".join(lines)
    return out


def load_evidence(conn, pair: tuple[str, str]) -> Evidence:
    """Read the pair's evidence from an open (read-only) DuckDB connection."""
    import duckdb

    ev = Evidence(pair=pair)
    queries = _queries()

    def rows(name: str):
        try:
            return conn.execute(queries[name], list(pair)).fetchall()
        except duckdb.Error as exc:  # a warehouse without this mart (older build): no evidence from it
            ev.missing.append(f"{name}: {str(exc).splitlines()[0]}")
            return []

    ev.names = {iso3: name for iso3, name in rows("names")}
    for source, r, p, flow, year, value, prev, yoy in rows("trade"):
        ev.trade[(source, r, p, flow, int(year))] = (value, prev, yoy)
    for source, r, p, flow, year, period, value, release, file in rows("flows"):
        ev.flows[(source, r, p, flow, str(period))] = (value, release, file)
        ev.releases.setdefault((source, r, p, int(year)), (release, file))
    for source, r, p, flow, year, _value, total, share, rank in rows("shares"):
        ev.shares[(source, r, p, flow, int(year))] = (share, rank, total)
    ev.fdi = rows("fdi")
    ev.companies = rows("companies")
    for (cid, doc, pub, pdate, quote, metric, r, p, period, kind, start, end, value, unit, basis, verdict,
         explanation, as_quoted, half) in rows("statements"):
        ev.statements.append(Statement(cid, doc or "", pub or "", str(pdate or ""), quote or "", metric, r, p, period,
                                       kind, start, end, value, unit, basis or "unknown", verdict, explanation or "",
                                       as_quoted or "", half or 0.0))
    return ev


# ------------------------------------------------------------------------------------------------
# How values read
# ------------------------------------------------------------------------------------------------

def show(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric in LEVELS or metric.startswith(("fdi_inflow", "fdi_stock", "investment", "agreements_value")):
        return f"USD {value / 1e6:,.1f} mn"
    if metric.endswith("_yoy_pct"):
        return f"{value:+.1f} %"
    if metric.endswith("_pct"):
        return f"{value:.2f} %"
    if metric.endswith("_rank"):
        return f"rank {value:.0f}"
    return f"{value:,.0f}"


def claimed(f: Figure) -> str:
    """The figure as the text writes it, with the word that bounds it ("over 43%")."""
    fall = " (a fall)" if "a fall: read as negative" in f.notes else ""
    if f.qualifier_text and f.qualifier_text.lower() not in f.text.lower():
        gap = "" if not f.qualifier_text[-1].isalpha() else " "
        return f'"{f.qualifier_text}{gap}{f.text}"{fall}'
    return f'"{f.text}"{fall}'


def figure_value(f: Figure) -> tuple[float, float]:
    """The figure in the unit of its metric (growth multiples as percent) and half a unit of it."""
    if f.kind == "multiple":
        return (f.value - 1) * 100, f.half_unit * 100
    return f.value, f.half_unit


def agrees(f: Figure, other: float, other_half: float = 0.0) -> bool:
    value, half = figure_value(f)
    if f.metric.endswith("_rank"):
        return round(other) == round(value)
    tol = max(rule("claim_relative_tolerance") * abs(value), half, other_half) + 1e-9
    # "over 2 billion": at least 2 and less than one unit of the last written digit more (under 3);
    # "nearly 1.4 billion": at most 1.4 and no more than one unit less (from 1.3)
    if f.qualifier == "at least":
        return value - tol <= other <= value + 2 * half + tol
    if f.qualifier == "at most":
        return value - 2 * half - tol <= other <= value + tol
    if f.qualifier == "range" and f.low is not None:
        return f.low - tol <= other <= value + tol
    return abs(other - value) <= tol


# ------------------------------------------------------------------------------------------------
# The judgement
# ------------------------------------------------------------------------------------------------

@dataclass
class Judgement:
    verdict: str
    why: str
    evidence: list[dict] = field(default_factory=list)
    ledger_claim: Statement | None = None   # this very statement, when the ledger holds it
    repeats: Statement | None = None        # another source's statement it repeats


@dataclass
class Context:
    """What the judge knows about the article beside the figure."""

    document: str
    quoted_documents: set[str]     # ledger documents whose quotes stand verbatim in the article
    siblings: list[Figure]         # the other figures of the article


def judge(f: Figure, ev: Evidence, ctx: Context) -> Judgement:
    if not f.statistical:
        return Judgement("not checked", f"{f.reason_class}: {f.reason}.")
    if not f.period:
        return Judgement("unverifiable", "No period is stated and none can be inferred (no document date).")
    own, others = _split_statements(f, ev, ctx)
    itself = _itself(f, own)
    repeats = _repeats(f, others)
    j = _against_statistics(f, ev)
    if j is None:
        j = _against_statements(f, ev, others, ctx)
    if j is None:
        j = Judgement("unverifiable", _nothing(f, ev, others))
    j.ledger_claim, j.repeats = itself, repeats
    notes = []
    if repeats is not None and j.verdict in ("confirmed", "conflicts"):
        notes.append(f"it repeats {repeats.claim_id} ({_who(repeats)}), judged {repeats.verdict}")
    if itself is not None:
        notes.append(f"this statement is ledger claim {itself.claim_id} (judged {itself.verdict} there)")
    if notes:
        j.why = j.why.rstrip(".") + "; " + "; ".join(notes) + "."
    return j


def _by(s: Statement) -> str:
    """Who made a statement: its publisher, else its document."""
    return s.publisher if s.publisher and s.publisher != "unknown" else s.document


def _who(s: Statement) -> str:
    date = f", {s.published_date}" if s.published_date else ""
    return f"{_by(s)}{date}"


def _same_source(f: Figure, s: Statement, ctx: Context) -> bool:
    doc = s.document
    if doc == f.document or doc in ctx.quoted_documents:
        return True
    for src in f.sources:
        if doc == src or re.match(re.escape(src) + r"(?!\d)", doc):
            return True
    return False


def _split_statements(f: Figure, ev: Evidence, ctx: Context) -> tuple[list[Statement], list[Statement]]:
    own, others = [], []
    for s in ev.statements:
        (own if _same_source(f, s, ctx) else others).append(s)
    return own, others


def _itself(f: Figure, own: list[Statement]) -> Statement | None:
    """The ledger's entry for this very statement: same source, metric and countries, the same period
    and value — or, where the ledger dates it differently (a count "as of" a day it reads as a year),
    exactly the same value."""
    same = [s for s in own if s.metric == f.metric and (s.reporter, s.partner) == (f.reporter, f.partner)]
    exact = [s for s in same if _same_period(f, s) and agrees(f, s.value, s.half_unit)]
    if exact:
        return exact[0]
    value = figure_value(f)[0]
    equal = [s for s in same if abs(s.value - value) <= 1e-9 * max(1.0, abs(value))]
    return equal[0] if equal else None


def _compatible(f: Figure, s: Statement) -> bool:
    return not f.basis or s.basis in ("unknown", "", f.basis)


def _same_period(f: Figure, s: Statement) -> bool:
    """The same period; for counts on a day (stocks), any day of the same month."""
    if s.period == f.period:
        return True
    start, _end, kind = bounds(f.period)
    return kind == "date" and s.period_kind == "date" and (s.start.year, s.start.month) == (start.year, start.month)


def _peers(f: Figure, others: list[Statement]) -> list[Statement]:
    return [s for s in others if s.metric == f.metric and (s.reporter, s.partner) == (f.reporter, f.partner)
            and _same_period(f, s) and _compatible(f, s)]


def _repeats(f: Figure, others: list[Statement]) -> Statement | None:
    """Another source's statement of the same figure (a bound such as "over 2 bn" repeats none)."""
    if f.qualifier in ("at least", "at most", "range"):
        return None
    same = [s for s in _peers(f, others) if agrees(f, s.value, s.half_unit)]
    return min(same, key=lambda s: (s.published_date or "9999", s.claim_id)) if same else None


# ---- statistics --------------------------------------------------------------------------------

def _series(ev: Evidence, source: str, reporter: str, partner: str, year: int) -> str:
    release = ev.releases.get((source, reporter, partner, year), ("", ""))[0]
    rel = f", release {release}" if release else ""
    return f"{source_name(source)}{rel}"


def _trade_candidates(f: Figure, ev: Evidence) -> list[dict]:
    """Every statistic of the figure's metric and year, both sides, every source."""
    start, end, kind = bounds(f.period)
    metric = f.metric
    flow = f.level_metric or ("turnover" if metric == "partner_share_pct" or metric == "partner_rank"
                              else "imports" if metric.startswith("import") else "exports" if metric.startswith("export")
                              else metric)
    r, p = f.reporter, f.partner
    out = []
    if kind != "year":
        if metric in LEVELS:
            out += _monthly(f, ev, flow, start, end)
        return out
    year = start.year
    sources = sorted({k[0] for k in ev.trade} | {k[0] for k in ev.shares})
    for source in sources:
        sides = [(r, p, flow, "own")]
        if metric in LEVELS or metric.endswith("_yoy_pct"):
            sides.append((p, r, MIRROR_FLOW[flow], "mirror"))
        for rep, par, fl, side in sides:
            if metric in LEVELS or metric.endswith("_yoy_pct"):
                row = ev.trade.get((source, rep, par, fl, year))
                if row is None:
                    continue
                value = row[0] if metric in LEVELS else row[2]
                if value is None:
                    continue
            else:
                row = ev.shares.get((source, rep, par, fl, year))
                if row is None:
                    continue
                value = row[0] if metric.endswith("_pct") else row[1]
                if value is None:
                    continue
            release, file = ev.releases.get((source, rep, par, year), ("", ""))
            out.append({"kind": "statistic", "source": source_name(source), "release": release, "file": file,
                        "reporter": rep, "partner": par, "flow": fl, "side": side, "period": str(year), "whose": rep,
                        "value": float(value), "series": _series(ev, source, rep, par, year)})
    return out


def _monthly(f: Figure, ev: Evidence, flow: str, start: dt.date, end: dt.date) -> list[dict]:
    """A partial-year level from monthly figures, where a source has every month of it."""
    months = []
    d = start
    while d <= end:
        months.append(f"{d.year:04d}-{d.month:02d}")
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    out = []
    sources = sorted({k[0] for k in ev.flows})
    for source in sources:
        for rep, par, fl, side in ((f.reporter, f.partner, flow, "own"), (f.partner, f.reporter, MIRROR_FLOW[flow], "mirror")):
            flows = ("exports", "imports") if fl == "turnover" else (fl,)
            values = [ev.flows.get((source, rep, par, x, m)) for m in months for x in flows]
            if values and all(v is not None for v in values):
                release = values[0][1]
                out.append({"kind": "statistic", "source": source_name(source), "release": release, "file": values[0][2],
                            "reporter": rep, "partner": par, "flow": fl, "side": side, "period": f.period, "whose": rep,
                            "value": float(sum(v[0] for v in values)),
                            "series": f"{source_name(source)}, release {release}, sum of {len(months)} months"})
    return out


def _registry_candidates(f: Figure, ev: Evidence) -> list[dict]:
    start, end, kind = bounds(f.period)
    if kind == "date":  # a count said on a day: the registry's counts of the same month
        start, end = start.replace(day=1), (dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1) - dt.timedelta(days=1))
    out = []
    for host, origin, as_of, registered, active, source, url, file in ev.companies:
        if (host, origin) != (f.reporter, f.partner) or as_of is None or not (start <= as_of <= end):
            continue
        value = active if f.metric == "companies_active" else registered
        if value is None:
            continue
        if url and url in f.sources:
            continue  # the registry's count comes from this very statement
        out.append({"kind": "statistic", "source": "company registry counts", "release": str(as_of), "file": file,
                    "reporter": host, "partner": origin, "side": "own", "period": str(as_of), "value": float(value),
                    "series": f"the warehouse's company count as of {describe(str(as_of))}, stated by {source}", "url": url})
    return out


def _fdi_candidates(f: Figure, ev: Evidence) -> list[dict]:
    start, _end, kind = bounds(f.period)
    if kind != "year":
        return []
    measure = {"fdi_inflow": ("inflow",), "fdi_stock": ("position", "stock"), "fdi_share_pct": ("inflow",)}.get(f.metric)
    if not measure:
        return []
    out = []
    for source, host, origin, year, meas, value, share, _rank, basis, url, file in ev.fdi:
        if (host, origin) != (f.reporter, f.partner) or year != start.year or meas not in measure:
            continue
        if url and url in f.sources:
            continue
        v = share if f.metric == "fdi_share_pct" else value
        if v is None:
            continue
        out.append({"kind": "statistic", "source": source_name(source), "release": str(basis or ""), "file": file,
                    "reporter": host, "partner": origin, "side": "own", "period": str(year), "value": float(v),
                    "series": f"{source_name(source)}, {meas}", "whose": host, "url": url})
    return out


def _against_statistics(f: Figure, ev: Evidence) -> Judgement | None:
    metric = f.metric
    if metric in LEVELS or metric.endswith(("_yoy_pct", "share_pct", "_rank")) and metric not in ("fdi_share_pct", "product_share_pct"):
        candidates = _trade_candidates(f, ev)
    elif metric.startswith("companies"):
        candidates = _registry_candidates(f, ev)
    elif metric.startswith("fdi"):
        candidates = _fdi_candidates(f, ev)
    else:
        candidates = []
    if not candidates:
        return None
    for c in candidates:
        c["agrees"] = agrees(f, c["value"])
        c["text"] = show(metric, c["value"])
    said = claimed(f)
    period = describe(f.period)
    stated = f.basis if f.basis in (f.reporter, f.partner) else ""

    def one(c: dict) -> str:
        if c.get("whose"):
            return f"{c['text']} as {ev.name(c['whose'])} reports it ({c['series']})"
        return f"{c['text']} ({c['series']})"

    def rest(chosen: dict | None) -> str:
        others = [c for c in candidates if c is not chosen]
        return ("; " + "; ".join(one(c) for c in others)) if others else ""

    matching = [c for c in candidates if c["agrees"]]
    if stated:
        good = [c for c in matching if c.get("whose") == stated]
        if good:
            return Judgement("confirmed", f"{said} matches the {period} figure of {ev.name(stated)}'s statistics, which the text "
                             f"says it uses: {one(good[0])}{rest(good[0])}.", candidates)
        if matching:
            return Judgement("conflicts", f"{said} matches {one(matching[0])}, not {ev.name(stated)}'s statistics, which the "
                             f"text says it uses{rest(matching[0])}.", candidates)
        return Judgement("conflicts", f"{said} differs from every statistic for {period}: {'; '.join(one(c) for c in candidates)}.",
                         candidates)
    if matching:
        c = matching[0]
        verb = "holds for" if f.qualifier in ("at least", "at most", "range") else "matches"
        return Judgement("confirmed", f"{said} {verb} {one(c)}{rest(c)}.", candidates)
    return Judgement("conflicts", f"{said} differs from every statistic for {period}: {'; '.join(one(c) for c in candidates)}.",
                     candidates)


# ---- statements --------------------------------------------------------------------------------

def _statement_evidence(s: Statement, f: Figure, agree: bool | None) -> dict:
    return {"kind": "statement", "claim_id": s.claim_id, "source": s.publisher, "release": s.published_date,
            "document": s.document, "period": s.period, "value": s.value, "text": _quoted(s),
            "basis": s.basis, "verdict": s.verdict, "agrees": agree}


def _quoted(s: Statement) -> str:
    unit = s.unit
    if unit in ("USD bn", "USD mn", "USD"):
        return f"USD {s.value_as_quoted} {unit.split()[1] if ' ' in unit else ''}".rstrip()
    if unit == "percent":
        return f"{s.value_as_quoted} %"
    if unit == "rank":
        return f"rank {s.value_as_quoted}"
    return s.value_as_quoted


def _against_statements(f: Figure, ev: Evidence, others: list[Statement], ctx: Context) -> Judgement | None:
    period = describe(f.period)
    said = claimed(f)
    peers = _peers(f, others)
    agreeing = [s for s in peers if agrees(f, s.value, s.half_unit)]
    disagreeing = [s for s in peers if s not in agreeing]
    evidence = [_statement_evidence(s, f, s in agreeing) for s in peers]
    # growth: the rate the stated levels imply
    if f.level_metric:
        implied = _implied_growth(f, others, ctx, ev)
        if implied is not None:
            cur, prev, low, high, pct = implied
            value, half = figure_value(f)
            tol = max(rule("claim_relative_tolerance") * abs(value), half)
            if f.qualifier == "at least":
                ok = high + tol >= value and low - tol <= value + 2 * half
            elif f.qualifier == "at most":
                ok = low - tol <= value and high + tol >= value - 2 * half
            else:
                ok = low - tol <= value <= high + tol
            cur_text = f"{show(f.level_metric, cur[1])} ({cur[0]})"
            if prev.verdict == "statistic":
                prev_text = f"{show(f.level_metric, prev.value)} for {describe(prev.period)} ({prev.claim_id})"
            else:
                prev_text = f"{show(f.level_metric, prev.value)} stated for {describe(prev.period)} ({prev.claim_id}, {_by(prev)})"
            evidence = [{"kind": "arithmetic", "source": "levels", "value": pct, "text": f"{pct:+.1f} %",
                         "current": cur[0], "previous": prev.claim_id, "agrees": ok}] + evidence
            if ok:
                source = ("official statements and the statistics" if prev.verdict == "statistic"
                          else "official statements")
                return Judgement("consistent", f"{said} agrees with the levels: {cur_text} against {prev_text} "
                                 f"is {pct:+.1f} %; no statistic covers {period}, so the evidence is {source}.", evidence)
            same_rate = _same_rate_elsewhere(f, others)
            extra = (f"; it matches the growth stated for {describe(same_rate.period)} ({_quoted(same_rate)}, {same_rate.claim_id}):"
                     " the rate may belong to another year" if same_rate else "")
            return Judgement("conflicts", f"{said} does not follow from the levels: {cur_text} against {prev_text} "
                             f"is {pct:+.1f} %{extra}.", evidence)
    bound = _sub_period_bound(f, others) if f.metric in LEVELS else None
    bound_text = (f"{_quoted(bound)} stated for {describe(bound.period)} alone ({bound.claim_id}, {_by(bound)})"
                  if bound else "")
    if bound is not None:
        evidence.append(_statement_evidence(bound, f, False))
    if agreeing and bound is None:
        names = ", ".join(f"{_quoted(s)} by {s.claim_id} ({_by(s)})" for s in agreeing)
        but = ("; it differs from " + ", ".join(f"{_quoted(s)} ({s.claim_id})" for s in disagreeing)) if disagreeing else ""
        return Judgement("consistent", f"{said} agrees with {names} for {period}{but}; no statistic covers {period}, "
                         "so the evidence is official statements.", evidence)
    if disagreeing:
        best = min(disagreeing, key=lambda s: (abs(s.value - figure_value(f)[0]), s.publisher in ("", "unknown"), s.claim_id))
        diff = 100 * (figure_value(f)[0] - best.value) / abs(best.value) if best.value else 0.0
        direction = "above" if diff > 0 else "below"
        also = [s for s in disagreeing if s is not best and abs(s.value - best.value) > 1e-9]
        same = [s for s in disagreeing if s is not best and abs(s.value - best.value) <= 1e-9]
        return Judgement("conflicts", f"{said} is {abs(diff):.0f} % {direction} the {_quoted(best)} stated for {period} "
                         f"({best.claim_id}, {_by(best)}" + (f"; also {', '.join(s.claim_id for s in same)}" if same else "") + ")"
                         + (f", and differs from {', '.join(f'{_quoted(s)} ({s.claim_id})' for s in also)}" if also else "")
                         + (f"; it is even below the {bound_text}" if bound else "")
                         + "; no statistic covers it.", evidence)
    if bound is not None:
        return Judgement("conflicts", f"{said} for {period} is below the {bound_text}"
                         + (f", though it agrees with {', '.join(s.claim_id for s in agreeing)}" if agreeing else "")
                         + "; no statistic covers it.", evidence)
    return None


def _previous_statistics(f: Figure, ev: Evidence, level: str, period: str) -> list[Statement]:
    """The previous period's level as the statistics give it (each side, every source), in the shape
    of a statement so that it can stand in the arithmetic."""
    start, end, kind = bounds(period)
    if kind != "year":
        return []
    out = []
    r, p = f.reporter, f.partner
    for source in sorted({k[0] for k in ev.trade}):
        for rep, par, flow in ((r, p, level), (p, r, MIRROR_FLOW[level])):
            if f.basis and rep != f.basis:
                continue
            row = ev.trade.get((source, rep, par, flow, start.year))
            if row is None or row[0] is None:
                continue
            out.append(Statement(f"{source_name(source)}, as {ev.name(rep)} reports", "", source_name(source), "", "",
                                 level, r, p, period, kind, start, end, float(row[0]), "USD", rep, "statistic", "",
                                 f"{row[0] / 1e9:.3f}", 0.0))
    return out


def _implied_growth(f: Figure, others: list[Statement], ctx: Context, ev: Evidence):
    prev_period = previous_period(f.period)
    if prev_period is None:
        return None
    level = f.level_metric
    # the current level: the article's own figure beside it (nearest before it in the same part of
    # the sentence or cell, else anywhere in the same sentence or row), else other sources' statements
    own = [sib for sib in ctx.siblings
           if sib.statistical and sib.metric == level and sib.period == f.period
           and (sib.reporter, sib.partner) == (f.reporter, f.partner) and sib.quote_start == f.quote_start]
    near = [sib for sib in own if sib.part_start == f.part_start and sib.end <= f.start]
    chosen = (near[-1:] or [sib for sib in own if sib.part_start != f.part_start or sib.end <= f.start][:1])
    current = [(f"{sib.text}, stated beside it", sib.value, sib.half_unit) for sib in chosen]
    if not current:
        current = [(s.claim_id, s.value, s.half_unit) for s in others
                   if s.metric == level and s.period == f.period and (s.reporter, s.partner) == (f.reporter, f.partner)
                   and _compatible(f, s)]
    previous = [s for s in others if s.metric == level and s.period == prev_period
                and (s.reporter, s.partner) == (f.reporter, f.partner) and _compatible(f, s)]
    previous += _previous_statistics(f, ev, level, prev_period)
    if not current or not previous:
        return None
    value, _half = figure_value(f)
    best = None
    for cur in current:
        for prev in previous:
            if prev.value <= prev.half_unit:
                continue
            pct = 100 * (cur[1] / prev.value - 1)
            low = 100 * ((cur[1] - cur[2]) / (prev.value + prev.half_unit) - 1)
            high = 100 * ((cur[1] + cur[2]) / (prev.value - prev.half_unit) - 1)
            key = (not (low - 1e-9 <= value <= high + 1e-9), abs(value - pct))
            if best is None or key < best[0]:
                best = (key, (cur, prev, low, high, pct))
    return best[1] if best else None


def _same_rate_elsewhere(f: Figure, others: list[Statement]) -> Statement | None:
    """Another period's growth statement with the same rate (the nearest period first)."""
    value, half = figure_value(f)
    start = bounds(f.period)[0]
    found = []
    for s in others:
        if s.metric == f.metric and (s.reporter, s.partner) == (f.reporter, f.partner) and s.period != f.period:
            tol = max(rule("claim_relative_tolerance") * abs(value), half, s.half_unit) + 1e-9
            if abs(s.value - value) <= tol:
                found.append((abs((s.start - start).days), s.claim_id, s))
    return min(found)[2] if found else None


def _sub_period_bound(f: Figure, others: list[Statement]) -> Statement | None:
    """A statement for part of the figure's period that is above the figure (a level cannot shrink
    as the period grows)."""
    start, end, _ = bounds(f.period)
    value, half = figure_value(f)
    if f.qualifier == "at least":
        return None
    tol = max(rule("claim_relative_tolerance") * abs(value), half)
    for s in others:
        if s.metric != f.metric or (s.reporter, s.partner) != (f.reporter, f.partner) or not _compatible(f, s):
            continue
        if s.start is None or not (start <= s.start and s.end <= end and (s.start, s.end) != (start, end)):
            continue
        if s.value - s.half_unit > value + tol:
            return s
    return None


# ---- nothing to compare with --------------------------------------------------------------------

def _nothing(f: Figure, ev: Evidence, others: list[Statement]) -> str:
    start, end, kind = bounds(f.period)
    period = describe(f.period)
    metric = f.metric
    pair = f"{ev.name(f.reporter)}–{ev.name(f.partner)}"
    if metric in LEVELS or metric.endswith(("_yoy_pct", "share_pct", "_rank")) and metric not in ("fdi_share_pct", "product_share_pct"):
        coverage = ev.coverage()
        cov = "; ".join(f"{source_name(s)} covers {lo}–{hi}" for s, (lo, hi) in sorted(coverage.items())) or "no trade statistics for the pair"
        if kind != "year":
            whole = [s for s in others if s.metric == metric and (s.reporter, s.partner) == (f.reporter, f.partner)
                     and s.period_kind == "year" and s.start.year == start.year]
            note = (f"; full-year statements for {start.year} ({', '.join(f'{_quoted(s)} {s.claim_id}' for s in whole)}) are not "
                    f"compared with a {period} figure") if whole else ""
            return f"The statistics in the warehouse are annual ({cov}); no other source states {pair} {_metric_words(metric)} for {period}{note}."
        return f"No statistic for {period} ({cov} for {pair}), and no other source states {_metric_words(metric)} for {period}."
    if metric.startswith("companies"):
        return f"No company count for {period} in the warehouse other than this statement, and no other source states one."
    if metric.startswith(("fdi", "investment")):
        what = "FDI series" if metric.startswith("fdi") else "series of total investment"
        return f"No {what} of {pair} for {period} in the warehouse, and no other source states this figure."
    if metric == "product_share_pct":
        return "The warehouse holds no product-level (HS) trade of the pair, and no other source states this share."
    return f"No series of {_metric_words(metric)} in the warehouse, and no other source states one for {period}."


def _metric_words(metric: str) -> str:
    return metric.replace("_pct", "").replace("_yoy", " growth").replace("_", " ")
