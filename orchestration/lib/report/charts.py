"""The report's charts: one function each, registered with :func:`section`, in page order.

Every chart draws the rows it returns (the CSV download is the same rows), has a tooltip on every
mark, and a one-line reading computed from those rows. The reporter's side is always blue, the
partner's (mirror) side red.
"""

from __future__ import annotations

import math
from collections import defaultdict

import altair as alt

from orchestration.lib.report.blocks import Block, section
from orchestration.lib.report.context import Context
from orchestration.lib.rules import rule

REPORTER_COLOR, PARTNER_COLOR = "#1f5aa6", "#d1495b"
PALETTE = ["#1f5aa6", "#2e8b57", "#edae49", "#6a4c93", "#00798c", "#d1495b"]
WIDTH, HEIGHT = 720, 240
# every chart draws its block's rows, which the page attaches to the spec as the dataset "rows"
# (kept out of altair's objects: copying and validating them would cost more than the whole page)
DATA = alt.Data(name="rows")
# percent charts (growth, mirror gap): the axis fits the last RECENT_YEARS years; older outliers
# (+1,300 % from a tiny 1990s base) are drawn at the edge, marked, with their true value in the tooltip
RECENT_YEARS = 10
PCT_AXIS_FLOOR = 100.0


# ---- formatting -------------------------------------------------------------------------------
def ordinal(n: int) -> str:
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def mn(v: float) -> str:
    """USD millions for a sentence: 'USD 1,846 mn' (one decimal below 10)."""
    return f"USD {v:,.1f} mn" if abs(v) < 10 else f"USD {v:,.0f} mn"


def change(pct: float) -> str:
    """'grew 66.7 %' / 'fell 15.5 %' / 'did not change'."""
    return "did not change" if round(pct, 1) == 0 else f"{'grew' if pct > 0 else 'fell'} {abs(pct):.1f} %"


