"""The corridor report: one static HTML page per reporter–partner pair, fully offline.

Charts are inline SVG drawn here (no scripts, no CDN), each with a one-line reading computed from
the data, its source and its unit. Sections whose marts are not in the warehouse are left out.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

PALETTE = ["#1f5aa6", "#d1495b", "#2e8b57", "#edae49", "#6a4c93", "#00798c"]
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 760, 260, 64, 210, 16, 36


@dataclass
class Series:
    label: str
    points: list[tuple[int, float]]  # (year, value)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 0.5:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.0f}"
    return f"{v:,.1f}".rstrip("0").rstrip(".") if v else "0"


def line_chart(series: list[Series], y_label: str, *, bars: bool = False, zero_line: bool = True) -> str:
    """An SVG line (or bar) chart of yearly series."""
    pts = [p for s in series for p in s.points if p[1] is not None]
    if not pts:
        return '<p class="empty">No data for this chart.</p>'
    years = sorted({y for y, _ in pts})
    x0, x1 = min(years), max(years)
    vals = [v for _, v in pts]
    lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def sx(y: float) -> float:
        return PAD_L + (0.5 if x1 == x0 else (y - x0) / (x1 - x0)) * pw

    def sy(v: float) -> float:
        return PAD_T + (1 - (v - lo) / (hi - lo or 1)) * ph

    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{html.escape(y_label)}">']
    for t in ticks:
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{PAD_L - 6}" y="{sy(t) + 4:.1f}" text-anchor="end" class="tick">{_fmt(t)}</text>')
    if zero_line and lo < 0 < hi:
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + pw}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" stroke="#888"/>')
    step = max(1, round((x1 - x0) / 8))
    for y in range(x0, x1 + 1, step):
        out.append(f'<text x="{sx(y):.1f}" y="{H - 12}" text-anchor="middle" class="tick">{y}</text>')
    out.append(f'<text x="14" y="{PAD_T + ph / 2:.0f}" transform="rotate(-90 14 {PAD_T + ph / 2:.0f})" text-anchor="middle" class="axis">{html.escape(y_label)}</text>')
    n = len(series)
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        points = sorted((y, v) for y, v in s.points if v is not None)
        if bars:
            bw = max(2.0, pw / max(1, (x1 - x0 + 1)) / max(1, n) * 0.8)
            for y, v in points:
                x = sx(y) - bw * n / 2 + i * bw
                top, bottom = sorted((sy(v), sy(0)))
                out.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bw:.1f}" height="{max(bottom - top, 0.5):.1f}" fill="{color}"><title>{y}: {_fmt(v)}</title></rect>')
        else:
            # break the line where a year is missing
            segments, current = [], []
            for y, v in points:
                if current and y != current[-1][0] + 1:
                    segments.append(current)
                    current = []
                current.append((y, v))
            if current:
                segments.append(current)
            for seg in segments:
                d = " ".join(f"{'M' if k == 0 else 'L'}{sx(y):.1f},{sy(v):.1f}" for k, (y, v) in enumerate(seg))
                out.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
                if len(seg) == 1:
                    out.append(f'<circle cx="{sx(seg[0][0]):.1f}" cy="{sy(seg[0][1]):.1f}" r="3" fill="{color}"/>')
        ly = PAD_T + 14 + i * 18
        out.append(f'<rect x="{W - PAD_R + 12}" y="{ly - 9}" width="12" height="4" fill="{color}"/>')
        out.append(f'<text x="{W - PAD_R + 28}" y="{ly - 4}" class="legend">{html.escape(s.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _table_exists(conn, schema: str, name: str) -> bool:
    return bool(conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0])


def _names(conn) -> dict[str, str]:
    return dict(conn.execute("select iso3, name from marts.dim_countries").fetchall())


def _series(conn, sql: str, params: list) -> list[tuple[int, float]]:
    return [(int(y), float(v)) for y, v in conn.execute(sql, params).fetchall() if v is not None]


def _section(title: str, reading: str, chart: str, source: str, unit: str) -> str:
    return (
        f'<section class="chart-block"><h2>{html.escape(title)}</h2>'
        f'<p class="reading">{html.escape(reading)}</p>{chart}'
        f'<p class="source">Source: {html.escape(source)}. Unit: {html.escape(unit)}.</p></section>'
    )


def build_report(conn: duckdb.DuckDBPyConnection, reporter: str, partner: str) -> str:
    """The report for a pair, as one HTML document."""
    names = _names(conn)
    if reporter not in names or partner not in names:
        unknown = reporter if reporter not in names else partner
        raise ValueError(f"{unknown} is not a code in marts.dim_countries")
    rn, pn = names[reporter], names[partner]
    dots = "IMF Direction of Trade Statistics (DOTS), 2022 vintage"
    sections: list[str] = []

    # 1. turnover / exports / imports as each side reports them
    q = ("select year, value_usd / 1e6 from marts.partner_shares where source = 'imf_dots' and reporter_iso3 = ? "
         "and partner_iso3 = ? and flow = ? order by year")
    own = _series(conn, q, [reporter, partner, "turnover"])
    mirror = _series(conn, q, [partner, reporter, "turnover"])
    if own or mirror:
        both = {y: v for y, v in own}
        gaps = [(y, both[y] - v) for y, v in mirror if y in both]
        last = max(gaps)[0] if gaps else None
        reading = (
            f"In {last}, {rn} recorded USD {both[last]:,.0f} mn of trade with {pn}; {pn} recorded "
            f"USD {dict(mirror)[last]:,.0f} mn — the two sides' figures differ by {abs(dict(gaps)[last]):,.0f} mn."
            if last else f"Only one side's figures are in the warehouse for {rn}–{pn}."
        )
        sections.append(_section(
            f"Trade turnover as each side reports it", reading,
            line_chart([Series(f"as {reporter} reports", own), Series(f"as {partner} reports", mirror)], "USD mn"),
            dots, "USD millions, exports + imports",
        ))
        exp_own = _series(conn, q, [reporter, partner, "exports"])
        imp_mirror = _series(conn, q, [partner, reporter, "imports"])
        imp_own = _series(conn, q, [reporter, partner, "imports"])
        exp_mirror = _series(conn, q, [partner, reporter, "exports"])
        sections.append(_section(
            f"{rn}'s exports to and imports from {pn}",
            f"Exports as {rn} records them (FOB) against {pn}'s record of the same goods arriving (CIF), and the same for imports.",
            line_chart([
                Series(f"exports, {reporter} data", exp_own), Series(f"same, {partner} data", imp_mirror),
                Series(f"imports, {reporter} data", imp_own), Series(f"same, {partner} data", exp_mirror),
            ], "USD mn"),
            dots, "USD millions",
        ))

    # 2. share and rank
    qs = ("select year, share_pct from marts.partner_shares where source = 'imf_dots' and reporter_iso3 = ? "
          "and partner_iso3 = ? and flow = ? order by year")
    share_t = _series(conn, qs, [reporter, partner, "turnover"])
    share_m = _series(conn, qs, [reporter, partner, "imports"])
    if share_t:
        ranks = dict(_series(conn, qs.replace("share_pct", "rank"), [reporter, partner, "turnover"]))
        ranks_m = dict(_series(conn, qs.replace("share_pct", "rank"), [reporter, partner, "imports"]))
        ly = share_t[-1][0]
        reading = (f"In {ly}, {pn} was {rn}'s no. {int(ranks.get(ly, 0))} trading partner with {share_t[-1][1]:.2f} % of its trade"
                   + (f", and its no. {int(ranks_m[ly])} source of imports ({dict(share_m)[ly]:.2f} %)." if ly in ranks_m else "."))
        sections.append(_section(
            f"{pn}'s share of {rn}'s trade", reading,
            line_chart([Series("share of turnover", share_t), Series("share of imports", share_m)], "percent"),
            dots + f", as {rn} reports", "percent of the reporter's World total",
        ))
        sections.append(_section(
            f"{pn}'s rank among {rn}'s partners", "Rank 1 is the largest partner; aggregates and unspecified partners are not ranked.",
            line_chart([Series("rank by turnover", sorted(ranks.items())), Series("rank by imports", sorted(ranks_m.items()))], "rank (1 = largest)"),
            dots + f", as {rn} reports", "rank",
        ))

    # 3. growth
    qg = ("select year, yoy_pct from marts.trade_growth where source = 'imf_dots' and reporter_iso3 = ? and partner_iso3 = ? "
          "and flow = 'turnover' and yoy_pct is not null order by year")
    g_own, g_mirror = _series(conn, qg, [reporter, partner]), _series(conn, qg, [partner, reporter])
    if g_own:
        ly, lv = g_own[-1]
        sections.append(_section(
            "Year-on-year growth of turnover",
            f"In {ly}, turnover changed by {lv:+.1f} % as {rn} reports it"
            + (f" and by {dict(g_mirror)[ly]:+.1f} % as {pn} reports it." if ly in dict(g_mirror) else "."),
            line_chart([Series(f"as {reporter} reports", g_own), Series(f"as {partner} reports", g_mirror)], "percent", bars=True),
            dots, "percent change on the previous year",
        ))

    # 4. mirror gap
    qm = ("select year, gap_pct from marts.mirror_gaps where reporter_iso3 = ? and partner_iso3 = ? and direction = ? "
          "and gap_pct is not null order by year")
    gx_, gm_ = _series(conn, qm, [reporter, partner, "exports"]), _series(conn, qm, [reporter, partner, "imports"])
    if gx_ or gm_:
        ly = max(y for y, _ in gx_ + gm_)
        sections.append(_section(
            "Mirror gap: what each side records for the same goods",
            f"In {ly}, {rn}'s recorded imports from {pn} were {dict(gm_).get(ly, float('nan')):+.0f} % off {pn}'s recorded exports to it; "
            f"its exports {dict(gx_).get(ly, float('nan')):+.0f} % off {pn}'s recorded imports.",
            line_chart([Series(f"{reporter} exports vs {partner} imports", gx_), Series(f"{reporter} imports vs {partner} exports", gm_)], "gap, percent"),
            dots, "percent of the partner's mirror figure",
        ))

    # 5. FDI by origin
    if _table_exists(conn, "marts", "fdi_by_origin"):
        rows = conn.execute(
            "select year, value_usd / 1e6, source from marts.fdi_by_origin where host_iso3 = ? and origin_iso3 = ? "
            "and measure = 'inflow' order by source, year", [reporter, partner]).fetchall()
        by_source: dict[str, list[tuple[int, float]]] = {}
        for y, v, s in rows:
            if v is not None:
                by_source.setdefault(s, []).append((int(y), float(v)))
        if by_source:
            total = sum(v for pts in by_source.values() for _, v in pts)
            sections.append(_section(
                f"Foreign direct investment from {pn} into {rn}",
                f"Recorded inflows from {pn} add up to USD {total:,.0f} mn over the years shown; most inward FDI is not allocated by origin.",
                line_chart([Series(s, pts) for s, pts in by_source.items()], "USD mn", bars=True),
                "UNCTAD bilateral FDI statistics; Central Bank of Azerbaijan figures as reported", "USD millions",
            ))

    # 6. companies
    if _table_exists(conn, "marts", "company_registry"):
        rows = conn.execute(
            "select as_of_date, registered, active, source from marts.company_registry where host_iso3 = ? and origin_iso3 = ? order by as_of_date",
            [reporter, partner]).fetchall()
        if rows:
            body = "".join(
                f"<tr><td>{d}</td><td>{'' if r is None else r}</td><td>{'' if a is None else a}</td><td>{html.escape(str(s or ''))}</td></tr>"
                for d, r, a, s in rows)
            bars = line_chart([
                Series("registered", [(d.year, float(r)) for d, r, _, _ in rows if r is not None]),
                Series("active", [(d.year, float(a)) for d, _, a, _ in rows if a is not None]),
            ], "companies", bars=True)
            last = rows[-1]
            sections.append(_section(
                f"Companies with {pn}'s capital in {rn}",
                f"Latest published count ({last[0]}): {last[1] if last[1] is not None else '?'} registered, {last[2] if last[2] is not None else '?'} active.",
                bars + f'<table><tr><th>as of</th><th>registered</th><th>active</th><th>source</th></tr>{body}</table>',
                "counts published by officials (no company-level registry export exists)", "number of companies",
            ))

    # 7. claims
    if _table_exists(conn, "marts", "claim_checks"):
        rows = conn.execute(
            "select claim_id, document, publisher, period, metric, quote, verdict, explanation from marts.claim_checks "
            "where (reporter_iso3 = ? and partner_iso3 = ?) or (reporter_iso3 = ? and partner_iso3 = ?) order by period, claim_id",
            [reporter, partner, partner, reporter]).fetchall()
        if rows:
            counts: dict[str, int] = {}
            for r in rows:
                counts[r[6]] = counts.get(r[6], 0) + 1
            body = "".join(
                "<tr>" + f"<td>{html.escape(str(p))}</td><td>{html.escape(str(m))}</td><td class='quote'>“{html.escape(str(q))}”</td>"
                + "<td>" + (f'<a href="{html.escape(d)}">{html.escape(str(pub or d))}</a>' if str(d).startswith("http") else html.escape(str(pub or d)))
                + f"</td><td class='verdict {html.escape(str(v))}'>{html.escape(str(v))}</td><td>{html.escape(str(e or ''))}</td></tr>"
                for _, d, pub, p, m, q, v, e in rows)
            sections.append(
                '<section class="claims"><h2>What the documents say, checked</h2>'
                f'<p class="reading">{len(rows)} figures quoted about {rn}–{pn}: '
                + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + ".</p>"
                + f"<table><tr><th>period</th><th>metric</th><th>quote</th><th>source</th><th>verdict</th><th>why</th></tr>{body}</table></section>"
            )

    built = conn.execute("select version_id, built_at from audit.build_info").fetchone() if _table_exists(conn, "audit", "build_info") else None
    stamp = f"Warehouse version {built[0]}, built {built[1]:%Y-%m-%d %H:%M} UTC." if built else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Corridor report: {html.escape(rn)} – {html.escape(pn)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #222; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
.reading {{ margin: .2rem 0 .6rem; }} .source {{ color: #666; font-size: .85rem; }}
.tick, .legend, .axis {{ font-size: 11px; fill: #444; }} table {{ border-collapse: collapse; font-size: .85rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .4rem; vertical-align: top; text-align: left; }}
.quote {{ font-style: italic; max-width: 22rem; }} .verdict.confirmed {{ color: #2e7d32; }} .verdict.conflicts {{ color: #c62828; }}
.verdict.consistent {{ color: #1565c0; }} .verdict.unverifiable {{ color: #777; }}
</style></head><body>
<h1>{html.escape(rn)} – {html.escape(pn)}: trade, investment and companies</h1>
<p>Each side's statistics are shown as that side reports them; where they disagree, both are right by their own
definitions (exports FOB vs imports CIF, country of origin vs consignment, timing). {html.escape(stamp)}</p>
{''.join(sections)}
<p class="source">Generated by Corridor from the published warehouse; offline, no external resources.</p>
</body></html>"""


def write_report(warehouse: Path, reporter: str, partner: str, out_root: Path) -> Path:
    """Render the pair's report from the published warehouse (opened read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        page = build_report(conn, reporter, partner)
    out = out_root / f"{reporter}-{partner}" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
