"""Corridor's country codes (ISO3: AZE, CHN; WLD for the world) ↔ the codes each API wants.

One table per API, read from the files the build reads, with the rule dbt staging applies to map
the API's codes back to Corridor's (``stg_reference__comtrade_country_codes``,
``stg_reference__imf_area_codes``):

* **UN Comtrade** — numeric codes. ``raw/reference/baci_comtrade_country_codes_V202201.csv``
  gives each code's ISO3 (842 → USA, 251 → FRA, 699 → IND, 757 → CHE, 31 → AZE), and the seed
  ``dbt_project/seeds/source_area_codes.csv`` (rows with source ``comtrade``) overrides or adds
  (0 → WLD, 490 → XAN, 697 → XFT, 849 → UMI, 899 → XUN).
* **IMF SDMX** — ISO alpha-2 codes from ``raw/reference/country-codes.csv`` (AZ → AZE, US → USA),
  and the seed's ``imf_sdmx`` rows (W00 → WLD).

:func:`area_table` builds that API → Corridor mapping; the Corridor → API direction a fetch needs
is derived from it, never written down separately. Where several API codes stand for one Corridor
code (Comtrade 276 Germany and 280 "Fmr Fed. Rep. of Germany" are both DEU), the current one is
sent: the code equal to the country's UN M49 code, else the smallest.

:meth:`AreaCodes.translate` turns what a user typed into API codes: a Corridor code is translated,
an API code passes as is (numeric for Comtrade, two letters or a seed code such as W00 for IMF),
anything else raises :class:`UnknownAreaCode` naming the code and the closest known one.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from orchestration.lib.errors import ConfigError

APIS = {"comtrade": "UN Comtrade", "imf_sdmx": "IMF SDMX"}
COMTRADE_CODES = Path("reference") / "baci_comtrade_country_codes_V202201.csv"
ISO_CODES = Path("reference") / "country-codes.csv"
SEED = Path("seeds") / "source_area_codes.csv"


class UnknownAreaCode(ConfigError):
    """A code a user typed that neither Corridor nor the API knows (a usage error: exit 2)."""


@dataclass(frozen=True)
class AreaCodes:
    """The codes of one API: ``from_api`` (API code → Corridor code, the direction dbt staging maps),
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


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}); the code tables are needed "
                          "to translate country codes") from None


def _column(rows: list[dict[str, str]], path: Path, *names: str) -> None:
    missing = [n for n in names if rows and n not in rows[0]]
    if missing or not rows:
        raise ConfigError(f"{path}: missing column(s) {missing or list(names)}")


def _api_code(api: str, code: str) -> str:
    """An API code as compared: Comtrade's as an integer (dbt casts them), IMF's upper case."""
    code = code.strip().upper()
    return str(int(code)) if api == "comtrade" and code.isdigit() else code


def area_table(api: str, raw_dir: Path, dbt_project_dir: Path) -> dict[str, str]:
    """API code → Corridor code, as dbt staging maps it: the seed's rows for ``api`` first, then
    the ISO table (Comtrade: the BACI list's ISO3 per numeric code; IMF: ISO alpha-2 → alpha-3)."""
    if api not in APIS:
        raise ConfigError(f"unknown API {api!r} (expected one of {', '.join(APIS)})")
    seed_path = dbt_project_dir / SEED
    seed = _rows(seed_path)
    _column(seed, seed_path, "source", "source_code", "code")
    overrides = {_api_code(api, r["source_code"]): r["code"].upper() for r in seed if r["source"] == api}
    table: dict[str, str] = {}
    if api == "comtrade":
        path = raw_dir / COMTRADE_CODES
        rows = _rows(path)
        _column(rows, path, "country_code", "iso_3digit_alpha")
        for r in rows:
            iso3 = r["iso_3digit_alpha"].upper()
            if r["country_code"].isdigit() and iso3 not in ("", "N/A"):
                table[_api_code(api, r["country_code"])] = iso3
    else:
        path = raw_dir / ISO_CODES
        rows = _rows(path)
        _column(rows, path, "ISO3166-1-Alpha-3", "ISO3166-1-Alpha-2")
        for r in rows:
            if r["ISO3166-1-Alpha-2"] and r["ISO3166-1-Alpha-3"]:
                table[r["ISO3166-1-Alpha-2"].upper()] = r["ISO3166-1-Alpha-3"].upper()
    return {**table, **overrides}


@lru_cache(maxsize=8)
def _load(api: str, raw_dir: Path, dbt_project_dir: Path) -> AreaCodes:
    iso = _rows(raw_dir / ISO_CODES)
    names = {r["ISO3166-1-Alpha-3"]: r.get("official_name_en") or r.get("CLDR display name") or ""
             for r in iso if r.get("ISO3166-1-Alpha-3")}
    m49 = {r["ISO3166-1-Alpha-3"]: str(int(r["M49"])) for r in iso if r.get("ISO3166-1-Alpha-3") and r.get("M49", "").isdigit()}
    for r in _rows(dbt_project_dir / SEED):
        names.setdefault(r["code"], r.get("name", ""))
    return AreaCodes(api=api, from_api=area_table(api, raw_dir, dbt_project_dir), names=names, m49=m49)


def area_codes(api: str, raw_dir: str | Path | None = None, dbt_project_dir: str | Path | None = None) -> AreaCodes:
    """The :class:`AreaCodes` of ``api`` (``comtrade`` or ``imf_sdmx``) from the raw folder's
    reference tables and the dbt seed (defaults: the configured raw folder, the project's dbt)."""
    from orchestration import constants

    raw = Path(raw_dir) if raw_dir is not None else constants.raw_dir()
    dbt = Path(dbt_project_dir) if dbt_project_dir is not None else constants.DBT_PROJECT_DIR
    return _load(api, raw.resolve(), dbt.resolve())