def nice_ceil(v: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is >= v."""
    if v <= 0:
        return 0.0
    mag = 10 ** math.floor(math.log10(v))
    return next(m * mag for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * mag >= v - 1e-9)


def clip_pct(rows: list[dict], field: str) -> float:
    """Clip ``field`` of percent rows to ± a bound fitted to the recent years; returns the bound.

    Each row gets ``shown`` (the value drawn) and keeps its true value in ``field``; a row off the
    scale also gets ``clipped`` ('▲ off the scale' / '▼ off the scale'), shown in its tooltip.
    """
    last = max(r["year"] for r in rows)
    recent = [abs(r[field]) for r in rows if r["year"] > last - RECENT_YEARS]
    bound = max(PCT_AXIS_FLOOR, nice_ceil(max(recent, default=0.0)))
    for r in rows:
        v = r[field]
        r["shown"] = max(-bound, min(bound, v))
        r.pop("clipped", None)
        if v != r["shown"]:
            r["clipped"] = "▲ off the scale" if v > 0 else "▼ off the scale"
    return bound


def year_ticks(years: list[int], step: int = 4) -> list[int]:
    return [y for y in sorted(set(years)) if y % step == 0]


def side_scale(ctx: Context) -> alt.Scale:
    return alt.Scale(domain=[ctx.side("reporter"), ctx.side("partner")], range=[REPORTER_COLOR, PARTNER_COLOR])


def legend() -> alt.Legend:
    return alt.Legend(orient="top", title=None, labelLimit=400)


def year_x(**axis) -> alt.X:
    return alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, **axis), scale=alt.Scale(zero=False, nice=False))


AXIS_TIP = alt.Tooltip("clipped:N", title="axis")  # only on the ▲/▼ markers: the other figures have no 'clipped'


def series_lines(base: alt.Chart, tooltip: list) -> alt.Chart:
    """A line per series with a point per figure, both with the figure's tooltip (Vega shows a line's
    tooltip for the vertex under the pointer; the point makes that vertex easy to hit)."""
    return base.mark_line(point=alt.OverlayMarkDef(filled=True, size=36)).encode(tooltip=tooltip)


# ---- charts ---------------------------------------------------------------------------------
def _trade(ctx: Context) -> list[dict]:
    if ctx.trade_source is None:
        return []
    return ctx.rows("trade")


@section
def turnover(ctx: Context) -> Block | None:
    rows = [
        {"year": r["year"], "series": ctx.side(r["side"]), "value_usd_mn": r["value_usd_mn"]}
        for r in _trade(ctx) if r["flow"] == "turnover"
    ]
    if not rows:
        return None
    by = defaultdict(dict)
    for r in rows:
        by[r["year"]][r["series"]] = r["value_usd_mn"]
    both = [y for y, v in by.items() if len(v) == 2]
    if both:
        y = max(both)
        own, mirror = by[y][ctx.side("reporter")], by[y][ctx.side("partner")]
        reading = (f"In {y}, {ctx.rn} recorded {mn(own)} of trade with {ctx.pn}; {ctx.pn} recorded {mn(mirror)}: "
                   f"the two sides differ by {mn(abs(own - mirror))}.")
    else:
        reading = f"Only one side's figures for {ctx.rn}–{ctx.pn} are in the warehouse."
    base = alt.Chart(DATA).encode(
        x=year_x(),
        y=alt.Y("value_usd_mn:Q", title="USD mn"),
        color=alt.Color("series:N", scale=side_scale(ctx), legend=legend()),
    )
    chart = (series_lines(base, [
        alt.Tooltip("series:N", title="trade"), alt.Tooltip("year:Q", format="d"),
        alt.Tooltip("value_usd_mn:Q", title="USD mn", format=",.1f")])).properties(width=WIDTH, height=HEIGHT)
    return Block("turnover", "Trade turnover as each side reports it", reading, chart, rows,
                 ctx.source_credit(ctx.trade_source), "USD millions, exports + imports")


@section
def exports_imports(ctx: Context) -> Block | None:
    rn, pn = ctx.rn, ctx.pn
    panel = {"exports": f"{rn}'s exports to {pn}", "imports": f"{rn}'s imports from {pn}"}
    recorded = {  # what each side's figure is, in its own words
        ("exports", "reporter"): f"{rn}'s exports to {pn} (FOB)",
        ("exports", "partner"): f"{pn}'s imports from {rn} (CIF)",
        ("imports", "reporter"): f"{rn}'s imports from {pn} (CIF)",
        ("imports", "partner"): f"{pn}'s exports to {rn} (FOB)",
    }
    rows = [
        {"year": r["year"], "panel": panel[r["flow"]], "series": ctx.side(r["side"]),
         "recorded_as": recorded[(r["flow"], r["side"])], "value_usd_mn": r["value_usd_mn"]}
        for r in _trade(ctx) if r["flow"] in panel
    ]
    if not rows:
        return None
    last = max(r["year"] for r in rows)
    at = {(r["panel"], r["series"]): r["value_usd_mn"] for r in rows if r["year"] == last}
    words = {"imports": f"{rn}'s imports from {pn} were", "exports": f"its exports to {pn}"}
    parts = []
    for flow in ("imports", "exports"):
        own, mirror = at.get((panel[flow], ctx.side("reporter"))), at.get((panel[flow], ctx.side("partner")))
        if own is not None and mirror is not None:
            parts.append(f"{words[flow]} {mn(own)} by its own count and {mn(mirror)} by {pn}'s")
    reading = (f"In {last}, " + "; ".join(parts) + "." if parts else f"{rn}'s exports to and imports from {pn}, as each side reports them.")
    base = alt.Chart(DATA).encode(
        x=year_x(),
        y=alt.Y("value_usd_mn:Q", title="USD mn"),
        color=alt.Color("series:N", scale=side_scale(ctx), legend=legend()),
    )
    chart = (series_lines(base, [
        alt.Tooltip("recorded_as:N", title="figure"), alt.Tooltip("series:N", title="statistics"),
        alt.Tooltip("year:Q", format="d"), alt.Tooltip("value_usd_mn:Q", title="USD mn", format=",.1f")],
    )).properties(width=WIDTH // 2 - 30, height=HEIGHT).facet(
        column=alt.Column("panel:N", title=None, sort=[panel["exports"], panel["imports"]],
                          header=alt.Header(labelFontSize=12, labelFontWeight="bold")),
    )
    return Block("exports-imports", f"{rn}'s exports to and imports from {pn}", reading, chart, rows,
                 ctx.source_credit(ctx.trade_source),
                 "USD millions; exports are valued FOB, imports CIF, so the mirror of an export is a larger import")


_MEASURE = {"turnover": "trade (turnover)", "imports": "imports", "exports": "exports"}


def _share_rows(ctx: Context) -> list[dict]:
    return [
        {"year": r["year"], "measure": _MEASURE[r["flow"]], "share_pct": r["share_pct"],
         "rank": None if r["rank"] is None else int(r["rank"])}
        for r in _trade(ctx) if r["side"] == "reporter" and r["share_pct"] is not None
    ]


@section
def share(ctx: Context) -> Block | None:
    rows = _share_rows(ctx)
    if not rows:
        return None
    last = max(r["year"] for r in rows)
    at = {r["measure"]: r for r in rows if r["year"] == last}
    t, m = at.get(_MEASURE["turnover"]), at.get(_MEASURE["imports"])
    reading = f"In {last}, {ctx.pn} "
    reading += (f"was {ctx.rn}'s {ordinal(t['rank'])} trading partner, with {t['share_pct']:.1f} % of its trade"
                if t and t["rank"] else f"had {t['share_pct']:.1f} % of {ctx.rn}'s trade" if t else "")
    if m and m["rank"]:
        reading += f"{', and ' if t else 'was '}its {ordinal(m['rank'])} source of imports ({m['share_pct']:.1f} %)"
    reading += "."
    base = alt.Chart(DATA).encode(
        x=year_x(),
        y=alt.Y("share_pct:Q", title="percent"),
        color=alt.Color("measure:N", scale=alt.Scale(domain=list(_MEASURE.values()), range=PALETTE[:3]), legend=legend()),
    )
    title = f"{ctx.pn}'s share of {ctx.rn}'s"
    chart = (series_lines(base, [
        alt.Tooltip("measure:N", title=title), alt.Tooltip("year:Q", format="d"),
        alt.Tooltip("share_pct:Q", title="share, %", format=".2f"), alt.Tooltip("rank:Q", title="rank")],
    )).properties(width=WIDTH, height=HEIGHT)
    return Block("share", f"{ctx.pn}'s share of {ctx.rn}'s trade", reading, chart, rows,
                 f"{ctx.source_credit(ctx.trade_source)}, as {ctx.rn} reports", "percent of the reporter's World total")


@section
def rank(ctx: Context) -> Block | None:
    rows = [r for r in _share_rows(ctx) if r["rank"] is not None]
    if not rows:
        return None
    turnover_ranks = {r["year"]: r["rank"] for r in rows if r["measure"] == _MEASURE["turnover"]}
    if turnover_ranks:
        best = min(turnover_ranks.values())
        years = [y for y, v in sorted(turnover_ranks.items()) if v == best]
        last = max(turnover_ranks)
        reading = (f"In {last}, {ctx.pn} ranked {ordinal(turnover_ranks[last])} among {ctx.rn}'s trading partners; its best rank, "
                   f"{ordinal(best)}, was in {', '.join(map(str, years))}. Rank 1 is the largest partner; aggregates and "
                   "unspecified partners are not ranked.")
    else:
        reading = "Rank 1 is the largest partner; aggregates and unspecified partners are not ranked."
    base = alt.Chart(DATA).encode(
        x=year_x(),
        y=alt.Y("rank:Q", title="rank (1 = largest)", scale=alt.Scale(reverse=True, zero=False, domainMin=1)),
        color=alt.Color("measure:N", scale=alt.Scale(domain=list(_MEASURE.values()), range=PALETTE[:3]), legend=legend()),
    )
    chart = (series_lines(base, [
        alt.Tooltip("measure:N", title="rank by"), alt.Tooltip("year:Q", format="d"), alt.Tooltip("rank:Q", title="rank"),
        alt.Tooltip("share_pct:Q", title="share, %", format=".2f")],
    )).properties(width=WIDTH, height=HEIGHT)
    return Block("rank", f"{ctx.pn}'s rank among {ctx.rn}'s partners", reading, chart, rows,
                 f"{ctx.source_credit(ctx.trade_source)}, as {ctx.rn} reports", "rank among partner countries")


def _clip_marks(chart: alt.Chart) -> alt.Chart:
    """▲/▼ at the edge for the values off the scale, with the chart's tooltip (which gives the true value)."""
    return chart.transform_filter("datum.clipped").mark_text(fontSize=11, fontWeight="bold", dy=-2).encode(
        text=alt.Text("marker:N"), y=alt.Y("shown:Q"),
    ).transform_calculate(marker="datum.shown > 0 ? '▲' : '▼'")


