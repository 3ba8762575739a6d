"""Claims: figures quoted in documents, to be checked against the statistics (never ground truth).

Three things live here, all pure Python (no Dagster):

* the ledger parser: ``raw/claims/*.csv`` (see ``raw/claims/MANIFEST.md``) → :class:`ParseResult`,
  bad rows quarantined with row, column and reason;
* :func:`parse_period`: the period grammar ``YYYY``, ``YYYY-Qn``, ``YYYY-MM..YYYY-MM``, ``YYYY-MM-DD``;
* the article checker: :func:`extract_figures` finds the numeric figures in a text (every figure's
  ``text`` is exactly ``text[start:end]`` — nothing is invented) and :func:`claims_check_command`
  prints each with the verdict the published warehouse gives (``marts.claim_checks`` or the IMF
  series directly).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError
from orchestration.lib.reference import read_csv_text
from orchestration.lib.results import ParseResult, quarantine_frame

SOURCE = "claims"

COLUMNS = [
    "claim_id", "document", "publisher", "published_date", "quote", "metric", "reporter_iso3",
    "partner_iso3", "period", "value", "unit", "basis", "basis_note",
]
METRICS = (
    "turnover", "exports", "imports", "turnover_yoy_pct", "exports_yoy_pct", "imports_yoy_pct",
    "partner_share_pct", "import_share_pct", "export_share_pct", "partner_rank", "import_rank", "export_rank",
    "companies_registered", "companies_active", "fdi_inflow", "fdi_outflow", "fdi_stock", "investment_total",
    "agreements_value", "agreements_count",
)
UNITS = ("USD bn", "USD mn", "USD", "percent", "rank", "count")
BASES = ("AZE", "CHN", "CBAR", "unknown")

YEAR_RE = re.compile(r"^(\d{4})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
MONTHS_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.\.(\d{4})-(0[1-9]|1[0-2])$")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# The grammar as one regex (what the GX check ``claims_period_parseable`` expects).
PERIOD_PATTERN = r"^(?:\d{4}|\d{4}-Q[1-4]|\d{4}-(?:0[1-9]|1[0-2])\.\.\d{4}-(?:0[1-9]|1[0-2])|\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))$"
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_period(period: str) -> tuple[dt.date, dt.date, str]:
    """First day, last day and kind (year | quarter | months | date) of a period; ValueError if malformed."""
    period = (period or "").strip()
    if m := YEAR_RE.match(period):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    if m := QUARTER_RE.match(period):
        y, q = int(m.group(1)), int(m.group(2))
        start = dt.date(y, 3 * q - 2, 1)
        end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        return start, end, "quarter"
    if m := MONTHS_RE.match(period):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        start = dt.date(y1, m1, 1)
        end = dt.date(y2 + (m2 == 12), m2 % 12 + 1, 1) - dt.timedelta(days=1)
        if start > end:
            raise ValueError(f"month range runs backwards: {period!r}")
        return start, end, "months"
    if m := DATE_RE.match(period):
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # ValueError on 2024-02-30
        return day, day, "date"
    raise ValueError(f"not a period (YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD): {period!r}")


def has_ledger_header(path: Path) -> bool:
    """True when the file's first line is the ledger header (other CSVs under raw/claims/ are sources of it)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return True  # let the parser report the problem
    return [c.strip().strip('"') for c in first.strip().split(",")] == COLUMNS


def published_date_of(text: str | None) -> dt.date | None:
    """The date a document was published: YYYY-MM-DD, YYYY-MM (the 1st) or YYYY (1 January);
    ValueError for anything else, including days a month does not have (2025-02-30)."""
    text = (text or "").strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    if m := DATE_RE.match(text):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(f"not a date: {text!r}")


