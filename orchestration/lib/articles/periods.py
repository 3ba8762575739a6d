"""Periods and dates as texts write them, turned into the ledger's period grammar.

The grammar (``YYYY``, ``YYYY-Qn``, ``YYYY-MM..YYYY-MM``, ``YYYY-MM-DD``) and its parser
:func:`orchestration.lib.claims.parse_period` stay the one definition; this module only reads the
ways people write periods ("From January to November 2023", "2019 Jan-Aug", "Q1 2024", "the first
ten months of 2024", "H1 2025", "Jan 2026", "April 26, 2019", "2023-01..2023-07") and writes them in
that grammar.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from orchestration.lib.claims import parse_period

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "eleven": 11}
ORDINAL_Q = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_M = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_Y = r"(?:19[5-9]\d|20[0-4]\d)"
PERIOD_RE = re.compile(
    "|".join([
        rf"(?P<g1>(?P<g1a>{_Y})-(?P<g1b>\d\d)\.\.(?P<g1c>{_Y})-(?P<g1d>\d\d))",                   # 2023-01..2023-07
        rf"(?P<h0>(?P<h0a>{_Y})\.\.(?P<h0b>{_Y})-H(?P<h0c>[12]))",                                # 1995..2025-H1
        rf"(?P<q1>\b(?P<q1y>{_Y})[\s-]?Q(?P<q1q>[1-4])\b)",                                        # 2024 Q1, 2023-Q1
        rf"(?P<q2>\bQ(?P<q2q>[1-4])[\s-]?(?P<q2y>{_Y})\b)",                                        # Q1 2024
        rf"(?P<q3>\b(?P<q3o>first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\s+(?:of\s+)?(?P<q3y>{_Y})\b)",
        rf"(?P<hh>\b(?:(?P<hhy>{_Y})[\s-]?H(?P<hhn>[12])|H(?P<hhm>[12])[\s-]?(?P<hhz>{_Y})|(?P<hho>first|second)\s+half\s+(?:of\s+)?(?P<hhw>{_Y}))\b)",
        rf"(?P<fm>\bfirst\s+(?P<fmn>two|three|four|five|six|seven|eight|nine|ten|eleven|\d{{1,2}})\s+months\s+(?:of\s+)?(?P<fmy>{_Y})\b)",
        rf"(?P<r1>\b(?P<r1y>{_Y})\s+(?P<r1a>{_M})\s*[-–]\s*(?P<r1b>{_M})(?![a-z]))",                # 2019 Jan-Aug
        rf"(?P<r2>\b(?P<r2a>{_M})\s*(?:[-–]|to|through|till|until)\s*(?P<r2b>{_M}),?\s+(?P<r2y>{_Y})\b)",  # January to November 2023
        rf"(?P<d1>\b(?P<d1y>{_Y})-(?P<d1m>\d\d)-(?P<d1d>\d\d)\b)",                                  # 2025-04-29
        rf"(?P<d2>\b(?P<d2m>{_M})\s+(?P<d2d>\d{{1,2}}),?\s+(?P<d2y>{_Y})\b)",                        # April 26, 2019
        rf"(?P<d3>\b(?P<d3d>\d{{1,2}})\s+(?P<d3m>{_M})\s+(?P<d3y>{_Y})\b)",                          # 4 July 2024
        rf"(?P<m1>\b(?P<m1m>{_M})\s+(?P<m1y>{_Y})\b)",                                             # Jan 2026
        rf"(?P<ym>\b(?P<ymy>{_Y})-(?P<ymm>0[1-9]|1[0-2])\b(?!-\d))",                               # 2025-04
        rf"(?P<y>(?<![\w.,\-])(?P<yy>{_Y})(?!\d|[.,]\d|-\d))",                                   # 2024
    ]),
    re.IGNORECASE,
)


PERIOD_STARTS = re.compile(
    r"(?<![\w])(?:\d|q\d|h\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|first|second|third|fourth)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PeriodMention:
    start: int
    end: int
    period: str       # in the ledger's grammar
    kind: str         # year | quarter | months | date


def _months(y1: int, m1: int, y2: int, m2: int) -> str:
    return f"{y1:04d}-{m1:02d}..{y2:04d}-{m2:02d}"


def _mention(m: re.Match) -> PeriodMention | None:
    g = m.group

    def month(name: str) -> int:
        return MONTHS[g(name).lower().rstrip(".")]

    try:
        if g("g1"):
            period = _months(int(g("g1a")), int(g("g1b")), int(g("g1c")), int(g("g1d")))
        elif g("h0"):
            period = _months(int(g("h0a")), 1, int(g("h0b")), 6 * int(g("h0c")))
        elif g("q1") or g("q2") or g("q3"):
            year = int(g("q1y") or g("q2y") or g("q3y"))
            q = int(g("q1q") or g("q2q") or ORDINAL_Q[g("q3o").lower()])
            period = f"{year}-Q{q}"
        elif g("hh"):
            year = int(g("hhy") or g("hhz") or g("hhw"))
            half = int(g("hhn") or g("hhm") or (1 if (g("hho") or "").lower() == "first" else 2))
            period = _months(year, 6 * half - 5, year, 6 * half)
        elif g("fm"):
            n = g("fmn").lower()
            count = COUNT_WORDS.get(n) or int(n)
            if not 1 <= count <= 12:
                return None
            period = _months(int(g("fmy")), 1, int(g("fmy")), count)
        elif g("r1"):
            period = _months(int(g("r1y")), month("r1a"), int(g("r1y")), month("r1b"))
        elif g("r2"):
            period = _months(int(g("r2y")), month("r2a"), int(g("r2y")), month("r2b"))
        elif g("d1"):
            period = f"{int(g('d1y')):04d}-{int(g('d1m')):02d}-{int(g('d1d')):02d}"
        elif g("d2"):
            period = f"{int(g('d2y')):04d}-{month('d2m'):02d}-{int(g('d2d')):02d}"
        elif g("d3"):
            period = f"{int(g('d3y')):04d}-{month('d3m'):02d}-{int(g('d3d')):02d}"
        elif g("m1"):
            period = _months(int(g("m1y")), month("m1m"), int(g("m1y")), month("m1m"))
        elif g("ym"):
            period = _months(int(g("ymy")), int(g("ymm")), int(g("ymy")), int(g("ymm")))
        else:
            period = g("yy")
        _, _, kind = parse_period(period)
    except (ValueError, KeyError):
        return None
    return PeriodMention(m.start(), m.end(), period, kind)


def find_periods(text: str, start: int = 0, end: int | None = None) -> list[PeriodMention]:
    """Every period or date written in ``text[start:end]``, in reading order (offsets in ``text``)."""
    from orchestration.lib.articles.reading import scan

    out = []
    for m in scan(PERIOD_RE, PERIOD_STARTS, text, start, len(text) if end is None else end):
        mention = _mention(m)
        if mention is not None:
            out.append(mention)
    return out


def read_period(cell: str) -> str | None:
    """A table cell's period ('2019 Jan-Aug', '2023 Q1', '2023-01..2023-07', '2016') in the grammar."""
    cell = (cell or "").strip()
    found = find_periods(cell)
    if not found:
        return None
    # the longest mention covering most of the cell ("2019 Jan-Aug" over "2019")
    best = max(found, key=lambda p: (p.end - p.start, -p.start))
    return best.period