@section
def growth(ctx: Context) -> Block | None:
    if ctx.trade_source is None:
        return None
    rows = [
        {"year": r["year"], "series": ctx.side(r["side"]), "yoy_pct": r["yoy_pct"],
         "value_usd_mn": r["value_usd_mn"], "prev_value_usd_mn": r["prev_value_usd_mn"]}
        for r in ctx.rows("growth")
    ]
    if not rows:
        return None
    bound = clip_pct(rows, "yoy_pct")
    by = {(r["year"], r["series"]): r["yoy_pct"] for r in rows}
    last = max(r["year"] for r in rows)
    own, mirror = by.get((last, ctx.side("reporter"))), by.get((last, ctx.side("partner")))
    said = [f"{change(v)} as {who} reports it" for v, who in ((own, ctx.rn), (mirror, ctx.pn)) if v is not None]
    reading = f"In {last}, trade {' and '.join(said)}"
    clipped = sorted({r["year"] for r in rows if r.get("clipped")})
    reading += "." + (f" The axis fits the last {RECENT_YEARS} years (±{bound:,.0f} %); {len(clipped)} earlier "
                      f"year(s) off that scale, from small bases, are marked ▲/▼ at the edge (true value in the tooltip)."
                      if clipped else "")
    base = alt.Chart(DATA).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, values=year_ticks([r["year"] for r in rows]))),
        xOffset=alt.XOffset("series:N", sort=[ctx.side("reporter"), ctx.side("partner")]),
        color=alt.Color("series:N", scale=side_scale(ctx), legend=legend()),
    )
    tips = [alt.Tooltip("series:N", title="turnover"), alt.Tooltip("year:O"),
            alt.Tooltip("yoy_pct:Q", title="change, %", format="+,.1f"),
            alt.Tooltip("prev_value_usd_mn:Q", title="previous year, USD mn", format=",.1f"),
            alt.Tooltip("value_usd_mn:Q", title="this year, USD mn", format=",.1f")]
    bars = base.mark_bar().encode(y=alt.Y("shown:Q", title="percent change", scale=alt.Scale(domain=[-bound, bound], nice=False)))
    chart = alt.layer(bars.encode(tooltip=tips), _clip_marks(base.encode(tooltip=[*tips, AXIS_TIP]))
                      ).properties(width=WIDTH, height=HEIGHT)
    return Block("growth", "Year-on-year growth of turnover", reading, chart, rows,
                 ctx.source_credit(ctx.trade_source), "percent change on the previous year",
                 columns=["year", "series", "yoy_pct", "prev_value_usd_mn", "value_usd_mn", "clipped"])