def parse_claims_file(path: Path) -> ParseResult:
    """Read one ledger file; rows breaking the vocabularies go to quarantine (one entry per problem).

    Country codes are checked where every source's are (the loader resolves them against the
    crosswalk and quarantines an unknown one)."""
    frame = read_csv_text(path, COLUMNS)
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise SourceFileError(path, f"unexpected column(s) {extra}; the ledger header is {COLUMNS}", row=1)
    problems: list[dict] = []
    bad_rows: set[int] = set()

    def reject(row: int, column: str, value, reason: str) -> None:
        problems.append({"file": Path(path).name, "sheet": None, "row": row, "column": column,
                         "raw_value": value, "reason": reason})
        bad_rows.add(row)

    for i, rec in enumerate(frame.iter_rows(named=True)):
        row = i + 2  # the header is line 1
        if not rec["claim_id"]:
            reject(row, "claim_id", rec["claim_id"], "missing claim_id")
        if rec["metric"] not in METRICS:
            reject(row, "metric", rec["metric"], f"unknown metric (not one of {', '.join(METRICS)})")
        if rec["unit"] not in UNITS:
            reject(row, "unit", rec["unit"], f"unknown unit (not one of {', '.join(UNITS)})")
        try:
            parse_period(rec["period"])
        except ValueError:
            reject(row, "period", rec["period"], "unparseable period (expected YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD)")
        if not NUMBER_RE.match(rec["value"] or ""):
            reject(row, "value", rec["value"], "non-numeric value (a plain number without thousands separators expected)")
        try:
            published_date_of(rec["published_date"])
        except ValueError:
            reject(row, "published_date", rec["published_date"],
                   "not a date (expected YYYY-MM-DD, YYYY-MM or YYYY, a day the month has)")
        if rec["basis"] not in BASES:
            reject(row, "basis", rec["basis"], f"unknown basis (not one of {', '.join(BASES)})")

    rows = (
        frame.with_row_index("source_row", offset=2)
        .with_columns(pl.col("source_row").cast(pl.Int64))
        .filter(~pl.col("source_row").is_in(sorted(bad_rows)))
        .select(*COLUMNS, "source_row")
    )
    return ParseResult(rows=rows, quarantine=quarantine_frame(problems), meta={"rows_read": frame.height})


# --------------------------------------------------------------------------------------------
# The article checker
# --------------------------------------------------------------------------------------------

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10}
SCALES = {"billion": 1e9, "bn": 1e9, "bln": 1e9, "million": 1e6, "mn": 1e6, "mln": 1e6, "thousand": 1e3}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\[\s*)?(?P<scale>billion|bn|bln|million|mn|mln|thousand)\b(?:\s*\])?"
AMOUNT_PATTERNS = [
    # USD 3.744 billion, $1.3 [billion], AZN 1 billion, RMB 6 billion, US$ 5 mn
    re.compile(rf"(?P<cur>US\$|USD|\$|AZN|RMB|CNY|€|EUR)\s?(?P<num>{_NUM})(?:\s*{_SCALE})?", re.I),
    # 2.46 billion US dollars, 1 billion manat, 115 million USD
    re.compile(rf"(?P<num>{_NUM})\s*{_SCALE}\s*(?P<cur>US dollars|U\.S\. dollars|dollars|USD|manats?|AZN|yuan|RMB)", re.I),
]
PERCENT_RE = re.compile(rf"(?:(?<![\w.])(?P<sign>[+\-−]))?\s?(?P<num>{_NUM})\s?(?:\[\s*)?(?P<pct>%|percent\b|per cent\b)(?:\s*\])?", re.I)
RANK_PATTERNS = [
    re.compile(r"\b(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))[- ](?:largest|biggest)\b", re.I),
    re.compile(r"\branks?\s+(?:as\s+)?(?:the\s+)?(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))\b", re.I),
]
COUNT_RE = re.compile(
    rf"\b(?P<num>{_NUM})\s+(?:[\w’'-]+\s+){{0,3}}?(?P<noun>companies|enterprises|firms|businesses|agreements|documents|deals|projects)\b",
    re.I,
)
YEAR_IN_TEXT = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")

METRIC_WORDS = [
    # (metric, words) in order of precedence within the sentence window
    ("growth", ("increase", "growth", "grew", "rose", "up by", "year-on-year", "surged", "decline", "fell")),
    ("share", ("share", "accounting for", "proportion", "of the country", "of azerbaijan’s", "of its")),
    ("rank", ("largest", "biggest", "ranks", "partner")),
    ("companies", ("compan", "enterprise", "firms", "businesses")),
    ("agreements", ("agreement", "documents", "deals", "signed")),
    ("investment", ("invest", "fdi", "capital")),
    ("imports", ("import",)),
    ("exports", ("export",)),
    ("turnover", ("turnover", "trade volume", "bilateral trade", "trade between", "trade reached", "trade")),
]


