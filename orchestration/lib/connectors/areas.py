"""Corridor's country codes (ISO3: AZE, CHN; WLD for the world) ↔ the codes each API wants.

One mapping per API, from the files the build loads its reference tables from, read with the same
parsers (:mod:`orchestration.lib.reference`) and assembled as the loader's
:func:`~orchestration.defs.ingestion._source.reference_resolver` assembles the
:class:`~orchestration.lib.countries.Resolver` that maps every fetched record back to Corridor codes:

* **UN Comtrade** — numeric codes. ``raw/reference/baci_comtrade_country_codes_V202201.csv``
  gives each code's ISO3 (842 → USA, 251 → FRA, 699 → IND, 757 → CHE, 31 → AZE);
* **IMF SDMX** — ISO alpha-2 codes from ``raw/reference/country-codes.csv`` (AZ → AZE, US → USA);
* for both, ``raw/reference/source_area_codes.csv`` overrides or adds (Comtrade 0 → WLD,
  490 → XAN, 697 → XFT, 849 → UMI, 899 → XUN; IMF W00 → WLD).

:func:`area_aliases` is that API → Corridor table; the Corridor → API direction a fetch needs is
its inverse (:class:`AreaCodes`), never written down separately. Where several API codes stand for
one Corridor code (Comtrade 276 Germany and 280 "Fmr Fed. Rep. of Germany" are both DEU), the
current one is sent: the code equal to the country's UN M49 code, else the smallest.

:meth:`AreaCodes.translate` turns what a user typed into API codes: a Corridor code is translated,
an API code passes as is (numeric for Comtrade, two letters or a listed code such as W00 for IMF),
anything else raises :class:`UnknownAreaCode` naming the code and the closest known one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from orchestration.lib.errors import ConfigError, CorridorError

APIS = {"comtrade": "UN Comtrade", "imf_sdmx": "IMF SDMX"}
VOCABULARY = {"comtrade": "comtrade", "imf_sdmx": "imf"}  # the Resolver's name for each API's codes
COMTRADE_CODES = Path("reference") / "baci_comtrade_country_codes_V202201.csv"
ISO_CODES = Path("reference") / "country-codes.csv"
AREA_CODES = Path("reference") / "source_area_codes.csv"


class UnknownAreaCode(ConfigError):
    """A code a user typed that neither Corridor nor the API knows (a usage error: exit 2)."""


@dataclass(frozen=True)
class AreaCodes:
    """The codes of one API: ``from_api`` (API code → Corridor code, the direction the loader resolves),
    ``to_api`` (derived from it), ``names`` (Corridor code → a name, for messages)."""

    api: str
    from_api: dict[str, str]
    names: dict[str, str]
    m49: dict[str, str] = field(default_factory=dict)
    to_api: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        candidates: dict[str, list[str]] = {}
        for api_code, code in self.from_api.items():
            candidates.setdefault(code, []).append(api_code)

        def preferred(code: str) -> str:
            codes = candidates[code]
            current = [c for c in codes if c == self.m49.get(code)]
            return current[0] if current else min(codes, key=lambda c: (len(c), c))

        object.__setattr__(self, "to_api", {code: preferred(code) for code in sorted(candidates)})

    @property
    def label(self) -> str:
        return APIS[self.api]

    def is_api_code(self, text: str) -> bool:
        """Whether ``text`` has the form of the API's own codes (sent as typed)."""
        if self.api == "comtrade":
            return text.isdigit()
        return bool(re.fullmatch(r"[A-Z]{2}", text)) or text in self.from_api

    def describe(self, code: str) -> str:
        name = self.names.get(code)
        return f"{code} ({name})" if name else code

    def translate(self, text: str, option: str = "code") -> str:
        """The API code for one typed code (Corridor ISO3 such as AZE, or the API's own)."""
        typed = text.strip()
        upper = typed.upper()
        if upper in self.to_api:
            return self.to_api[upper]
        if self.is_api_code(upper):
            return _api_code(self.api, upper)
        raise UnknownAreaCode(f"{option} {typed!r}: not a country code Corridor knows for {self.label}{self._hint(typed)}")

    def translate_all(self, texts: str | list[str], option: str = "code") -> list[tuple[str, str]]:
        """``[(typed, api code), …]`` for a comma-separated string or a list (duplicates dropped)."""
        items = texts.split(",") if isinstance(texts, str) else list(texts)
        typed = [t.strip() for t in items if t.strip()]
        if not typed:
            raise UnknownAreaCode(f"{option}: no code given")
        out = {t.upper(): (t.upper(), self.translate(t, option)) for t in typed}
        return list(out.values())

    def _hint(self, typed: str) -> str:
        upper = typed.upper()
        if upper in self.names and upper not in self.to_api:
            return f": {self.describe(upper)} has no {self.label} code"
        close = _closest(upper, list(self.to_api))
        if close is None and len(typed) > 3:  # a name typed instead of a code
            by_name = {name.lower(): code for code, name in self.names.items() if code in self.to_api}
            hit = _closest(typed.lower(), list(by_name))
            close = by_name[hit] if hit else None
        if close is not None:
            return f"; did you mean {self.describe(close)}?"
        return " (use ISO3 codes such as AZE, CHN, WLD)"