@section
def mirror_gap(ctx: Context) -> Block | None:
    if ctx.trade_source is None:
        return None
    rn, pn = ctx.rn, ctx.pn
    label = {"exports": f"{rn}'s exports vs {pn}'s imports", "imports": f"{rn}'s imports vs {pn}'s exports"}
    rows = [
        {"year": r["year"], "series": label[r["direction"]], "gap_pct": r["gap_pct"],
         "reported_usd_mn": r["reported_usd_mn"], "mirror_usd_mn": r["mirror_usd_mn"]}
        for r in ctx.rows("mirror_gaps") if r["direction"] in label
    ]
    if not rows:
        return None
    bound = clip_pct(rows, "gap_pct")
    last = max(r["year"] for r in rows)
    at = {r["series"]: r["gap_pct"] for r in rows if r["year"] == last}

    def says(v: float) -> str:
        return f"{abs(v):.0f} % {'above' if v >= 0 else 'below'}"

    parts = []
    if label["imports"] in at:
        parts.append(f"{rn}'s recorded imports from {pn} were {says(at[label['imports']])} {pn}'s recorded exports to it")
    if label["exports"] in at:
        parts.append(f"its exports {says(at[label['exports']])} {pn}'s recorded imports")
    clipped = sorted({r["year"] for r in rows if r.get("clipped")})
    reading = (f"In {last}, " + "; ".join(parts) + "."
               + (f" The axis fits the last {RECENT_YEARS} years (±{bound:,.0f} %); {len(clipped)} earlier year(s) off that "
                  "scale are marked ▲/▼ (true value in the tooltip)." if clipped else ""))
    scale = alt.Scale(domain=[label["exports"], label["imports"]], range=[PALETTE[4], PALETTE[3]])
    tips = [alt.Tooltip("series:N", title="gap"), alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("gap_pct:Q", title="gap, % of the mirror figure", format="+,.1f"),
            alt.Tooltip("reported_usd_mn:Q", title=f"as {rn} reports, USD mn", format=",.1f"),
            alt.Tooltip("mirror_usd_mn:Q", title=f"as {pn} reports, USD mn", format=",.1f")]
    base = alt.Chart(DATA).encode(
        x=year_x(),
        y=alt.Y("shown:Q", title="gap, percent", scale=alt.Scale(domain=[-bound, bound], nice=False)),
        color=alt.Color("series:N", scale=scale, legend=legend()),
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color="#888").encode(y="zero:Q")
    chart = alt.layer(zero, series_lines(base, tips),
                      _clip_marks(base.encode(tooltip=[*tips, AXIS_TIP]))).properties(width=WIDTH, height=HEIGHT)
    return Block("mirror-gap", "Mirror gap: what each side records for the same goods", reading, chart, rows,
                 ctx.source_credit(ctx.trade_source), f"percent of {pn}'s mirror figure",
                 columns=["year", "series", "gap_pct", "reported_usd_mn", "mirror_usd_mn", "clipped"])