@dataclass
class Figure:
    """A figure as written in a text: ``text == source[start:end]``."""

    kind: str                 # amount | percent | rank | count
    text: str
    start: int
    end: int
    value: float              # the number as written (3.744 for "USD 3.744 billion")
    unit: str                 # 'USD bn', 'USD mn', 'USD', 'AZN bn', ..., 'percent', 'rank', 'count'
    metric: str               # turnover | exports | imports | growth | share | rank | companies | investment | agreements | other
    years: list[int] = field(default_factory=list)
    year_source: str = ""     # 'sentence' (a year stands in the figure's sentence) | 'preceding' | ''
    quote: str = ""           # the sentence the figure stands in
    currency: str | None = None
    is_manat: bool = False
    value_usd: float | None = None   # amounts in US dollars only (never converted from other currencies)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) around [start, end): it ends at a newline, ! ? or a full stop before a space."""
    left = start
    while left > 0:
        ch = text[left - 1]
        if ch == "\n" or ch in "!?" or (ch == "." and text[left].isspace()):
            break
        left -= 1
    right = end
    while right < len(text):
        ch = text[right]
        if ch == "\n" or ch in "!?":
            break
        if ch == "." and (right + 1 >= len(text) or text[right + 1].isspace()):
            right += 1
            break
        right += 1
    while left < right and text[left].isspace():
        left += 1
    return left, right


def _guess_metric(sentence: str, rel_start: int, rel_end: int, kind: str) -> str:
    """The metric whose key word stands nearest the figure in its sentence (words before it count more)."""
    if kind == "rank":
        return "rank"
    if kind == "count":
        noun = sentence[rel_start:rel_end].lower()
        if any(w in noun for w in ("compan", "enterprise", "firms", "businesses")):
            return "companies"
        return "agreements"
    lowered = sentence.lower()
    best: tuple[float, int, str] | None = None
    for order, (metric, words) in enumerate(METRIC_WORDS):
        if kind == "amount" and metric in ("growth", "share", "rank", "companies"):
            continue
        if kind == "percent" and metric in ("rank", "companies", "agreements"):
            continue
        for word in words:
            for m in re.finditer(re.escape(word), lowered):
                if m.end() <= rel_start:
                    distance = rel_start - m.end()
                elif m.start() >= rel_end:
                    distance = 1.5 * (m.start() - rel_end)
                else:
                    continue
                if best is None or (distance, order) < best[:2]:
                    best = (distance, order, metric)
    return best[2] if best else "other"