def read_date(cell: str) -> dt.date | None:
    """A date cell ('2024-05-08', '2025-04', '2023', '2025-12-25 (year inferred)') as its first day."""
    m = re.match(r"\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", cell or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def bounds(period: str) -> tuple[dt.date, dt.date, str]:
    return parse_period(period)


def previous_period(period: str) -> str | None:
    """The same stretch one year earlier (the base of a year-on-year rate)."""
    try:
        start, end, kind = parse_period(period)
    except ValueError:
        return None
    if kind == "year":
        return str(start.year - 1)
    if kind == "quarter":
        return f"{start.year - 1}-Q{(start.month + 2) // 3}"
    if kind == "months":
        return _months(start.year - 1, start.month, end.year - 1, end.month)
    return None


def describe(period: str) -> str:
    """A period as a reader says it: 2024, Q1 2024, Jan–Oct 2024, 22 Apr 2025."""
    try:
        start, end, kind = parse_period(period)
    except ValueError:
        return period
    if kind == "year":
        return str(start.year)
    if kind == "quarter":
        return f"Q{(start.month + 2) // 3} {start.year}"
    if kind == "months":
        a, b = start.strftime("%b"), end.strftime("%b")
        if start.year == end.year:
            return f"{a} {start.year}" if a == b else f"{a}–{b} {start.year}"
        return f"{a} {start.year}–{b} {end.year}"
    return f"{start.day} {start.strftime('%b')} {start.year}"