# the gap's components, in the order marts.gap_decomposition attributes them (its README)
GAP_STEPS = [("revision_usd_mn", "revision"), ("freight_insurance_usd_mn", "freight & insurance"),
             ("routing_usd_mn", "routing via Hong Kong/Macao"), ("unspecified_usd_mn", "unspecified partners"),
             ("residual_usd_mn", "residual")]


def waterfall_rows(ctx: Context, d: dict) -> list[dict]:
    """One direction's bars: the exporter's FOB figure, each component stacked on it, the importer's CIF figure."""
    imp, exp = ctx.names[d["importer_iso3"]], ctx.names[d["exporter_iso3"]]
    panel = f"{imp}'s imports from {exp}, {d['year']}"

    def side(code: str) -> str:
        return ctx.side("reporter" if code == ctx.reporter else "partner")

    rows = [{"panel": panel, "order": 0, "step": f"{exp}'s exports (FOB)", "kind": side(d["exporter_iso3"]),
             "amount_usd_mn": d["exporter_fob_usd_mn"], "start_usd_mn": 0.0, "end_usd_mn": d["exporter_fob_usd_mn"]}]
    level = d["exporter_fob_usd_mn"]
    for order, (column, step) in enumerate(GAP_STEPS, start=1):
        amount = d[column]
        rows.append({"panel": panel, "order": order, "step": step,
                     "kind": "unexplained residual" if column == "residual_usd_mn" else "explained component",
                     "amount_usd_mn": amount, "start_usd_mn": level, "end_usd_mn": level + amount})
        level += amount
    rows.append({"panel": panel, "order": len(GAP_STEPS) + 1, "step": f"{imp}'s imports (CIF)",
                 "kind": side(d["importer_iso3"]), "amount_usd_mn": d["importer_cif_usd_mn"],
                 "start_usd_mn": 0.0, "end_usd_mn": d["importer_cif_usd_mn"]})
    return rows