def extract_figures(text: str) -> list[Figure]:
    """Every amount, percentage, rank and company/agreement count in ``text``, in reading order."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(kind: str, s: int, e: int, value: float, unit: str, **extra) -> None:
        taken.append((s, e))
        found.append(Figure(kind=kind, text=text[s:e], start=s, end=e, value=value, unit=unit,
                            metric="", **extra))

    for pattern in AMOUNT_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            cur = m.group("cur").lower()
            scale_word = (m.group("scale") or "").lower()
            scale = SCALES.get(scale_word, 1.0)
            if cur in ("$", "us$", "usd", "us dollars", "u.s. dollars", "dollars"):
                currency = "USD"
            elif cur.startswith("manat") or cur == "azn":
                currency = "AZN"
            elif cur in ("rmb", "cny", "yuan"):
                currency = "CNY"
            else:
                currency = "EUR"
            value = _number(m.group("num"))
            if YEAR_IN_TEXT.fullmatch(m.group("num")) and not scale_word and currency != "USD":
                continue
            suffix = {1e9: " bn", 1e6: " mn", 1e3: " thousand", 1.0: ""}[scale]
            add("amount", m.start(), m.end(), value, f"{currency}{suffix}", currency=currency,
                is_manat=currency == "AZN", value_usd=value * scale if currency == "USD" else None)
    for m in PERCENT_RE.finditer(text):
        s = m.start() if m.group("sign") else m.start("num")
        if not free(s, m.end()):
            continue
        value = _number(m.group("num"))
        if m.group("sign") in ("-", "−"):
            value = -value
        add("percent", s, m.end(), value, "percent")
    for pattern in RANK_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            word = m.group("ord").lower()
            value = ORDINALS.get(word) or int(re.match(r"\d+", word).group())
            add("rank", m.start(), m.end(), float(value), "rank")
    for m in COUNT_RE.finditer(text):
        if not free(m.start("num"), m.end("num")) or YEAR_IN_TEXT.fullmatch(m.group("num")):
            continue
        add("count", m.start(), m.end(), _number(m.group("num")), "count")

    found.sort(key=lambda f: f.start)
    for f in found:
        s, e = _sentence_bounds(text, f.start, f.end)
        f.quote = text[s:e].strip()
        sentence = text[s:e]
        f.metric = _guess_metric(sentence, f.start - s, f.end - s, f.kind)
        years = [int(y.group()) for y in YEAR_IN_TEXT.finditer(sentence)
                 if not (s + y.start() >= f.start and s + y.end() <= f.end)]
        f.year_source = "sentence" if years else ""
        if not years:
            before = [int(y.group()) for y in YEAR_IN_TEXT.finditer(text, 0, s)]
            years = before[-1:]
            f.year_source = "preceding" if years else ""
        f.years = sorted(set(years))
    return found


# --------------------------------------------------------------------------------------------
# corridor claims check FILE
# --------------------------------------------------------------------------------------------

# the extractor's metric → the ledger metrics it may stand for
LEDGER_METRICS = {
    "turnover": ("turnover",),
    "exports": ("exports",),
    "imports": ("imports",),
    "growth": ("turnover_yoy_pct", "exports_yoy_pct", "imports_yoy_pct"),
    "share": ("partner_share_pct", "import_share_pct", "export_share_pct"),
    "rank": ("partner_rank", "import_rank", "export_rank"),
    "companies": ("companies_registered", "companies_active"),
    "investment": ("investment_total", "fdi_inflow", "fdi_stock", "fdi_outflow"),
    "agreements": ("agreements_value", "agreements_count"),
}


def _half_unit(text_number: str) -> float:
    digits = text_number.split(".")[1] if "." in text_number else ""
    return 0.5 * 10 ** -len(digits)


def _figure_number_text(f: Figure) -> str:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", f.text)
    return m.group().replace(",", "") if m else "0"


def _normalised(f: Figure) -> tuple[float, float] | None:
    """The figure in the ledger's normalised unit (USD, percent, count) and half a unit of its last digit."""
    half = _half_unit(_figure_number_text(f))
    if f.kind == "amount":
        if f.currency != "USD":
            return None
        scale = f.value_usd / f.value if f.value else 1.0
        return f.value_usd, half * scale
    return f.value, half


def _matches(claimed: float, half: float, other: float, exact: bool = False) -> bool:
    if exact:
        return round(claimed) == round(other)
    from orchestration.lib.rules import rule

    return abs(claimed - other) <= max(rule("claim_relative_tolerance") * abs(claimed), half) + 1e-9