def _closest(text: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like ``text`` (difflib's ratio, ties to the longest common start), or None."""
    def prefix(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    scored = [(difflib.SequenceMatcher(None, text, c).ratio(), prefix(text, c), c) for c in candidates]
    scored = [s for s in scored if s[0] >= cutoff]
    return max(scored, key=lambda s: (s[0], s[1], [-ord(ch) for ch in s[2]]))[2] if scored else None


def _parsed(parse, path: Path) -> pl.DataFrame:
    try:
        return parse(path).rows
    except CorridorError as exc:
        raise ConfigError(f"{path.parent}/{exc} (the code tables are needed to translate country codes)") from None


def assemble_aliases(comtrade: pl.DataFrame, iso: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """``vocabulary, source_code, code, entity_type``: every API code and the Corridor code it stands
    for — the ISO-derived codes (Comtrade: the BACI list's ISO3; IMF: ISO alpha-2), overridden per
    (vocabulary, source_code) by source_area_codes.csv. The one assembly: the loader's resolver
    (from the loaded reference tables) and the fetch commands (from the files) both call it."""
    parts = [
        comtrade.filter(pl.col("iso3").is_not_null()).select(
            pl.lit("comtrade").alias("vocabulary"), pl.col("comtrade_code").cast(pl.String).alias("source_code"),
            pl.col("iso3").alias("code"), pl.lit(None, pl.String).alias("entity_type")),
        iso.filter(pl.col("iso2").is_not_null() & (pl.col("iso2") != "")).select(
            pl.lit("imf").alias("vocabulary"), pl.col("iso2").alias("source_code"), pl.col("iso3").alias("code"),
            pl.lit(None, pl.String).alias("entity_type")),
        areas.select("vocabulary", pl.col("source_code").cast(pl.String), "code", "entity_type"),
    ]
    # a source's own code list overrides the ISO-derived one (Comtrade 849 -> UMI, not unmapped)
    return pl.concat(parts).reverse().unique(["vocabulary", "source_code"], keep="first", maintain_order=True).reverse()


def area_aliases(raw_dir: Path) -> pl.DataFrame:
    """:func:`assemble_aliases` from the reference files of a raw folder (read with the loader's parsers)."""
    from orchestration.lib.reference import parse_comtrade_codes, parse_country_codes, parse_source_area_codes

    reference = Path(raw_dir)
    return assemble_aliases(_parsed(parse_comtrade_codes, reference / COMTRADE_CODES),
                            _parsed(parse_country_codes, reference / ISO_CODES),
                            _parsed(parse_source_area_codes, reference / AREA_CODES))


def area_table(api: str, raw_dir: Path) -> dict[str, str]:
    """API code -> Corridor code for ``api`` (``comtrade`` or ``imf_sdmx``), from :func:`area_aliases`."""
    if api not in APIS:
        raise ConfigError(f"unknown API {api!r} (expected one of {', '.join(APIS)})")
    part = area_aliases(raw_dir).filter(pl.col("vocabulary") == VOCABULARY[api])
    return {_api_code(api, source): code.upper() for source, code in part.select("source_code", "code").iter_rows()}


def _api_code(api: str, code: str) -> str:
    """An API code as the resolver compares it: stripped, upper case; Comtrade's as an integer."""
    code = str(code).strip().upper()
    return str(int(code)) if api == "comtrade" and code.isdigit() else code


@lru_cache(maxsize=8)
def _load(api: str, raw_dir: Path) -> AreaCodes:
    from orchestration.lib.reference import parse_country_codes, parse_source_area_codes

    iso = _parsed(parse_country_codes, raw_dir / ISO_CODES)
    names = {iso3: official or name or "" for iso3, official, name in iso.select("iso3", "official_name", "name").iter_rows()}
    m49 = {iso3: str(int(code)) for iso3, code in iso.select("iso3", "m49").iter_rows() if code and code.isdigit()}
    for code, name in _parsed(parse_source_area_codes, raw_dir / AREA_CODES).select("code", "name").iter_rows():
        names.setdefault(code, name or "")
    return AreaCodes(api=api, from_api=area_table(api, raw_dir), names=names, m49=m49)


def area_codes(api: str, raw_dir: str | Path | None = None) -> AreaCodes:
    """The :class:`AreaCodes` of ``api`` (``comtrade`` or ``imf_sdmx``) from the raw folder's
    reference tables (default: the configured raw folder, ``CORRIDOR_RAW``)."""
    from orchestration import constants

    raw = Path(raw_dir) if raw_dir is not None else constants.raw_dir()
    return _load(api, raw.resolve())