def ratio_text(d: dict) -> str:
    """'ratio 2.29, outside the 0.95–1.25 freight and insurance allow' (no ratio when the exporter reports zero)."""
    if d["cif_fob_ratio"] is None:
        return "no ratio: the exporter's figure is zero"
    low, high = rule("cif_fob_ratio_band_low"), rule("cif_fob_ratio_band_high")
    where = "outside" if d["is_ratio_implausible"] else "within"
    return f"ratio {d['cif_fob_ratio']:.2f}, {where} the {low:g}–{high:g} freight and insurance allow"


@section
def gap_decomposition(ctx: Context) -> Block | None:
    if ctx.trade_source is None or not ctx.has_table("marts", "gap_decomposition"):
        return None
    found = ctx.rows("gap_decomposition")
    if not found:
        return None
    rows = [r for d in found for r in waterfall_rows(ctx, d)]
    d = found[0]  # the reporter's imports where it has them (the query orders them first)
    imp, exp = ctx.names[d["importer_iso3"]], ctx.names[d["exporter_iso3"]]
    loose = d["routing_method"] == "exporter_to_hubs"
    reading = (f"In {d['year']}, {imp} recorded {mn(d['importer_cif_usd_mn'])} of imports from {exp} and {exp} "
               f"{mn(d['exporter_fob_usd_mn'])} of exports to {imp} ({ratio_text(d)}): "
               f"freight and insurance explain {mn(d['freight_insurance_usd_mn'])}, routing through Hong Kong and "
               f"Macao at most {mn(d['routing_usd_mn'])}, unspecified partners "
               f"{mn(d['unspecified_usd_mn'])}, revisions {mn(d['revision_usd_mn'])}, leaving "
               f"{mn(d['residual_usd_mn'])} unexplained ({d['residual_label']})."
               + (" Routing is a loose upper bound here: neither hub's own figures are in the warehouse "
                  "(add their IMF workbooks to raw/imf_dots/ to tighten it)." if loose else ""))
    kinds = [ctx.side("partner"), ctx.side("reporter"), "explained component", "unexplained residual"]
    color = alt.Color("kind:N", title=None, legend=legend(),
                      scale=alt.Scale(domain=kinds, range=[PARTNER_COLOR, REPORTER_COLOR, PALETTE[1], PALETTE[2]]))
    tips = [alt.Tooltip("panel:N", title="flow"), alt.Tooltip("step:N", title="bar"),
            alt.Tooltip("amount_usd_mn:Q", title="USD mn", format=",.1f"),
            alt.Tooltip("end_usd_mn:Q", title="running total, USD mn", format=",.1f")]
    x = alt.X("step:N", title=None, sort=alt.EncodingSortField("order"), axis=alt.Axis(labelAngle=-30, labelLimit=160))
    bars = alt.Chart().mark_bar().encode(x=x, y=alt.Y("start_usd_mn:Q", title="USD mn"), y2="end_usd_mn:Q",
                                         color=color, tooltip=tips)
    labels = alt.Chart().transform_calculate(top="max(datum.start_usd_mn, datum.end_usd_mn)").mark_text(
        dy=-6, fontSize=10, color="#333").encode(x=x, y="top:Q",
        text=alt.Text("amount_usd_mn:Q", format=",.0f"), tooltip=tips)
    chart = alt.layer(bars, labels, data=DATA).properties(width=WIDTH // 2 - 40, height=HEIGHT).facet(
        column=alt.Column("panel:N", title=None, sort=[r["panel"] for r in rows[::len(GAP_STEPS) + 2]])
    ).resolve_scale(x="independent")
    return Block("gap-decomposition", "Why the two sides differ: the gap, component by component", reading, chart, rows,
                 ctx.source_credit(ctx.trade_source), "USD millions; importer CIF, exporter FOB",
                 columns=["panel", "order", "step", "kind", "amount_usd_mn", "start_usd_mn", "end_usd_mn"])