def check_figures(figures: list[Figure], conn, reporter: str, partner: str) -> list[tuple[Figure, str, str]]:
    """Each figure with (verdict, why), matched against marts.claim_checks, else the IMF series.

    Among matching ledger claims, one whose quote stands in the figure's sentence comes first.
    """
    rows = conn.execute(
        "select claim_id, metric, period, period_kind, year(period_start) as year, claimed_value, verdict, explanation, quote "
        "from marts.claim_checks"
    ).fetchall()
    out = []
    for f in figures:
        norm = _normalised(f)
        if f.is_manat:
            out.append((f, "unverifiable", "amount in manat (AZN): Corridor's series are in US dollars; not converted"))
            continue
        if norm is None:
            out.append((f, "unverifiable", f"amount in {f.currency}: Corridor's series are in US dollars; not converted"))
            continue
        value, half = norm
        candidates = []
        for claim_id, metric, period, kind, year, claimed, verdict, explanation, quote in rows:
            if metric not in LEDGER_METRICS.get(f.metric, ()) or claimed is None:
                continue
            # a year taken from an earlier sentence is a guess: the year before or after may be meant
            distance = min((abs(year - y) for y in f.years), default=0)
            if distance > (1 if f.year_source == "preceding" else 0):
                continue
            if _matches(value, half, claimed, exact=f.kind == "rank"):
                quoted_here = bool(quote) and (quote in f.quote or f.quote in quote)
                candidates.append((not quoted_here, distance, kind != "year", claim_id, period, verdict, explanation))
        if candidates:
            candidates.sort()
            *_, claim_id, period, verdict, explanation = candidates[0]
            out.append((f, verdict, f"ledger claim {claim_id} ({period}): {explanation}"))
            continue
        direct = _check_against_imf(f, value, half, conn, reporter, partner)
        if direct is not None:
            out.append((f, *direct))
            continue
        out.append((f, "unverifiable", "no ledger claim with this metric, period and value, and no statistic in the warehouse for it"))
    return out


def _check_against_imf(f: Figure, value: float, half: float, conn, reporter: str, partner: str) -> tuple[str, str] | None:
    if f.metric not in ("turnover", "exports", "imports", "growth") or len(f.years) != 1 or f.kind not in ("amount", "percent"):
        return None
    if (f.kind == "amount") != (f.metric != "growth"):
        return None
    flow = "turnover" if f.metric == "growth" else f.metric
    mirror_flow = {"exports": "imports", "imports": "exports"}.get(flow, flow)
    column = "yoy_pct" if f.metric == "growth" else "value_usd"
    sql = (f"select {column} from marts.trade_growth where source = 'imf_dots' and reporter_iso3 = ? "
           "and partner_iso3 = ? and flow = ? and year = ?")
    own = conn.execute(sql, [reporter, partner, flow, f.years[0]]).fetchone()
    mirror = conn.execute(sql, [partner, reporter, mirror_flow, f.years[0]]).fetchone()
    own_v = own[0] if own else None
    mirror_v = mirror[0] if mirror else None
    if own_v is None and mirror_v is None:
        return None

    def show(v):
        return "n/a" if v is None else (f"{v:+.1f} %" if column == "yoy_pct" else f"USD {v / 1e6:,.1f} mn")

    series = f"IMF DOTS {flow} {f.years[0]}: as {reporter} reports {show(own_v)}, as {partner} reports {show(mirror_v)}"
    if own_v is not None and _matches(value, half, own_v):
        return "confirmed", f"matches the series {reporter} reports ({series})"
    if mirror_v is not None and _matches(value, half, mirror_v):
        return "conflicts", f"matches the series {partner} reports, not the one {reporter} reports ({series})"
    return "conflicts", f"matches neither series ({series})"


def format_figure_line(f: Figure, verdict: str, why: str) -> str:
    years = ",".join(str(y) for y in f.years) or "no year"
    return f"  \"{f.text}\" [{f.start}:{f.end}] {f.metric}, {years} → {verdict}: {why}\n      quote: {f.quote}"


def claims_check_command(article: Path, warehouse: Path) -> tuple[int, str]:
    """``corridor claims check FILE``: (exit code, text to print). Opens the warehouse read-only."""
    from orchestration import constants
    from orchestration.lib.warehouse import connect

    article, warehouse = Path(article), Path(warehouse)
    try:
        text = article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return 1, f"corridor: {article}: cannot be read as UTF-8 text ({exc})"
    if not warehouse.exists():
        return 1, f"corridor: {warehouse}: no warehouse file (run `corridor build` first)"
    reporter, partner = constants.focus_corridor()
    figures = extract_figures(text)
    with connect(warehouse, read_only=True) as conn:
        checked = check_figures(figures, conn, reporter, partner)
    lines = [f"{article.name}: {len(figures)} figure(s) found; checked against {warehouse}"]
    for f, verdict, why in checked:
        lines.append(format_figure_line(f, verdict, why))
    counts: dict[str, int] = {}
    for _, verdict, _ in checked:
        counts[verdict] = counts.get(verdict, 0) + 1
    lines.append("verdicts: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    return 0, "\n".join(lines)
