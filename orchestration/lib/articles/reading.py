"""Reading numbers as people write them, and finding every figure in a text in one pass.

Supported forms (anything else is not read as a figure):

* digits: ``3744``, ``3.744``; thousands grouped by commas (``3,744``, ``19,700,022.11``), by
  spaces — plain, no-break or thin (``3 744``, ``21 000``) — or by dots in two or more groups
  (``1.234.567``); a decimal comma when the comma is not followed by exactly three digits
  (``20,7 %``, ``1,5 bn``). ``3,744`` is three thousand seven hundred and forty-four (the English
  reading); write ``3,744 %`` and it still is.
* scales: thousand / k, million / mn / mln / mio / m, billion / bn / bln / b, milliard / mlrd / mrd,
  trillion / tn; spelled out or stuck to the number (``$3.7bn``, ``0.85bn``), also as an editor's
  insert in brackets (``$1.3 [billion]``). ``m`` and ``b`` only when stuck to the number or after a
  currency (``5 m²`` and ``7 Min Read`` are not amounts).
* currencies before (``USD 3.7 bn``, ``USD3,744 million``, ``US$ 1.3 billion``, ``$821 million``,
  ``AZN``, ``₼``, ``RMB``, ``CNY``, ``¥``, ``EUR``, ``€``) or after (``2.46 billion US dollars``,
  ``0.769 bn USD``, ``1 billion manat``, ``6 billion yuan``). A scaled amount with no currency
  (``0.85bn``) is read as US dollars and says so (``currency: unstated``).
* percentages: ``%``, ``percent``, ``per cent``, ``pct`` (also ``[percent]``), signed (``+26.2%``,
  ``−3 %``), ranges (``15-20%``); percentage points (``pp``, ``p.p.``, ``percentage points``).
* multiples: ``x2.1``, ``2.1 times``, ``3-fold`` (a growth of (n − 1) × 100 %).
* fractions in words before "of": ``a fifth of``, ``one third of``, ``two thirds of``, ``a quarter
  of``, ``nearly half of`` — read as a percentage with half a unit of 2.5 points (so "a fifth" is
  17.5–22.5 %). "The first quarter of" and "the first half of" are periods, not fractions.
* ranks: ordinals with largest / biggest / leading or before partner / source / market / supplier
  (``fourth-largest``, ``4th partner``, ``third trading partner``, ``first import source``,
  ``ranks 4th``).
* counts: a number or number word (one … twenty, thirty … ninety, a hundred, a dozen) before up to
  four words and companies, enterprises, firms, businesses, agreements, documents, deals, contracts,
  memoranda (a number word only before words that describe the counted thing: not "two sides signed
  agreements"); ``298 active`` beside such a noun.
* measures (read so that they can be listed as not checked): kilometres, miles, tons, MW/GW,
  hectares, containers, TEU, m³, people, jobs, hours, years, … with up to four words between.

Not figures: years and dates, times of day, identifiers (``5G``, ``IPv6``, ``1536x1024``).
Every figure's ``text`` is exactly ``source[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEP_SPACE = " \u00a0\u202f\u2009"
# a number: grouped thousands (comma, space, or 2+ dot groups), else digits with one decimal mark
NUM_CORE = (
    r"(?:"
    r"\d{1,3}(?:(?:,\d{3})+|(?:[ \u00a0\u202f\u2009]\d{3})+|(?:\.\d{3}){2,})(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?"
    r")(?![\d])"
)
NUM = r"(?<![\w.,])" + NUM_CORE  # not inside a word or a longer number
SCALE_WORDS = {
    "thousand": 1e3, "thousands": 1e3, "k": 1e3,
    "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "mio": 1e6, "m": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9, "milliard": 1e9, "milliards": 1e9,
    "mlrd": 1e9, "mrd": 1e9,
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}
_SCALE_LONG = r"trillion|tn|trn|billions?|bn|bln|milliards?|mlrd|mrd|millions?|mn|mln|mio|thousands?"
_SCALE_SHORT = r"m|b|k"
SCALE_SPACED = rf"(?:\[\s*)?(?P<scale>{_SCALE_LONG})\b(?:\s*\])?"
SCALE_STUCK = rf"(?P<scale>{_SCALE_LONG}|{_SCALE_SHORT})(?![\w²³])"
CUR_BEFORE = r"(?P<cur>US\s?\$|U\.S\.\s?\$|USD|\$|AZN|₼|RMB|CNY|¥|EUR|€)"
CUR_AFTER = r"(?P<cur2>US\s+dollars?|U\.S\.\s+dollars?|dollars?|USD|manats?|AZN|yuan|renminbi|RMB|CNY|euros?|EUR)\b"
CURRENCIES = {
    "us$": "USD", "u.s.$": "USD", "usd": "USD", "$": "USD", "us dollars": "USD", "us dollar": "USD",
    "u.s. dollars": "USD", "u.s. dollar": "USD", "dollars": "USD", "dollar": "USD",
    "azn": "AZN", "₼": "AZN", "manat": "AZN", "manats": "AZN",
    "rmb": "CNY", "cny": "CNY", "¥": "CNY", "yuan": "CNY", "renminbi": "CNY",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR",
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a hundred": 100, "a dozen": 12,
}
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                 "eighth": 8, "ninth": 9, "tenth": 10}
FRACTIONS = {"half": 50.0, "third": 100 / 3, "quarter": 25.0, "fifth": 20.0, "sixth": 100 / 6,
             "seventh": 100 / 7, "eighth": 12.5, "ninth": 100 / 9, "tenth": 10.0}
FRACTION_HALF_UNIT = 2.5  # percentage points either side of a fraction written in words

COUNT_NOUNS = r"compan(?:y|ies)|enterprises?|firms?|businesses|agreements?|documents?|deals?|contracts?|memorand(?:a|ums?)"
# words that cannot stand between a number word and the noun it counts ("two sides signed agreements")
_NOT_BETWEEN = r"(?!(?:sides?|countries|parties|heads|leaders|states|nations|presidents|signed|agreed|reached|have|has|had|were|was|are|is|will|the|of|and|to|on)\b)"
MEASURE_NOUNS = (
    r"kilomet(?:er|re)s?|km|miles?|tons?|tonnes?|MW|GW|kW|TWh|GWh|MWh|hectares?|ha|containers?|TEUs?|"
    r"m³|cubic\s+met(?:er|re)s?|barrels?|people|persons|passengers|jobs|workers|experts|officers|specialists|"
    r"students|hours?|days|weeks|months|years|measures|areas|bridges|tunnels|vehicles|trains|flights|"
    r"ports|terminals|Min\s+Read"
)
_ORD = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))"
_NUMWORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred|a dozen)"
_WORDS = r"(?:(?!\d)[\w’'\-/]+\s+){0,4}?"  # up to four words (not numbers) between a number and its noun

# One pass over the text: the alternatives are tried left to right at each position.
FIGURE_RE = re.compile(
    "|".join([
        # amounts, currency first: USD 3.744 billion, US$ 1.3 bn, $1.3 [billion], USD3,744 million, $3.7bn
        rf"(?P<a1>(?<![\w]){CUR_BEFORE}\s?(?P<n1>{NUM_CORE})(?:(?:\s*{SCALE_SPACED.replace('scale', 's1')})|{SCALE_STUCK.replace('scale', 's1b')})?)",
        # amounts, currency after: 2.46 billion US dollars, 0.769 bn USD, 1 billion manat, 19,700,022.11 USD
        rf"(?P<a2>(?P<n2>{NUM})(?:\s*{SCALE_SPACED.replace('scale', 's2')}|{SCALE_STUCK.replace('scale', 's2b')})?\s*{CUR_AFTER})",
        # percentage ranges and percentages: 15-20%, +26.2%, 20,7 %, 40 [percent]
        rf"(?P<pr>(?P<pr1>{NUM})\s?[-–]\s?(?P<pr2>{NUM})\s?(?:%|percent\b|per\s?cent\b))",
        rf"(?P<p>(?:(?<![\w.])(?P<sign>[+\-−]))?\s?(?P<pn>{NUM})\s?(?:\[\s*)?(?P<pu>%|percent\b|per\s?cent\b|pct\b|percentage\s+points?\b|p\.p\.|pp\b)(?:\s*\])?)",
        # multiples: x2.1, 2.1 times, 3-fold
        rf"(?P<x>(?<![\w.])[x×]\s?(?P<xn1>{NUM_CORE})\b|(?P<xn2>{NUM})[\s-]?(?:times|fold)\b)",
        # fractions in words: a fifth of, two thirds of, nearly half of
        r"(?P<fr>\b(?:(?P<frn>a|one|two|three)[\s-](?P<frd>half|third|quarter|fifth|sixth|seventh|eighth|ninth|tenth)s?|"
        r"\b(?:nearly|almost|around|roughly|over|about)\s+(?P<frh>half))\s+of\b)",
        # ranks: fourth-largest, 4th partner, first import source, ranks 4th
        rf"(?P<r1>\b(?P<o1>{_ORD})[\s-](?:largest|biggest|leading|main)\b)",
        rf"(?P<r2>\b(?P<o2>{_ORD})\s+(?:(?:largest|biggest|main|leading|most\s+important)\s+)?(?:trade\s+|trading\s+|import\s+|export\s+|commercial\s+|economic\s+)?(?:partner|source|market|supplier|destination)s?\b)",
        rf"(?P<r3>\branks?\s+(?:as\s+)?(?:the\s+)?(?P<o3>{_ORD})\b)",
        # amounts with a scale but no currency: 0.85bn, 2.18 bn, 1.3 bln (not 2 million tons)
        rf"(?P<a3>(?P<n3>{NUM})(?:\s*{SCALE_SPACED.replace('scale', 's3')}|{SCALE_STUCK.replace('scale', 's3b')})(?!\s*(?:of\s+)?(?:{MEASURE_NOUNS})\b)(?![\w-]))",
        # counts: 375 Chinese-invested companies, ten new cooperation agreements, 298 active
        rf"(?P<c>(?:(?P<cn>{NUM})\s+{_WORDS}|\b(?P<cw>{_NUMWORD})\s+(?:{_NOT_BETWEEN}(?!\d)[\w’'\-/]+\s+){{0,3}}?)(?P<cnoun>{COUNT_NOUNS})\b)",
        rf"(?P<ca>(?P<can>{NUM})\s+(?:active|actively\s+operating|operating)\b)",
        # measures: 21,000 kilometers, 100 MW, 2 million tons/year, 5-7 years, 72-hour, 1GW
        rf"(?P<m>(?P<mn>{NUM})(?:\s?[-–]\s?{NUM})?(?:\s*(?:{_SCALE_LONG})\b)?[\s-]?{_WORDS}(?:{MEASURE_NOUNS})(?:/\w+)?(?![\w]))",
        rf"(?P<mh>(?P<mhn>{NUM})-(?:hour|day|week|month|year)\b)",
    ]),
    re.IGNORECASE,
)
YEAR_RE = re.compile(r"^(?:19[5-9]\d|20[0-4]\d)$")
# Where a figure can start: a digit, a sign or currency symbol, or a word that opens one. The big
# pattern is tried only there (re's alternation has no first-character index: trying it at every
# position costs ~2 s per MB).
FIGURE_STARTS = re.compile(
    r"(?<![\w.,])\d|[$€¥₼×+\-−]|(?<![\w])(?:"
    r"us|u\.s|usd|azn|rmb|cny|eur|x(?=\s?\d)"
    r"|(?:a|one|two|three)(?=[\s-](?:half|third|quarter|fifth|sixth|seventh|eighth|ninth|tenth))"
    r"|(?:nearly|almost|around|roughly|over|about)(?=\s+half)"
    r"|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred|a dozen|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|ranks?)(?![a-z]))",
    re.IGNORECASE,
)


def scan(pattern: re.Pattern, starts: re.Pattern, text: str, start: int = 0, end: int | None = None):
    """``pattern.finditer`` tried only where ``starts`` finds a possible first character: the same
    leftmost, non-overlapping matches when every match starts where ``starts`` matches."""
    end = len(text) if end is None else end
    last = start
    for c in starts.finditer(text, start, end):
        p = c.start()
        if p < last:
            continue
        m = pattern.match(text, p, end)
        if m is not None and m.end() > m.start():
            yield m
            last = m.end()


@dataclass
class Number:
    value: float
    half_unit: float   # half a unit of the last written digit, in the same unit as value
    written: str


def read_number(text: str) -> Number:
    """The value of a number as written (see the module doc for the forms); ValueError if none."""
    s = text.strip().replace("\u2212", "-")
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    for sep in SEP_SPACE:
        s = s.replace(sep, "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d+", s):
        s = s.replace(",", ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        raise ValueError(f"not a number: {text!r}")
    decimals = len(s.split(".")[1]) if "." in s else 0
    return Number(sign * float(s), 0.5 * 10 ** -decimals, text)


@dataclass
class Span:
    """A figure as found: its kind, where it is and what it says, before any context is read."""

    kind: str              # amount | percent | pp | multiple | rank | count | measure
    start: int
    end: int
    value: float           # in the unit below: USD/AZN/CNY/EUR (not millions), percent, times, rank, count
    half_unit: float       # in the same unit
    unit: str              # 'USD', 'AZN', 'CNY', 'EUR', 'percent', 'pp', 'rank', 'count', 'measure'
    currency_stated: bool = True
    qualifier: str = ""    # set later from the words before it: at least | at most | about
    count_noun: str = ""
    low: float | None = None  # for ranges (15-20 %)


def _scale(match, *names: str) -> float:
    for name in names:
        word = match.group(name)
        if word:
            return SCALE_WORDS[word.lower()]
    return 1.0


def spans(text: str) -> list[Span]:
    """Every figure in ``text``, in reading order, from one pass of :data:`FIGURE_RE`."""
    out: list[Span] = []
    for m in scan(FIGURE_RE, FIGURE_STARTS, text):
        span = _span(m)
        if span is not None:
            out.append(span)
    return out


def _span(m: re.Match) -> Span | None:
    g = m.group
    if g("a1") or g("a2") or g("a3"):
        num = g("n1") or g("n2") or g("n3")
        if YEAR_RE.match(num) and not (g("s1") or g("s1b") or g("s2") or g("s2b") or g("s3") or g("s3b")) and g("a1") is None:
            return None
        n = read_number(num)
        scale = _scale(m, "s1", "s1b", "s2", "s2b", "s3", "s3b")
        cur = (g("cur") or g("cur2") or "").lower()
        cur = re.sub(r"\s+", " ", cur).replace("us $", "us$").replace("u.s. $", "u.s.$")
        currency = CURRENCIES.get(cur, "USD")
        start, end = m.span()
        return Span("amount", start, end, n.value * scale, n.half_unit * scale, currency,
                    currency_stated=bool(cur))
    if g("pr"):
        lo, hi = read_number(g("pr1")), read_number(g("pr2"))
        return Span("percent", m.start(), m.end(), hi.value, hi.half_unit, "percent", low=lo.value)
    if g("p"):
        n = read_number(g("pn"))
        unit = g("pu").lower()
        value = -n.value if g("sign") in ("-", "−") else n.value
        start = m.start("sign") if g("sign") else m.start("pn")
        kind = "pp" if unit.startswith(("percentage", "p.p", "pp")) else "percent"
        return Span(kind, start, m.end(), value, n.half_unit, kind)
    if g("x"):
        n = read_number(g("xn1") or g("xn2"))
        return Span("multiple", m.start(), m.end(), n.value, n.half_unit, "times")
    if g("fr"):
        start = m.start()
        if g("frh"):
            value, start = 50.0, m.start("frh")
        else:
            count = {"a": 1, "one": 1, "two": 2, "three": 3}[g("frn").lower()]
            value = count * FRACTIONS[g("frd").lower()]
        return Span("percent", start, m.end("fr") - len(" of"), value, FRACTION_HALF_UNIT, "percent")
    for r, o in (("r1", "o1"), ("r2", "o2"), ("r3", "o3")):
        if g(r):
            word = g(o).lower()
            rank = ORDINAL_WORDS.get(word) or int(re.match(r"\d+", word).group())
            return Span("rank", m.start(), m.end(), float(rank), 0.0, "rank")
    if g("c"):
        if g("cn"):
            if YEAR_RE.match(g("cn")):
                return None
            n = read_number(g("cn"))
            value, start = n.value, m.start("cn")
        else:
            value, start = float(NUMBER_WORDS[re.sub(r"\s+", " ", g("cw").lower())]), m.start("cw")
        return Span("count", start, m.end(), value, 0.5, "count", count_noun=g("cnoun").lower())
    if g("ca"):
        n = read_number(g("can"))
        return Span("count", m.start(), m.end(), n.value, 0.5, "count", count_noun="active")
    if g("m") or g("mh"):
        num = g("mn") or g("mhn")
        if YEAR_RE.match(num):
            return None
        n = read_number(num)
        return Span("measure", m.start(), m.end(), n.value, n.half_unit, "measure")
    return None
