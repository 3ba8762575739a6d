"""What each figure says: metric, countries, period, stated basis, and whether it is a statistical
claim about the corridor at all.

Every decision reads a bounded window around the figure (its sentence, clipped to ``WINDOW``
characters either side), and everything read from the whole text (sentence ends, periods, country
names, document dates) is found once, in one pass each, and looked up by bisection: the work is
linear in the length of the text.

The rules, in the order they apply to a figure:

1. **Target** — a target word before it in its sentence ("target", "aim", "goal", "plan",
   "targeting"), a sentence that starts with a proposal verb ("Launch", "Train", "Establish",
   "Develop", "Deploy", "Build"), or "by YEAR" right after it with YEAR not before the document's
   year. The "from X" of "from X to Y by 2030" is the starting point, not the target.
2. **Forecast** — could, can, will, would, may, might, expected, estimated, potential, projected
   before it in its clause (commas, brackets and semicolons bound a clause), or a later year in
   brackets right after it ("18% (2030)").
3. **Not about the corridor** — the clause names a third country and not both of the pair, or a
   pair of other countries ("China-Russia trade"), or a world / regional scope ("overseas",
   "worldwide", "in the South Caucasus"), or a country's total ("total exports"), or a product's
   exports with no partner named ("hazelnut export value").
4. **Not a trade statistic** — measures (tons, km, MW, jobs, hours…), words of another domain in
   the clause (GDP, efficiency, capacity, clearance time, cost, congestion, cargo, transit, energy,
   settlement, swap, loans, price…), amounts in a currency other than US dollars, and percentages
   or amounts no trade word explains.
5. Otherwise a **statistical claim**, with the metric of the nearest trade word (words before the
   figure count more than words after it).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from orchestration.lib.articles.periods import PeriodMention, bounds, find_periods, read_date, read_period
from orchestration.lib.articles.reading import Span, read_number, spans

WINDOW = 300  # characters either side of a figure that may be read to interpret it

TARGET, FORECAST, NOT_TRADE, NOT_CORRIDOR = "target", "forecast", "not a trade statistic", "not about the corridor"
LEVELS = ("turnover", "exports", "imports")

DEMONYMS = {
    "chinese": "CHN", "azerbaijani": "AZE", "azeri": "AZE", "russian": "RUS", "turkish": "TUR", "kazakh": "KAZ",
    "kazakhstani": "KAZ", "iranian": "IRN", "georgian": "GEO", "armenian": "ARM", "uzbek": "UZB", "turkmen": "TKM",
    "american": "USA", "british": "GBR", "japanese": "JPN", "indian": "IND", "pakistani": "PAK", "israeli": "ISR",
    "ukrainian": "UKR", "hungarian": "HUN", "emirati": "ARE", "korean": "KOR", "german": "DEU", "french": "FRA",
    "italian": "ITA", "european": "REGION",
}
SHORT_NAMES = {"UK": "GBR", "US": "USA", "U.S.": "USA", "USA": "USA", "UAE": "ARE", "PRC": "CHN", "EU": "REGION"}
REGIONS = (
    "europe", "european union", "asia", "central asia", "east asia", "south caucasus", "caucasus", "eurasia",
    "middle east", "black sea", "persian gulf", "world", "south-east asia", "southeast asia",
)
# each country's own statistical agencies (a statement citing them uses that country's statistics)
AGENCIES = {
    "AZE": ("state customs committee", "state statistical committee", "state statistics committee", "scc", "ssc",
            "cbar", "central bank of azerbaijan"),
    "CHN": ("gacc", "general administration of customs", "china customs", "china's customs", "chinese customs",
            "national bureau of statistics"),
}
PRODUCTS = (
    "hazelnut", "cotton", "wine", "fruit", "vegetable", "tomato", "grape", "pomegranate", "electromechanical",
    "machinery", "electronics", "steel", "aluminium", "aluminum", "chemical", "textile", "crude", "lng",
    "natural gas", "petroleum", "hs ", "product",
)

_W = re.compile
TARGET_WORDS = _W(r"\b(?:targets?|targeting|targeted|aims?|aimed|aiming|goals?|objectives?|plans?|planned|ambition|seeks? to|pledged?)\b", re.I)
PROPOSAL_START = _W(r"^\W*(?:launch|train|establish|develop|deploy|build|create|introduce|adopt|set up)\b", re.I)
FORECAST_WORDS = _W(r"\b(?:could|can|will|would|may|might|expected|expects?|estimated|estimates?|forecasts?|projected|projects to|potential(?:ly)?|likely|promises?)\b", re.I)
NOT_TRADE_WORDS = _W(
    r"\b(?:gdp|efficiency|capacity|clearance|times?|costs?|congestion|fertili[sz]\w*|yields?|jobs|settle(?:d|ment)|"
    r"swaps?|cargo|transit|transport(?:ation)?|throughput|teus?|energy|electricity|locali[sz]ation|parcels|"
    r"industr(?:y|ies)|population|loans?|prices?|tariffs?|inflation|interest|reserves|budget|debt|passengers|"
    r"tourists?|visitors|min read|read)\b", re.I)
SCOPE_WORDS = _W(r"\b(?:overseas|worldwide|globally|global|all countries|all partners|throughout)\b", re.I)
TOTAL_WORDS = _W(r"\b(?:total|overall|foreign trade turnover|external trade)\b", re.I)

METRIC_WORDS = [
    # (metric family, pattern) — the nearest match wins; order breaks ties
    ("growth", _W(r"increase[sd]?|growth|grew|grow(?:s|n|ing)?|\brose\b|\brise[sn]?\b|\bup\b|year-on-year|y/y|\byoy\b|surged?|jumped|soared|\bfell\b|declined?|decrease[sd]?|dropped|down by|\bvs\b\.?|versus|compared (?:with|to)", re.I)),
    ("share", _W(r"\bshares?\b|accounting for|accounts? for|accounted for|proportion", re.I)),
    ("fdi", _W(r"\bfdi\b|direct investment", re.I)),
    ("investment", _W(r"invest\w*|capital", re.I)),
    ("agreements", _W(r"agreements?|\bdeals?\b|contracts?|memorand\w+|\bsigned\b", re.I)),
    ("imports", _W(r"imports?|imported", re.I)),
    ("exports", _W(r"exports?|exported|\bX\b", re.I)),
    ("turnover", _W(r"turnover|trade volume|volume of trade|bilateral trade|trade between|trade with|\btrade\b|trading", re.I)),
]
AMOUNT_FAMILIES = ("fdi", "investment", "agreements", "imports", "exports", "turnover")
FLOW_WORDS = [("imports", _W(r"imports?|imported|import source|supplier", re.I)),
              ("exports", _W(r"exports?|exported|export market|destination", re.I)),
              ("turnover", _W(r"turnover|trade|trading|partner", re.I))]
AT_LEAST = _W(r"(?:over|more than|above|exceed(?:ed|s|ing)?|at least|surpass(?:ed|es|ing)?|in excess of|>|upwards of)\s*$", re.I)
AT_MOST = _W(r"(?:nearly|almost|approaching|up to|under|less than|below|<|just under|close to)\s*$", re.I)
ABOUT = _W(r"(?:about|around|approximately|roughly|some|~|circa|c\.|an estimated|approx\.?)\s*$", re.I)
FALL_WORDS = _W(r"\b(?:fell|falls?|fallen|declined?|declines|decreased?|decreases|dropped|drops?|down|shrank|shrunk|"
                r"contracted|slumped|plunged|lower|reduced)\b", re.I)
CURRENTLY = _W(r"\b(?:currently|now|today|at present|presently|to date|so far|as of today)\b", re.I)
PREVIOUS_YEAR_BASE = _W(r"(?:vs\.?|versus|compared (?:with|to)|from|than|since|over|on)\s*$", re.I)
SENTENCE_END = _W(r"[.!?][\"”’)\]]*(?=\s)|\n")
HEADER_DATE = _W(r"(?:^|\n)\s*date\s+(\d{4}-\d{2}-\d{2})", re.I)
ARROW = _W(r"(?P<a>[A-Z][\w.]*)\s*(?P<op>->|→|<-|←)\s*(?P<b>[A-Z][\w.]*)")


@dataclass
class Figure:
    """One figure of a document: where it is, what it says, and how it was read."""

    document: str
    start: int
    end: int
    text: str
    kind: str                       # amount | percent | pp | multiple | rank | count | measure
    value: float                    # normalised: US dollars (not millions), percent, rank, count
    half_unit: float
    unit: str
    quote: str = ""
    quote_start: int = 0
    quote_end: int = 0
    metric: str = ""                # the ledger's vocabulary (+ product_share_pct, fdi_share_pct)
    reporter: str = ""
    partner: str = ""
    period: str = ""                # the ledger's period grammar; '' when the text gives none
    period_source: str = ""         # stated | row | nearby | document date | last full year before the document
    basis: str = ""                 # whose statistics the text says it uses (ISO3), '' when it does not say
    qualifier: str = ""             # at least | at most | about | range
    low: float | None = None        # the lower end of a range
    currency: str = "USD"
    currency_stated: bool = True
    statistical: bool = False
    reason_class: str = ""          # target | forecast | not a trade statistic | not about the corridor
    reason: str = ""                # the words that decided it
    part_start: int = 0             # the ';'-delimited part of the sentence (or cell) it stands in
    part_end: int = 0
    qualifier_text: str = ""        # the words that made the qualifier ("over", "nearly", "~")
    row: int | None = None          # line of a table file
    sources: tuple[str, ...] = ()   # identities of the statement (URLs, file#lineN) to tell the same statement
    notes: list[str] = field(default_factory=list)

    @property
    def level_metric(self) -> str | None:
        """The level a growth rate is of ('turnover' for 'turnover_yoy_pct')."""
        return self.metric[: -len("_yoy_pct")] if self.metric.endswith("_yoy_pct") else None


# ------------------------------------------------------------------------------------------------
# Countries
# ------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[.’'][^\W\d_]+)*\.?")  # words; hyphens split ("China-Russia")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass
class Countries:
    """Country names (up to five words), demonyms, regions, and the focus pair's codes and capitals."""

    focus: tuple[str, str]
    names: dict[str, str]          # lower-case name -> ISO3 (or REGION)
    codes: dict[str, str]          # case-sensitive short codes -> ISO3 (AZ, AZE, CN, UK, ...)
    firsts: dict[str, int]         # first word of a name -> the most words a name starting with it has
    basis_pattern: re.Pattern      # an agency of one of the pair, or "<country> side/customs/statistics"

    def mentions(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, ISO3) of every name in ``text[start:end]``, the longest name at each word."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, start, end)]
        out, i = [], 0
        while i < len(words):
            first = _POSSESSIVE.sub("", words[i][2].lower().rstrip("."))
            longest = self.firsts.get(first, 0)
            found = None
            for n in range(min(longest, len(words) - i), 0, -1):
                chunk = words[i:i + n]
                if n > 1 and any(chunk[k + 1][0] - chunk[k][1] > 2 for k in range(n - 1)):
                    continue
                key = " ".join(w[2] for w in chunk)
                code = self.names.get(_POSSESSIVE.sub("", key.lower().rstrip(".")))
                if code:
                    found = (chunk[0][0], chunk[-1][1], code, n)
                    break
            if found is None:
                w = words[i][2]
                code = self.codes.get(w) or self.codes.get(w.rstrip(".")) or self.codes.get(_POSSESSIVE.sub("", w.rstrip(".")))
                if code:
                    found = (words[i][0], words[i][1], code, 1)
            if found:
                out.append(found[:3])
                i += found[3]
            else:
                i += 1
        return out

    def code_of(self, word: str) -> str | None:
        word = word.strip()
        return self.codes.get(word) or self.names.get(_POSSESSIVE.sub("", word.lower().rstrip(".")))