@section
def fdi(ctx: Context) -> Block | None:
    if not ctx.has_table("marts", "fdi_by_origin"):
        return None
    found = ctx.rows("fdi")
    rows = [
        {"year": r["year"], "source": ctx.source_name(r["source"]), "basis": r["basis"], "value_usd_mn": r["value_usd_mn"],
         "share_pct": r["share_pct"], "rank": r["rank"]}
        for r in found
    ]
    if not rows:
        return None
    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r)
    parts = []
    for name, rs in by_source.items():
        top = max(rs, key=lambda r: r["value_usd_mn"])
        years = f"{min(r['year'] for r in rs)}–{max(r['year'] for r in rs)}"
        parts.append(f"{name} records {mn(sum(r['value_usd_mn'] for r in rs))} of inflows from {ctx.pn} over {years}"
                     + (f", the largest {mn(top['value_usd_mn'])} in {top['year']}" if top["value_usd_mn"] > 0 else ""))
    reading = "; ".join(parts) + "."
    names = list(by_source)
    chart = alt.Chart(DATA).mark_bar().encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("source:N"),
        y=alt.Y("value_usd_mn:Q", title="USD mn"),
        color=alt.Color("source:N", scale=alt.Scale(domain=names, range=PALETTE[1:1 + len(names)]), legend=legend()),
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("basis:N", title="whose figures"), alt.Tooltip("year:O"),
                 alt.Tooltip("value_usd_mn:Q", title="inflow, USD mn", format=",.1f"),
                 alt.Tooltip("share_pct:Q", title=f"share of {ctx.rn}'s inflows, %", format=".2f"),
                 alt.Tooltip("rank:Q", title="rank among origins")],
    ).properties(width=WIDTH, height=HEIGHT * 3 // 4)
    return Block("fdi", f"Foreign direct investment from {ctx.pn} into {ctx.rn}", reading, chart, rows,
                 "; ".join(sorted({ctx.source_credit(r["source"]) for r in found})),
                 "USD millions (a year without a figure is not a zero)")


@section
def companies(ctx: Context) -> Block | None:
    if not ctx.has_table("marts", "company_registry"):
        return None
    rows = []
    for r in ctx.rows("companies"):
        for measure in ("registered", "active"):
            if r[measure] is not None:
                rows.append({"as_of": r["as_of_date"].isoformat(), "measure": measure, "companies": int(r[measure]),
                             "source": r["source"], "url": r["url"]})
    if not rows:
        return None
    last = max(r["as_of"] for r in rows)
    at = {r["measure"]: r for r in rows if r["as_of"] == last}
    counts = ", ".join(f"{at[m]['companies']:,} {m}" for m in ("registered", "active") if m in at)
    reading = f"Latest published count ({last}): {counts} (stated by {next(iter(at.values()))['source']})."
    chart = alt.Chart(DATA).mark_bar().encode(
        x=alt.X("as_of:O", title="as of", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=["registered", "active"]),
        y=alt.Y("companies:Q", title="companies"),
        color=alt.Color("measure:N", scale=alt.Scale(domain=["registered", "active"], range=PALETTE[1:3]), legend=legend()),
        tooltip=[alt.Tooltip("as_of:O", title="as of"), alt.Tooltip("measure:N"), alt.Tooltip("companies:Q", format=","),
                 alt.Tooltip("source:N", title="stated by"), alt.Tooltip("url:N", title="where")],
    ).properties(width=WIDTH // 2, height=HEIGHT * 3 // 4)
    return Block("companies", f"Companies with {ctx.pn}'s capital in {ctx.rn}", reading, chart, rows,
                 "counts stated by officials (no company-level registry export exists)", "number of companies")