@lru_cache(maxsize=8)
def countries_for(focus: tuple[str, str], reference: str | None = None) -> Countries:
    """Names from ``raw/reference/country_names.csv`` (plain names of countries), short and ISO codes
    of the focus pair, their capitals (``country-codes.csv``), a few demonyms, and regions."""
    from orchestration.constants import REPO_ROOT

    ref = Path(reference) if reference else REPO_ROOT / "raw" / "reference"
    names: dict[str, str] = {}
    with open(ref / "country_names.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["name"].strip()
            if row["entity_type"] == "country" and re.fullmatch(r"[A-Za-zÀ-ÿ' .\-]{4,}", name) and "(" not in name:
                names[name.lower()] = row["code"]
    for word, code in DEMONYMS.items():
        names.setdefault(word, code)
    codes: dict[str, str] = {k: v for k, v in SHORT_NAMES.items()}
    with open(ref / "country-codes.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            iso3 = row.get("ISO3166-1-Alpha-3") or ""
            if iso3 in focus:
                codes[iso3] = iso3
                if row.get("ISO3166-1-Alpha-2"):
                    codes[row["ISO3166-1-Alpha-2"]] = iso3
                if row.get("Capital"):
                    names[row["Capital"].strip().lower()] = iso3
                if row.get("CLDR display name"):
                    names[row["CLDR display name"].strip().lower()] = iso3
    for region in REGIONS:
        names[region] = "REGION"
    agencies = [a for code in focus for a in AGENCIES.get(code, ())]
    agency_alternatives = "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True)) or "(?!)"
    basis = re.compile(
        r"(?<![\w])(?P<agency>" + agency_alternatives + r")(?![\w])"
        r"|(?P<who>[^\W\d_]+)(?:['’]s)?\s+(?:official\s+)?(?:side|customs|statistics|statistical data|official statistics)\b",
        re.I,
    )
    agency_codes = {a: code for code in focus for a in AGENCIES.get(code, ())}
    names.update({f"\0agency:{a}": c for a, c in agency_codes.items()})
    firsts: dict[str, int] = {}
    for name in names:
        if not name.startswith("\0"):
            parts = name.split()
            firsts[parts[0]] = max(firsts.get(parts[0], 0), len(parts))
    return Countries(focus, names, codes, firsts, basis)


# ------------------------------------------------------------------------------------------------
# The text, read once
# ------------------------------------------------------------------------------------------------

class TextIndex:
    """Sentence ends, periods and document dates of a text, found once, looked up by bisection."""

    def __init__(self, text: str):
        self.text = text
        self.ends = [m.end() for m in SENTENCE_END.finditer(text)]
        self.periods = find_periods(text)
        self.period_starts = [p.start for p in self.periods]
        self.headers = [(m.start(), dt.date.fromisoformat(m.group(1))) for m in HEADER_DATE.finditer(text)
                        if _iso_ok(m.group(1))]
        self.header_starts = [h[0] for h in self.headers]
        dates = [bounds(p.period)[0] for p in self.periods if p.kind == "date"]
        self.latest_date = max(dates) if dates else None

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.ends, start)
        left = self.ends[i - 1] if i > 0 else 0
        j = bisect.bisect_left(self.ends, end)
        right = self.ends[j] if j < len(self.ends) else len(self.text)
        left, right = max(left, start - WINDOW), min(right, end + WINDOW)
        while left < start and self.text[left].isspace():
            left += 1
        while right > end and self.text[right - 1].isspace():
            right -= 1
        return left, right

    def periods_in(self, start: int, end: int) -> list[PeriodMention]:
        i = bisect.bisect_left(self.period_starts, start)
        out = []
        while i < len(self.periods) and self.periods[i].start < end:
            if self.periods[i].end <= end:
                out.append(self.periods[i])
            i += 1
        return out

    def document_date(self, at: int) -> dt.date | None:
        """The date of the document a position belongs to: the nearest 'date YYYY-MM-DD' header
        before it, else the latest full date written anywhere in the text."""
        i = bisect.bisect_right(self.header_starts, at)
        if i > 0:
            return self.headers[i - 1][1]
        return self.latest_date


def _iso_ok(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
        return True
    except ValueError:
        return False


def _clause(text: str, lo: int, hi: int, start: int, end: int, seps: str) -> tuple[int, int]:
    left = start
    while left > lo and text[left - 1] not in seps:
        left -= 1
    right = end
    while right < hi and text[right] not in seps:
        right += 1
    return left, right


# ------------------------------------------------------------------------------------------------
# Interpretation of one figure
# ------------------------------------------------------------------------------------------------

@dataclass
class Defaults:
    """What a table row (or nothing, for prose) says about the figures in it."""

    period: str = ""
    statement_date: dt.date | None = None
    basis: str = ""
    level_metric: str = ""          # the row's level metric (turnover, exports, fdi_inflow, ...)
    reporter: str = ""
    partner: str = ""
    subject: str = ""               # NOT_CORRIDOR when the row is about something else
    subject_reason: str = ""
    sources: tuple[str, ...] = ()
    row: int | None = None
    metric_override: str = ""       # for the row's value cells


def interpret(span: Span, text: str, index: TextIndex, countries: Countries, document: str,
              window: tuple[int, int] | None = None, defaults: Defaults | None = None,
              quote: tuple[int, int] | None = None, value_metric: str | None = None) -> Figure:
    """A :class:`Figure` from a span: period, metric, countries, basis and class.

    ``window``: the text that may be read for it (default: its sentence); ``quote``: the span quoted
    for it (default: the window); ``value_metric``: the metric a table column gives a value cell."""
    d = defaults or Defaults()
    a, b = countries.focus
    f = Figure(document=document, start=span.start, end=span.end, text=text[span.start:span.end], kind=span.kind,
               value=span.value, half_unit=span.half_unit, unit=span.unit, low=span.low,
               currency=span.unit if span.kind == "amount" else "", currency_stated=span.currency_stated,
               row=d.row, sources=d.sources)
    if span.low is not None:
        f.qualifier = "range"
    lo, hi = window if window else index.sentence(span.start, span.end)
    f.quote_start, f.quote_end = quote if quote else (lo, hi)
    f.quote = text[f.quote_start:f.quote_end]
    part = _clause(text, lo, hi, span.start, span.end, ";")
    clause = _clause(text, part[0], part[1], span.start, span.end, ";,()")
    before = text[max(part[0], span.start - 30):span.start]
    after = text[span.end:min(part[1], span.end + 40)]
    f.part_start, f.part_end = part
    if not f.qualifier:
        f.qualifier, f.qualifier_text = _qualifier(before)
    doc_date = d.statement_date or index.document_date(span.start)
    mentions = [m for m in countries.mentions(text, part[0], part[1])
                if not (m[0] < span.end and span.start < m[1])
                and not re.match(r"\s*(?:dollars?|\$)", text[m[1]:m[1] + 9], re.I)]

    if value_metric is not None:
        metric_family, metric = _family(value_metric), value_metric
    else:
        metric_family, metric = _metric(span, text, part, clause, after, d)
    f.metric = metric
    if metric.endswith("_yoy_pct") and span.kind == "percent" and text[span.start] not in "+-−" and f.value > 0 \
            and FALL_WORDS.search(text[clause[0]:span.start]):
        f.value = -f.value  # "fell 1.3%", "dropped by 42.5%": a negative rate
        f.notes.append("a fall: read as negative")
    f.basis = d.basis or _basis(text[lo:hi], countries)
    _classify(f, span, text, lo, hi, part, clause, after, mentions, countries, doc_date, metric_family, d)
    _period(f, span, text, index, part, clause, (lo, hi), doc_date, d)
    if f.statistical:
        _direction(f, text, part, mentions, countries, d)
    if f.kind == "amount" and f.currency != "USD" and f.statistical:
        f.statistical, f.reason_class, f.reason = False, NOT_TRADE, f"an amount in {f.currency}; the statistics are in US dollars"
    if not f.statistical:
        f.metric = ""
    return f


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    """The last match of ``pattern`` in ``text`` (the one nearest a figure that follows it)."""
    last = None
    for last in pattern.finditer(text):
        pass
    return last


def _family(metric: str) -> str:
    if metric in LEVELS:
        return "level"
    if metric.endswith("_yoy_pct"):
        return "growth"
    for family in ("share", "rank", "companies", "agreements", "fdi", "investment"):
        if family in metric:
            return family
    return ""


def _qualifier(before: str) -> tuple[str, str]:
    for name, pattern in (("at least", AT_LEAST), ("at most", AT_MOST), ("about", ABOUT)):
        if m := pattern.search(before):
            return name, m.group().strip()
    return "", ""


def _nearest(patterns, text: str, part: tuple[int, int], start: int, end: int, allowed=None) -> str | None:
    """The name of the pattern matching nearest the figure in ``text[part]`` (before counts more)."""
    best = None
    seg = text[part[0]:part[1]]
    rel_s, rel_e = start - part[0], end - part[0]
    for order, (name, pattern) in enumerate(patterns):
        if allowed is not None and name not in allowed:
            continue
        for m in pattern.finditer(seg):
            if m.end() <= rel_s:
                distance = rel_s - m.end()
            elif m.start() >= rel_e:
                distance = 1.5 * (m.start() - rel_e)
            else:
                continue
            if best is None or (distance, order) < best[:2]:
                best = (distance, order, name)
    return best[2] if best else None


def _metric(span: Span, text: str, part, clause, after: str, d: Defaults) -> tuple[str, str]:
    """(family, metric) — family is what kind of statement it is; metric the ledger's name ('' if none).
    Words are looked for in the figure's clause first, then in the rest of its sentence part."""
    s, e = span.start, span.end

    def nearest(patterns, allowed=None):
        return _nearest(patterns, text, clause, s, e, allowed) or _nearest(patterns, text, part, s, e, allowed)

    near = text[part[0]:part[1]].lower()
    if span.kind == "measure" or span.kind == "pp":
        return "", ""
    if span.kind == "rank":
        flow = _nearest(FLOW_WORDS, text, (s, min(part[1], e + 40)), s, e) or _nearest(FLOW_WORDS, text, part, s, e) or "turnover"
        own = text[s:e].lower()
        flow = "imports" if ("import" in own or "supplier" in own) else "exports" if ("export" in own or "destination" in own or "market" in own) else flow
        return "rank", {"turnover": "partner_rank", "imports": "import_rank", "exports": "export_rank"}[flow]
    if span.kind == "count":
        noun = span.count_noun
        if noun == "active" or re.search(r"compan|enterprise|firm|business", noun):
            if noun == "active" and not re.search(r"compan|enterprise|firm|business", near):
                return "", ""
            active = noun == "active" or re.search(r"\bactive|operating", text[s:e], re.I)
            return "companies", "companies_active" if active else "companies_registered"
        if re.search(r"agreement|document|deal|contract|memorand", noun):
            return "agreements", "agreements_count"
        return "", ""
    if span.kind in ("percent", "multiple"):
        # a share of a product group in the pair's trade
        if re.search(r"\bshare of (?:\w+\s+){0,3}?(?:" + "|".join(PRODUCTS) + r")", near):
            return "share", "product_share_pct"
        signed = text[s] in "+-−" or span.kind == "multiple"
        of = re.match(r"\s*(?:of|of the|of its)\s+(.{0,40})", after, re.I | re.S)
        family = "growth" if signed else None
        if family is None and of:
            family = "share"
        if family is None:
            family = nearest(METRIC_WORDS, allowed=("growth", "share"))
        if family is None:
            return "", ""
        if family == "share":
            target = (of.group(1) if of else "") + " " + near
            if of and re.search(r"\bfdi\b|invest", of.group(1), re.I) or (not of and re.search(r"\bfdi\b", near)):
                return "share", "fdi_share_pct"
            if of and re.search(r"\bgdp\b", of.group(1), re.I):
                return "", ""
            flow = nearest(FLOW_WORDS) if not of else (
                "imports" if re.search(r"import", of.group(1), re.I) else "exports" if re.search(r"export", of.group(1), re.I)
                else "turnover" if re.search(r"trade|turnover", target, re.I) else None)
            if flow is None:
                return "", ""
            return "share", {"turnover": "partner_share_pct", "imports": "import_share_pct", "exports": "export_share_pct"}[flow]
        level = nearest(FLOW_WORDS[:2])
        if level is None:
            level = d.level_metric if d.level_metric in LEVELS else ("turnover" if re.search(r"trade|turnover", near) or d.level_metric else None)
        if level is None:
            return "growth", ""
        return "growth", f"{level}_yoy_pct"
    # amounts
    family = nearest(METRIC_WORDS, allowed=AMOUNT_FAMILIES)
    if d.metric_override:
        return "level", d.metric_override
    if family is None:
        if d.level_metric:
            return "level", d.level_metric
        return "", ""
    if family == "fdi":
        if re.search(r"cumulative|total", near):
            return "investment", "investment_total"
        return "fdi", "fdi_stock" if re.search(r"\bstock|position", near) else "fdi_inflow"
    if family == "investment":
        if d.level_metric.startswith("fdi") and not re.search(r"cumulative", near):
            return "fdi", d.level_metric
        return "investment", "investment_total"
    if family == "agreements":
        return "agreements", "agreements_value"
    return "level", family


def _basis(sentence: str, countries: Countries) -> str:
    """Whose statistics a sentence says it uses: an agency of one of the pair, or "<country>'s
    customs / side / statistics" (the first one named)."""
    for m in countries.basis_pattern.finditer(sentence):
        if m.group("agency"):
            code = countries.names.get("\0agency:" + m.group("agency").lower())
        else:
            code = countries.code_of(m.group("who"))
        if code in countries.focus:
            return code
    return ""


def _classify(f: Figure, span: Span, text: str, lo: int, hi: int, part, clause, after: str, mentions,
              countries: Countries, doc_date, family: str, d: Defaults) -> None:
    sent_before = text[lo:span.start]
    clause_text = text[clause[0]:clause[1]]
    clause_before = text[clause[0]:span.start]
    baseline = bool(re.match(r"\s*(?:\(\s*\d{4}\s*\)\s*)?(?:in\s+\d{4}\s+)?to\s+[+\-−]?\d", after)) and bool(
        re.search(r"\bfrom\s*$", text[max(lo, span.start - 12):span.start], re.I))
    doc_year = doc_date.year if doc_date else None
    by_year = re.match(r"\s*(?:[\w’'-]+\s+){0,4}?by\s+(\d{4})\b", after)
    future_bracket = re.match(r"\s*\(\s*(\d{4})\s*\)", after)

    def no(reason_class: str, reason: str) -> None:
        f.statistical, f.reason_class, f.reason = False, reason_class, reason

    if not baseline:
        if m := _last(TARGET_WORDS, sent_before):
            return no(TARGET, f"'{m.group()}' before it")
        if m := PROPOSAL_START.match(text[lo:span.start]):
            return no(TARGET, f"a proposal ('{m.group().strip()}')")
        if by_year and (doc_year is None or int(by_year.group(1)) >= doc_year):
            return no(TARGET, f"'by {by_year.group(1)}'")
        if m := _last(FORECAST_WORDS, clause_before):
            return no(FORECAST, f"'{m.group()}' before it")
        if future_bracket and doc_year and int(future_bracket.group(1)) > doc_year:
            return no(FORECAST, f"a later year ({future_bracket.group(1)})")
    if d.subject == NOT_CORRIDOR:
        return no(NOT_CORRIDOR, d.subject_reason)
    a, b = countries.focus
    # not about the corridor
    local = [m for m in mentions if clause[0] - 60 <= m[0] <= clause[1] + 20] if f.row is None else mentions
    codes = {m[2] for m in local}
    others = sorted(c for c in codes - {a, b, "REGION", ""})
    if others and not {a, b} <= codes:
        return no(NOT_CORRIDOR, "about " + ", ".join(others))
    pair = re.search(r"\b(\w+)[-–](\w+)\s+(?:trade|goods|transit)", clause_text)
    if pair:
        x, y = countries.code_of(pair.group(1)), countries.code_of(pair.group(2))
        if x and y and {x, y} != {a, b}:
            return no(NOT_CORRIDOR, f"about {pair.group(1)}-{pair.group(2)} trade")
    if m := SCOPE_WORDS.search(clause_text):
        return no(NOT_CORRIDOR, f"'{m.group()}'")
    if family == "level" and TOTAL_WORDS.search(clause_text) and len(codes & {a, b}) <= 1 and f.row is None:
        return no(NOT_CORRIDOR, "a country's total")
    product = next((p for p in PRODUCTS if p in clause_text.lower()), None)
    if family == "level" and product and not ({a, b} <= codes):
        return no(NOT_CORRIDOR, f"a product's exports ('{product.strip()}'), no partner named")
    # not a trade statistic
    if span.kind == "measure":
        return no(NOT_TRADE, "a measure, not a trade value")
    if span.kind == "pp":
        return no(NOT_TRADE, "a change in percentage points")
    if family not in ("companies", "agreements", "rank"):
        # the word of another domain nearest the figure (after it counts 1.5 times its distance)
        words = [(span.start - (clause[0] + m.end()) if clause[0] + m.end() <= span.start
                  else 1.5 * (clause[0] + m.start() - span.end), m.group())
                 for m in NOT_TRADE_WORDS.finditer(clause_text)]
        if words:
            return no(NOT_TRADE, f"'{min(words)[1]}'")
    if not f.metric:
        return no(NOT_TRADE, NO_TRADE_WORD)
    f.statistical = True


def _period(f: Figure, span: Span, text: str, index: TextIndex, part, clause, sentence, doc_date, d: Defaults) -> None:
    """The period: stated beside the figure, else in its clause or sentence, else the row's, else
    the document date (stocks, agreements, 'currently'), else the nearby sentences', else the last full
    year before the document."""
    stock = f.metric.startswith(("companies", "investment_total")) or f.metric == "fdi_stock"
    count_stock = f.metric.startswith("companies")
    s, e = span.start, span.end
    mentions = [p for p in index.periods_in(part[0], part[1]) if not (p.start >= s and p.end <= e)]

    def base(p: PeriodMention) -> bool:  # "vs 2021", "compared with 2022": the base of a comparison
        return bool(PREVIOUS_YEAR_BASE.search(text[max(part[0], p.start - 16):p.start]))

    right_after = [p for p in mentions if p.start >= e and re.fullmatch(
        r"[\s,(]*(?:(?:in|for|during|as of|at end-|at the end of|of)\s+)?(?:the\s+)?", text[e:p.start], re.I)
        and p.start - e <= 20 and not base(p)]
    chosen = right_after[0] if right_after else None
    source = "stated"
    if chosen is None:
        before = [p for p in mentions if p.end <= s and not base(p) and not (p.kind == "date" and not stock)]
        # after it: in its own clause (or a year in brackets closing it), and not a deadline ("by 2030")
        clause_end = clause[1]
        if m := re.match(r"\(\s*\d{4}\s*\)", text[clause_end:clause_end + 8]):
            clause_end += m.end()
        after = [p for p in mentions if e <= p.start < clause_end and not base(p)
                 and not (p.kind == "date" and not stock) and not re.search(r"\bby\s*$", text[e:p.start])]
        chosen = before[-1] if before else (after[0] if after else None)
    if chosen is None and not d.period:
        wider = [p for p in index.periods_in(sentence[0], s) if not base(p) and p.kind != "date"]
        if wider:
            chosen = wider[-1]
    if chosen is not None:
        f.period, f.period_source = chosen.period, source
        return
    # a stock said "currently", or with no period: as of the document's (the statement's) date;
    # in a table, company counts take the statement's date, other figures the row's period
    if stock and (count_stock or not d.period) and (d.statement_date or doc_date):
        day = d.statement_date or doc_date
        f.period, f.period_source = day.isoformat(), "document date"
        return
    if f.metric.startswith("agreements") and (d.statement_date or doc_date) and not d.period:
        day = d.statement_date or doc_date
        f.period, f.period_source = f"{day.year:04d}-{day.month:02d}..{day.year:04d}-{day.month:02d}", "document date"
        return
    if d.period:
        f.period, f.period_source = d.period, "row"
        return
    # the nearest period of the two sentences before, else the last full year before the document
    lo = max(0, sentence[0] - 2 * WINDOW)
    earlier = [p for p in index.periods_in(lo, sentence[0]) if p.kind != "date"]
    ends_between = bisect.bisect_left(index.ends, sentence[0]) - bisect.bisect_right(index.ends, earlier[-1].end) if earlier else 99
    if earlier and ends_between <= 2:
        f.period, f.period_source = earlier[-1].period, "nearby"
        return
    if doc_date and f.kind in ("amount", "percent", "multiple", "rank"):
        f.period, f.period_source = str(doc_date.year - 1), "last full year before the document"


def _direction(f: Figure, text: str, part, mentions, countries: Countries, d: Defaults) -> None:
    """Reporter and partner by the ledger's conventions."""
    a, b = countries.focus
    f.reporter, f.partner = d.reporter or a, d.partner or b
    seg = text[part[0]:part[1]]
    rel = f.start - part[0]
    metric = f.metric
    flow = "exports" if "export" in metric else "imports" if "import" in metric else ""
    # arrows: AZE->CHN, China->AZ, AZE<-CHN (the nearest one before the figure, else after)
    arrows = [m for m in ARROW.finditer(seg)]
    if arrows:
        m = min(arrows, key=lambda m: (m.start() > rel, abs(m.start() - rel)))
        x, y = countries.code_of(m.group("a")), countries.code_of(m.group("b"))
        if x in (a, b) and y in (a, b) and x != y:
            src, dst = (x, y) if m.group("op") in ("->", "→") else (y, x)
            if metric.startswith(("fdi", "investment")):
                f.reporter, f.partner = dst, src        # host, origin
            elif flow == "imports":
                f.reporter, f.partner = dst, src
            elif flow == "exports":
                f.reporter, f.partner = src, dst
            return
    if metric.startswith(("fdi", "investment")):
        m = re.search(r"(\w+)\s+invest\w*\s+in\s+(\w+)", seg)
        if m:
            origin, host = countries.code_of(m.group(1)), countries.code_of(m.group(2))
            if origin in (a, b) and host in (a, b) and origin != host:
                f.reporter, f.partner = host, origin
        return
    if not flow:
        return
    found = list(re.finditer(rf"{flow[:-1]}\w*\s+(?:\w+\s+){{0,2}}?(to|from)\s+(\w+)", seg, re.I))
    m = found[-1] if found else None
    if m:
        c = countries.code_of(m.group(2))
        if c in (a, b):
            other = b if c == a else a
            f.reporter, f.partner = other, c
            return
    m = re.search(rf"(\w+)['’]s\s+(?:\w+\s+)?{flow[:-1]}", seg, re.I)
    if m:
        c = countries.code_of(m.group(1))
        if c in (a, b):
            f.reporter, f.partner = c, (b if c == a else a)


# ------------------------------------------------------------------------------------------------
# Documents: prose and tables
# ------------------------------------------------------------------------------------------------

ANAPHORA = _W(r"\b(?:it|this|that)\b", re.I)
NO_TRADE_WORD = "no trade word says what it measures"


def read_text(text: str, document: str, countries: Countries) -> list[Figure]:
    """Every figure of a prose text, interpreted. A figure no trade word explains whose sentence
    says "it" / "this" / "that" takes the metric of the statistical figure of the same kind just
    before it ("In 2019 trade exceeded USD 2 billion. In 2018 it was nearly USD 1.4 billion.")."""
    index = TextIndex(text)
    out: list[Figure] = []
    for s in spans(text):
        f = interpret(s, text, index, countries, document)
        if not f.statistical and f.reason == NO_TRADE_WORD:
            prev = next((p for p in reversed(out) if p.statistical and p.kind == f.kind), None)
            lo, _hi = index.sentence(s.start, s.end)
            if prev is not None and s.start - prev.end <= WINDOW and ANAPHORA.search(text[lo:s.start]):
                f = interpret(s, text, index, countries, document, value_metric=prev.metric)
        out.append(f)
    return out


def _cells(line: str) -> list[tuple[int, int]]:
    """(start, end) of each cell's content in a CSV line (quotes excluded)."""
    out, i, n = [], 0, len(line)
    while i <= n:
        if i < n and line[i] == '"':
            j = i + 1
            while j < n:
                if line[j] == '"' and (j + 1 >= n or line[j + 1] != '"'):
                    break
                j += 2 if line[j] == '"' else 1
            out.append((i + 1, j))
            i = j + 1
            while i < n and line[i] != ",":
                i += 1
            i += 1
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            out.append((i, j))
            i = j + 1
    return out


HEADER_UNITS = [(r"usd_bn|bn_usd", 1e9), (r"usd_mn|mn_usd|usd_million", 1e6), (r"usd_k|thousand", 1e3), (r"usd", 1.0)]


def _header_metric(header: str) -> str:
    h = header.lower()
    if re.search(r"yoy|growth", h):
        return "growth"
    if re.search(r"share", h):
        return "share"
    if re.search(r"rank", h):
        return "rank"
    if re.search(r"fdi|invest", h):
        return "fdi_inflow" if "inflow" in h or "fdi" in h else "investment_total"
    if re.search(r"export", h):
        return "exports"
    if re.search(r"import", h):
        return "imports"
    if re.search(r"trade|turnover", h):
        return "turnover"
    if re.search(r"compan|firm", h):
        return "companies_registered"
    return ""


def read_table(text: str, document: str, countries: Countries) -> list[Figure]:
    """Every figure of a CSV file of quoted figures: value cells read with their column's unit and
    metric, text cells read like prose; each row gives its period, statement date, basis, subject
    and URL to the figures in it."""
    index = TextIndex(text)
    lines = text.split("\n")
    header_cells = _cells(lines[0].rstrip("\r")) if lines else []
    header = [lines[0][s:e].strip().lower() for s, e in header_cells]
    figures: list[Figure] = []
    offset = len(lines[0]) + 1
    for line_no, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        base = offset
        offset += len(raw) + 1
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) > len(header) and header:
            url_at = next((i for i, name in enumerate(header) if "url" in name), len(header) - 1)
            extra = len(cells) - len(header)
            merged = (cells[url_at - 1][0], cells[url_at - 1 + extra][1])
            cells = cells[:url_at - 1] + [merged] + cells[url_at + extra:]
        values = {header[i]: line[s:e] for i, (s, e) in enumerate(cells[:len(header)])}
        d = _row_defaults(values, header, countries, document, line_no)
        for i, (s, e) in enumerate(cells[:len(header)]):
            name, cell = header[i], line[s:e]
            if not cell.strip() or _is_meta_column(name) or cell.strip().startswith("http"):
                continue
            start = base + s
            span = _value_cell(name, cell, start, values, d)
            if span is not None:
                metric = _value_metric(name, span, d)
                figures.append(interpret(span, text, index, countries, document, (base + s, base + e), d,
                                         quote=(base, base + len(line)), value_metric=metric))
                continue
            if name in ("metric", "unit") or re.fullmatch(r"[\d.,\s]+", cell):
                continue
            cell_defaults = d if not _is_basis_column(name) else None
            if cell_defaults is None:
                continue
            for sp in _spans_in(text, base + s, base + e):
                figures.append(interpret(sp, text, index, countries, document, (base + s, base + e), d,
                                         quote=(base, base + len(line))))
    return figures


def _spans_in(text: str, start: int, end: int) -> list[Span]:
    out = []
    for sp in spans(text[start:end]):
        sp.start += start
        sp.end += start
        out.append(sp)
    return out


def _value_metric(name: str, span: Span, d: Defaults) -> str:
    """The metric of a value cell: its column's (or the row's metric column's), growth of the row's level."""
    level = d.metric_override or d.level_metric
    if span.kind == "percent":
        kind = _header_metric(name) if name != "value" else ("growth" if level.endswith("_yoy_pct") else "")
        if kind == "share":
            return "fdi_share_pct" if level.startswith(("fdi", "investment")) else "partner_share_pct"
        if level.endswith("_yoy_pct"):
            return level
        return f"{level}_yoy_pct" if level in LEVELS else ""
    if span.kind == "count":
        return "companies_registered"
    return (d.metric_override or _header_metric(name) if name != "value" else level) or level


def _is_meta_column(name: str) -> bool:
    return name in ("period", "year", "url", "published", "page_date", "date", "speaker_or_source",
                    "speaker_or_outlet", "source_country", "country", "origin", "partner", "reporter")


def _is_basis_column(name: str) -> bool:
    return "basis" in name or "side" in name


def _value_cell(name: str, cell: str, start: int, values: dict, d: Defaults) -> Span | None:
    unit_text = values.get("unit", "")
    if name == "value" or re.search(r"usd|pct|share|yoy|value|count|number", name):
        try:
            n = read_number(cell.strip())
        except ValueError:
            return None
        lead = len(cell) - len(cell.lstrip())
        s, e = start + lead, start + lead + len(cell.strip())
        source = (unit_text if name == "value" else name).lower()
        if re.search(r"pct|percent|share|yoy|%", source):
            return Span("percent", s, e, n.value, n.half_unit, "percent")
        for pattern, scale in HEADER_UNITS:
            if re.search(pattern, source.replace(" ", "_")):
                return Span("amount", s, e, n.value * scale, n.half_unit * scale, "USD")
        if re.search(r"count|number|compan", source):
            return Span("count", s, e, n.value, 0.5, "count", count_noun="companies")
    return None


def _row_defaults(values: dict, header: list[str], countries: Countries, document: str, line_no: int) -> Defaults:
    a, b = countries.focus
    d = Defaults(row=line_no)
    period_cell = values.get("period") or values.get("year") or ""
    d.period = read_period(period_cell) or ""
    d.statement_date = read_date(values.get("published") or values.get("page_date") or values.get("date") or "")
    urls = [v.strip() for v in values.values() if v.strip().startswith("http")]
    d.sources = tuple(urls) + (f"{Path(document).name}#line{line_no}",)
    basis_text = " ".join(v for k, v in values.items() if _is_basis_column(k))
    d.basis = _table_basis(basis_text, countries)
    # the row's level metric: from a 'metric' column, else from the value columns' headers
    metric_text = values.get("metric", "")
    if metric_text:
        d.level_metric = _metric_from_label(metric_text)
        arrow = ARROW.search(metric_text)
        if arrow:
            x, y = countries.code_of(arrow.group("a")), countries.code_of(arrow.group("b"))
            if x in (a, b) and y in (a, b):
                src, dst = (x, y) if arrow.group("op") in ("->", "→") else (y, x)
                if d.level_metric.startswith(("fdi", "investment")) or d.level_metric == "imports":
                    d.reporter, d.partner = dst, src
                else:
                    d.reporter, d.partner = src, dst
        if re.search(r"\btotal\b", metric_text, re.I) or re.search(r"\bin\s+(?:the\s+)?[A-Z][a-z]+\s+[A-Z]", metric_text):
            d.subject, d.subject_reason = NOT_CORRIDOR, f"the row is about '{metric_text.strip()}'"
        elif not {x for x in (countries.code_of(t) for t in re.findall(r"[A-Za-z]+", metric_text)) if x} & {a, b}:
            if re.search(r"[A-Z]{3}", metric_text):
                d.subject, d.subject_reason = NOT_CORRIDOR, f"the row is about '{metric_text.strip()}'"
    else:
        for name in header:
            m = _header_metric(name)
            if m and m not in ("growth", "share", "rank"):
                d.level_metric = m
                break
    # a row about one flow only ("AZ exports to CN only")
    only = re.search(r"(\w+)\s+(exports|imports)\s+(?:to|from)\s+(\w+)\s+only", basis_text, re.I)
    if only:
        d.metric_override = only.group(2).lower()
        x, y = countries.code_of(only.group(1)), countries.code_of(only.group(3))
        if x in (a, b) and y in (a, b):
            d.reporter, d.partner = x, y
    # the origin/partner column: a third country, a total, or the pair
    for key in ("source_country", "country", "origin", "partner"):
        if values.get(key, "").strip():
            name = values[key].strip()
            code = countries.code_of(name) or ("WLD" if name.lower() in ("total", "world", "all") else None)
            if code not in (a, b):
                d.subject, d.subject_reason = NOT_CORRIDOR, f"the row is about {name}"
    return d


def _metric_from_label(label: str) -> str:
    low = label.lower()
    if "fdi" in low or "invest" in low:
        if "cumulative" in low or "total" in low:
            return "investment_total"
        return "fdi_stock" if "stock" in low or "position" in low else "fdi_inflow"
    flow = "exports" if "export" in low else "imports" if "import" in low else "turnover" if re.search(r"turnover|trade", low) else ""
    if flow and re.search(r"growth|yoy|y/y", low):
        return f"{flow}_yoy_pct"
    return flow


def _table_basis(text: str, countries: Countries) -> str:
    if not text.strip() or re.fullmatch(r"\s*(?:unclear|unknown|n/?a)\s*", text, re.I):
        return ""
    found = []
    for m in re.finditer(r"[A-Za-z]+", text):
        code = countries.code_of(m.group())
        if code in countries.focus:
            found.append((m.start(), code))
    low = text.lower()
    for code in countries.focus:
        for agency in AGENCIES.get(code, ()):
            i = low.find(agency)
            if i >= 0:
                found.append((i, code))
    return min(found)[1] if found else ""


def read_document(path: Path, countries: Countries) -> tuple[str, list[Figure]]:
    """(text, figures) of a file: CSV files as tables, anything else as prose."""
    text = Path(path).read_text(encoding="utf-8")
    name = Path(path).name
    if Path(path).suffix.lower() == ".csv" and _looks_like_table(text):
        return text, read_table(text, name, countries)
    return text, read_text(text, name, countries)


def _looks_like_table(text: str) -> bool:
    try:
        sample = list(csv.reader(io.StringIO(text[:4000])))
    except csv.Error:
        return False
    return len(sample) >= 2 and len(sample[0]) >= 2
