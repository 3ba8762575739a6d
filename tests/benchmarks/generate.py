"""SYNTHETIC benchmark inputs: IMF DOTS workbooks at scale and a UN Comtrade HS6 CSV.

Everything written here is made up (seeded, reproducible) and labelled SYNTHETIC in its file names
and in a README written next to it. The *format* is real:

* :func:`write_dots_workbooks` writes one IMF DOTS workbook per reporter in exactly the layout
  :mod:`orchestration.lib.imf_dots` reads (and ``raw/imf_dots/DOTS_13.xlsx`` has): sheets
  "Exports, FOB" and "Imports, CIF"; title in B2, reporter in B4, unit "US Dollars, Millions" in B5,
  years as text in row 7 from column C, partner names from row 8 in column B. Reporter and partner
  names are real IMF names from ``raw/reference/country_names.csv`` (vocabulary ``imf``), one name
  per entity code, so every name resolves through the crosswalk and no two rows share a key.
  Partners include World (= sum of the partner rows × (1 + noise in [0, 1 %])), aggregates (Advanced
  Economies, Euro Area, … = sums over random subsets of the partner countries), historical entities
  (figures before 1992 only), "not specified" residuals, and the "Memorandum Items" heading row
  (no figures). About 0.5 % of the figures are IMF estimates (text ending in " e").

  **Density** (the default is realistic, as the real workbooks in ``raw/imf_dots/`` are sparse:
  Azerbaijan fills 52 % of its partner × year cells over 1992–2020, China 77 % over 44 years).
  Every reporter gets, seeded by its name (see :func:`reporter_profile`):

  - a *first reporting year*: successor states from their first year (ex-USSR and ex-Yugoslav
    states 1992–1993, Czech and Slovak Republics and Eritrea 1993, Timor-Leste 2002, Montenegro
    2006, Kosovo 2008, South Sudan, Curaçao and Sint Maarten 2011); of the others
    :data:`FULL_HISTORY_SHARE` report from the first year and the rest from a year drawn in
    :data:`LATE_START`. Historical entities (USSR, …) report up to 1991 only. Cells outside the
    reporting years are empty (the year header always spans the whole range, as in China's file);
  - a *coverage*: the share of partner-country cells filled once its reporting has matured, drawn
    in :data:`COVERAGE_RANGE`. Coverage starts at :data:`RAMP_START` of that in the first reporting
    year and reaches it after :data:`RAMP_YEARS` years (Azerbaijan's real file goes from 31 % of the
    cells in 1992 to 67 % in 2020). Larger partners are filled more often (a cell is filled when the
    partner's standardised log level plus a normal draw per cell passes the year's threshold). The
    focus corridor's partners (Azerbaijan, China) are always filled, so AZE–CHN exists at any scale,
    and so is the first-listed partner (repeated as the documented duplicate below).

  Successor states appear as partners only from their first year; World and the aggregates are
  sums over the cells actually kept (empty where nothing is). With the defaults, 235 reporters ×
  1960–2020 give about 2.6 million parsed figures (:func:`count_figures`; about 11,000 per reporter,
  as the issue states for the real DOTS). ``dense=True`` writes the earlier all-cells layout
  instead: every partner row in every year (3 % of the country cells empty at random), every
  reporter from the first year: 6.8 million figures at 235 × 61.

  Figures of a year depend only on the seed, the reporter, the sheet and that year (and the years
  before it, through growth), never on how many years are written: the same seed with ``years + 1``
  gives the same workbooks with one more year column (the benchmark's "one new year" case).

  **Documented duplicate**: as in the real DOTS export (where Australia is listed first and again
  under Advanced Economies), each sheet repeats its first partner row once with identical figures.
  ``parse_dots_workbook`` quarantines exactly that one row per sheet ("duplicate partner row (same
  figures as row 8)"); nothing else is quarantined.

  The output folder is a complete ``CORRIDOR_RAW``: the repo's other source folders (reference,
  claims, FDI, registry: small CSVs the build requires) are copied next to ``imf_dots/``.

* :func:`write_comtrade_csv` writes UN Comtrade HS6 records (the bulk/API field names) in chunks
  with numpy and polars, never holding all rows as Python objects. Each record's breakdown
  (reporter, partner, flow, HS6, period) is unique, as in Comtrade (Corridor's ``comtrade_key_unique``
  check demands it), and the reporter is never its own partner.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW = REPO_ROOT / "raw"
CROSSWALK = RAW / "reference" / "country_names.csv"
# bumped whenever a seed's output changes (the benchmark caches generated inputs by it); 3: the
# crosswalk's IMF vocabulary gained "Malaysia, West" (historical) and SACCA (aggregate)
GENERATOR_VERSION = 3

SHEETS = (
    ("Exports, FOB", "Exports, FOB to Partner Countries"),
    ("Imports, CIF", "Imports, CIF from Partner Countries"),
)
UNIT = "US Dollars, Millions"
HISTORICAL_LAST_YEAR = 1991
ESTIMATE_SHARE = 0.005
EMPTY_SHARE = 0.03  # dense layout only: country cells left empty at random
UNSPECIFIED_SHARE = 0.5  # "not specified" residual cells filled (within the reporting years)
# reporters that are always generated first (the focus corridor AZE-CHN must exist at any scale)
FIRST_REPORTERS = ("Azerbaijan, Rep. of", "China, P.R.: Mainland")
# aggregates shown between World and the countries, as in the real export
LEADING_AGGREGATES = ("Advanced Economies", "Euro Area")

# realistic density (calibrated: 235 reporters × 1960-2020 -> about 2.6 million figures)
FULL_HISTORY_SHARE = 0.35     # reporters (other than successor states) that report from the first year
LATE_START = (1961, 2005)     # the others' first reporting year, uniform
COVERAGE_RANGE = (0.40, 0.80)  # share of partner-country cells filled once reporting has matured
RAMP_START = 0.5              # coverage in the first reporting year, as a share of the mature one
RAMP_YEARS = 25               # years until coverage is mature
# successor states: (earliest, latest) first year; as reporters a year is drawn in the range, as
# partners they appear from the earliest
SUCCESSOR_FIRST_YEAR = {
    **{code: (1992, 1993) for code in (  # USSR and SFR Yugoslavia dissolved 1991-1992
        "ARM", "AZE", "BLR", "EST", "GEO", "KAZ", "KGZ", "LVA", "LTU", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB",
        "BIH", "HRV", "MKD", "SVN", "SRB")},
    "CZE": (1993, 1993), "SVK": (1993, 1993), "ERI": (1993, 1993), "TLS": (2002, 2002), "MNE": (2006, 2006),
    "XKX": (2008, 2008), "SSD": (2011, 2011), "CUW": (2011, 2011), "SXM": (2011, 2011),
}

COMTRADE_COLUMNS = (
    "reporterCode", "partnerCode", "flowCode", "cmdCode", "period",
    "primaryValue", "cifvalue", "fobvalue", "netWgt", "isReported", "isAggregate",
)

README = """# SYNTHETIC benchmark data — not statistics

Every workbook in `imf_dots/` (DOTS_SYNTHETIC_*.xlsx) was generated by
`tests/benchmarks/generate.py` (seed {seed}) for performance benchmarks. The layout is the real
IMF DOTS export; the names are real IMF country names; **the figures are random**.
Each sheet repeats its first partner row once with identical figures (as the real export lists
Australia twice): the parser quarantines that one row per sheet, by design.

Density: {density}

The other folders are copies of the repository's raw/ (reference tables, claims, FDI, registry).

parameters: reporters={reporters}, years={years}, first_year={first_year}, seed={seed}, dense={dense},
generator version {version}
"""
DENSITY_REALISTIC = (
    "realistic, like the real DOTS files (Azerbaijan fills 52 % of its partner × year cells, China "
    "77 %). Each reporter has a seeded first reporting year (successor states from 1992-1993 or "
    "later, {full:.0%} of the others from the first year, the rest from a year in {late[0]}-{late[1]}; "
    "historical entities up to 1991) and a seeded coverage of partner-country cells in "
    "{cov[0]:.0%}-{cov[1]:.0%} (reached after {ramp} years; half of it in the first year). Cells outside "
    "a reporter's years are empty; World and the aggregates sum the cells kept."
)
DENSITY_DENSE = (
    "dense (all cells): every partner row in every year, every reporter from the first year "
    "(3 % of the country cells empty at random)."
)


@dataclass(frozen=True)
class Vocabulary:
    """Real IMF names, one per entity code, by entity type; ``codes`` maps each name to its code."""

    countries: list[str]
    historical: list[str]
    aggregates: list[str]  # without World and Memorandum Items
    unspecified: list[str]
    codes: dict[str, str] = field(default_factory=dict)


def imf_vocabulary(crosswalk: Path = CROSSWALK) -> Vocabulary:
    by_type: dict[str, dict[str, str]] = {}
    with open(crosswalk, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["vocabulary"] != "imf":
                continue
            by_type.setdefault(row["entity_type"], {}).setdefault(row["code"], row["name"])
    aggregates = [n for c, n in by_type["aggregate"].items() if c not in ("WLD", "XMI")]
    return Vocabulary(
        countries=list(by_type["country"].values()),
        historical=list(by_type["historical"].values()),
        aggregates=aggregates,
        unspecified=list(by_type["unspecified"].values()),
        codes={name: code for names in by_type.values() for code, name in names.items()},
    )


def reporter_names(count: int, seed: int = 0, vocab: Vocabulary | None = None) -> list[str]:
    """``count`` distinct real IMF reporter names (distinct entity codes): AZE, CHN, then the other
    countries in a seeded order, then historical entities (IMF publishes the USSR etc. as reporters).
    The order is stable: the first ``k`` names of any ``count >= k`` are the same."""
    vocab = vocab or imf_vocabulary()
    rest = [n for n in vocab.countries if n not in FIRST_REPORTERS]
    random.Random(seed).shuffle(rest)
    names = [*FIRST_REPORTERS, *rest, *vocab.historical]
    if count > len(names):
        raise ValueError(f"at most {len(names)} distinct IMF reporters exist in {CROSSWALK.name}; asked for {count}")
    return names[:count]


@dataclass(frozen=True)
class ReporterProfile:
    """Which years a reporter has figures for, and how densely (see the module docstring)."""

    first_year: int  # first year with figures (within the generated range)
    last_year: int   # last year with figures
    coverage: float  # mature share of partner-country cells filled (1.0: dense)

    def coverage_in(self, year: int) -> float:
        """The expected share of partner-country cells filled in ``year`` (0 outside the reporting years)."""
        if not self.first_year <= year <= self.last_year:
            return 0.0
        if self.coverage >= 1.0:
            return 1.0
        matured = min(1.0, (year - self.first_year) / RAMP_YEARS)
        return self.coverage * (RAMP_START + (1.0 - RAMP_START) * matured)


def reporter_profile(reporter: str, years: int = 61, first_year: int = 1960, seed: int = 0,
                     vocab: Vocabulary | None = None, dense: bool = False) -> ReporterProfile:
    """The seeded first/last reporting year and coverage of ``reporter``. Independent of ``years``
    except for clamping to the generated range (a reporter whose first year lies after the range
    reports its last year only; one whose years end before it, its first year only)."""
    last = first_year + years - 1
    if dense:
        return ReporterProfile(first_year, last, 1.0)
    vocab = vocab or imf_vocabulary()
    rng = random.Random(f"{seed}:{reporter}:profile")
    coverage = rng.uniform(*COVERAGE_RANGE)
    full_history = rng.random() < FULL_HISTORY_SHARE
    late = rng.randint(*LATE_START)
    code = vocab.codes.get(reporter)
    if code in SUCCESSOR_FIRST_YEAR:
        start = rng.randint(*SUCCESSOR_FIRST_YEAR[code])
    else:
        start = first_year if full_history else late
    end = HISTORICAL_LAST_YEAR if reporter in vocab.historical else last
    start = min(max(start, first_year), last)
    end = max(min(end, last), start)
    return ReporterProfile(start, end, coverage)


def _partner_first_year(name: str, vocab: Vocabulary) -> int:
    return SUCCESSOR_FIRST_YEAR.get(vocab.codes.get(name, ""), (0, 0))[0]


def _threshold(coverage: float) -> float:
    """Cell filled when z + e > threshold, z and e standard normal: P = coverage."""
    if coverage <= 0.0:
        return math.inf
    if coverage >= 1.0:
        return -math.inf
    return math.sqrt(2.0) * statistics.NormalDist().inv_cdf(1.0 - coverage)


def _sheet_values(rng: random.Random, sheet_seed: int, reporter: str, vocab: Vocabulary, years: list[int],
                  scale: float, profile: ReporterProfile, dense: bool) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """The partner rows of one sheet, in order: (label, one value per year (NaN: empty cell), draws
    that make a figure an estimate where < :data:`ESTIMATE_SHARE`, or None).

    Draws per partner come from ``sheet_seed``; draws per cell from a generator seeded by
    (``sheet_seed``, year), so the figures of a year never depend on how many years follow."""
    nprng = np.random.default_rng(sheet_seed)
    keep = set(FIRST_REPORTERS)
    countries = [n for n in vocab.countries if n != reporter and (n in keep or rng.random() < 0.92)]
    historical = [n for n in vocab.historical if n != reporter]
    nc, nh, nu, ny = len(countries), len(historical), len(vocab.unspecified), len(years)

    # per partner: a level (lognormal; z is its standardised log, so larger partners fill more often)
    c_z = nprng.standard_normal(nc)
    h_z = nprng.standard_normal(nh)
    agg_masks = {name: nprng.random(nc) < nprng.uniform(0.1, 0.7) for name in vocab.aggregates}
    # per cell, year by year
    growth = np.empty((nc, ny))
    c_e, c_est, c_empty = np.empty((nc, ny)), np.empty((nc, ny)), np.empty((nc, ny))
    hvals, h_e, h_est = np.empty((nh, ny)), np.empty((nh, ny)), np.empty((nh, ny))
    uvals, u_fill, u_est = np.empty((nu, ny)), np.empty((nu, ny)), np.empty((nu, ny))
    noise = np.empty(ny)
    for k, year in enumerate(years):
        yr = np.random.default_rng([sheet_seed, year])
        growth[:, k] = yr.normal(0.05, 0.15, nc)
        c_e[:, k], c_est[:, k], c_empty[:, k] = yr.standard_normal(nc), yr.random(nc), yr.random(nc)
        hvals[:, k], h_e[:, k], h_est[:, k] = yr.lognormal(0.5, 1.5, nh), yr.standard_normal(nh), yr.random(nh)
        uvals[:, k], u_fill[:, k], u_est[:, k] = yr.lognormal(-1.0, 1.5, nu), yr.random(nu), yr.random(nu)
        noise[k] = yr.uniform(0.0, 0.01)
    cvals = np.exp(1.0 + 2.0 * c_z)[:, None] * scale * np.exp(np.cumsum(growth, axis=1))
    hvals = hvals * scale
    uvals = uvals * scale

    year_arr = np.array(years)
    early = year_arr <= HISTORICAL_LAST_YEAR
    if dense:
        c_fill = c_empty >= EMPTY_SHARE
        h_fill = np.broadcast_to(early, (nh, ny)).copy()
        u_fill = u_fill < UNSPECIFIED_SHARE
    else:
        window = (year_arr >= profile.first_year) & (year_arr <= profile.last_year)
        threshold = np.array([_threshold(profile.coverage_in(y)) for y in years])
        exists = year_arr[None, :] >= np.array([_partner_first_year(n, vocab) for n in countries])[:, None]
        # always filled: the focus corridor's partners, and the first row (repeated below: the documented
        # duplicate, which must have figures to be recognised as one)
        always = np.array([n in keep or i == 0 for i, n in enumerate(countries)])[:, None]
        c_fill = window & exists & (always | (c_z[:, None] + c_e > threshold))
        h_fill = window & early & (h_z[:, None] + h_e > threshold)
        u_fill = window & (u_fill < UNSPECIFIED_SHARE)
    cvals, hvals, uvals = (np.where(fill, np.maximum(np.round(vals, 6), 1e-6), np.nan)
                           for vals, fill in ((cvals, c_fill), (hvals, h_fill), (uvals, u_fill)))

    def total(values: np.ndarray, fill: np.ndarray) -> np.ndarray:
        """Column sums of the kept cells; NaN (an empty cell) where no cell is kept."""
        return np.where(fill.any(axis=0), np.nansum(values, axis=0), np.nan)

    parts = np.vstack([cvals, hvals, uvals])
    world = np.round(total(parts, ~np.isnan(parts)) * (1.0 + noise), 6)
    aggs = {name: np.round(total(cvals[mask], c_fill[mask]), 6) for name, mask in agg_masks.items()}

    country_rows = [(name, cvals[i], c_est[i]) for i, name in enumerate(countries)]
    rows = [country_rows[0]]  # listed first, repeated below: the documented duplicate
    rows.append(("World", world, None))
    rows += [(name, aggs[name], None) for name in LEADING_AGGREGATES if name in aggs]
    rows += country_rows
    rows += [(name, hvals[i], h_est[i]) for i, name in enumerate(historical)]
    rows += [(name, uvals[i], u_est[i]) for i, name in enumerate(vocab.unspecified)]
    rows.append(("Memorandum Items", np.full(ny, np.nan), None))
    rows += [(name, aggs[name], None) for name in vocab.aggregates if name not in LEADING_AGGREGATES]
    return rows


def _cells(values: np.ndarray, estimate: np.ndarray | None) -> list:
    """One row's cells: None (empty), a number, or an estimate as IMF writes it ("12.3456 e")."""
    out: list = []
    for k, v in enumerate(values.tolist()):
        if v != v:  # NaN: an empty cell
            out.append(None)
        elif estimate is not None and estimate[k] < ESTIMATE_SHARE:
            out.append(f"{v:.4f} e")
        else:
            out.append(v)
    return out


def _workbook_sheets(reporter: str, years: int, first_year: int, seed: int, vocab: Vocabulary,
                     dense: bool) -> list[tuple[str, str, list[tuple[str, np.ndarray, np.ndarray | None]]]]:
    """(sheet name, title, partner rows as :func:`_sheet_values`) of one reporter's workbook."""
    rng = random.Random(f"{seed}:{reporter}")
    year_list = list(range(first_year, first_year + years))
    scale = rng.lognormvariate(0.0, 1.0)
    profile = reporter_profile(reporter, years, first_year, seed, vocab, dense)
    out = []
    for sheet_name, title in SHEETS:
        sheet_seed = rng.getrandbits(64)
        out.append((sheet_name, title, _sheet_values(rng, sheet_seed, reporter, vocab, year_list, scale, profile, dense)))
    return out


def write_dots_workbook(path: str | Path, reporter: str, years: int = 61, first_year: int = 1960, seed: int = 0,
                        vocab: Vocabulary | None = None, dense: bool = False) -> Path:
    """One SYNTHETIC DOTS workbook (both sheets) for ``reporter``, in the real layout."""
    from openpyxl import Workbook

    vocab = vocab or imf_vocabulary()
    year_list = list(range(first_year, first_year + years))
    wb = Workbook(write_only=True)
    for sheet_name, title, rows in _workbook_sheets(reporter, years, first_year, seed, vocab, dense):
        ws = wb.create_sheet(sheet_name)
        ws.append([])
        ws.append([None, title])
        ws.append([])
        ws.append([None, reporter])
        ws.append([None, UNIT])
        ws.append([])
        ws.append([None, None, *[str(y) for y in year_list]])
        for label, values, estimate in rows:
            ws.append([None, label, *_cells(values, estimate)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def count_figures(reporters: int = 235, years: int = 61, first_year: int = 1960, seed: int = 0,
                  dense: bool = False, names: list[str] | None = None) -> int:
    """The figures ``parse_dots_workbook`` loads from :func:`write_dots_workbooks` with these
    parameters (every non-empty cell except the documented duplicate row), without writing a file:
    seconds instead of minutes at 235 × 61. ``names``: count these reporters instead."""
    vocab = imf_vocabulary()
    names = names if names is not None else reporter_names(reporters, seed, vocab)
    return sum(int(np.count_nonzero(~np.isnan(values))) for name in names
               for _, _, rows in _workbook_sheets(name, years, first_year, seed, vocab, dense) for _, values, _ in rows[1:])


def dots_file_name(index: int) -> str:
    return f"DOTS_SYNTHETIC_{index:03d}.xlsx"


def copy_reference_sources(out_dir: str | Path) -> None:
    """Copy the repo's raw/ folders other than imf_dots/ (reference tables, claims, FDI, registry) so
    ``out_dir`` is a complete CORRIDOR_RAW."""
    out_dir = Path(out_dir)
    for folder in sorted(RAW.iterdir()):
        if folder.is_dir() and folder.name != "imf_dots":
            shutil.copytree(folder, out_dir / folder.name, dirs_exist_ok=True)


def write_dots_workbooks(out_dir: str | Path, reporters: int = 235, years: int = 61, first_year: int = 1960,
                         seed: int = 0, dense: bool = False) -> list[Path]:
    """A complete SYNTHETIC ``CORRIDOR_RAW`` folder: ``reporters`` DOTS workbooks in ``out_dir/imf_dots``
    plus copies of the other raw sources. Returns the workbook paths. ``dense``: the all-cells layout
    instead of the realistic density (module docstring)."""
    out_dir = Path(out_dir)
    vocab = imf_vocabulary()
    names = reporter_names(reporters, seed, vocab)
    dots = out_dir / "imf_dots"
    dots.mkdir(parents=True, exist_ok=True)
    paths = [write_dots_workbook(dots / dots_file_name(i + 1), name, years, first_year, seed, vocab, dense)
             for i, name in enumerate(names)]
    copy_reference_sources(out_dir)
    density = DENSITY_DENSE if dense else DENSITY_REALISTIC.format(
        full=FULL_HISTORY_SHARE, late=LATE_START, cov=COVERAGE_RANGE, ramp=RAMP_YEARS)
    text = README.format(seed=seed, reporters=reporters, years=years, first_year=first_year, dense=dense,
                         density=density, version=GENERATOR_VERSION)
    (out_dir / "README_SYNTHETIC.md").write_text(text, encoding="utf-8")
    (dots / "README_SYNTHETIC.md").write_text(text, encoding="utf-8")
    return paths


def _m49_codes() -> np.ndarray:
    """One Comtrade country code per country of the BACI list: its codes without an ISO3 (490, 697,
    849, mapped by the dbt seed source_area_codes) and, where two codes share an ISO3 (56 Belgium and
    58 Belgium-Luxembourg, 276/280 Germany, 710/711 South Africa and SACU, 729/736 Sudan), only the
    current, lower one: Comtrade uses the other for earlier years only, so the two never meet in one
    period, while random records would give one Corridor key two figures (fct_trade_flows_history's
    key test stopped the first 10M-record build on exactly that)."""
    path = RAW / "reference" / "baci_comtrade_country_codes_V202201.csv"
    by_country: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            code = int(r["country_code"])
            key = r["iso_3digit_alpha"] if r["iso_3digit_alpha"] != "N/A" else f"code {code}"
            by_country[key] = min(code, by_country.get(key, code))
    return np.array(sorted(by_country.values()), dtype=np.int32)


def _unique_breakdowns(nprng: np.random.Generator, n: int, seen: np.ndarray, sizes: tuple[int, ...]
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random breakdowns (reporter, partner, flow, HS6, period indexes into ``sizes``), none in
    ``seen`` (sorted keys) or repeated, reporter never its own partner. Returns (keys, seen + keys)."""
    parts: list[np.ndarray] = []
    need = n
    while need > 0:
        m = need + need // 20 + 16
        r, p = nprng.integers(0, sizes[0], m), nprng.integers(0, sizes[1], m)
        key = r.astype(np.int64)
        for size, draw in zip(sizes[1:], (p, nprng.integers(0, sizes[2], m), nprng.integers(0, sizes[3], m),
                                          nprng.integers(0, sizes[4], m))):
            key = key * size + draw
        key = key[r != p]
        _, first = np.unique(key, return_index=True)
        key = key[np.sort(first)]  # first occurrences, in drawn order
        key = key[~np.isin(key, seen)][:need]
        seen = np.union1d(seen, key)
        parts.append(key)
        need -= len(key)
    return np.concatenate(parts), seen


def write_comtrade_csv(path: str | Path, rows: int = 10_000_000, seed: int = 0, chunk_rows: int = 1_000_000) -> Path:
    """SYNTHETIC UN Comtrade HS6 records (columns :data:`COMTRADE_COLUMNS`), ``rows`` of them, written
    in chunks of ``chunk_rows``. Codes are real M49/Comtrade codes; HS6 codes and figures are random;
    no two records share reporter, partner, flow, HS6 code and period."""
    import polars as pl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codes = _m49_codes()
    nprng = np.random.default_rng(random.Random(seed).getrandbits(64))
    hs6 = np.unique(nprng.integers(10100, 970600, size=6000)).astype(np.int32)  # ~5,000 HS6 headings
    periods = np.arange(2000, 2024, dtype=np.int32)
    sizes = (len(codes), len(codes), 2, len(hs6), len(periods))
    if rows > 0.5 * math.prod(sizes[:2]) * math.prod(sizes[2:]):
        raise ValueError(f"{rows} records: more than half of the {math.prod(sizes)} possible breakdowns")
    seen = np.empty(0, dtype=np.int64)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as fh:
        written = 0
        while written < rows:
            n = min(chunk_rows, rows - written)
            keys, seen = _unique_breakdowns(nprng, n, seen, sizes)
            keys, period_i = np.divmod(keys, sizes[4])
            keys, hs6_i = np.divmod(keys, sizes[3])
            keys, flow_i = np.divmod(keys, sizes[2])
            reporter_i, partner_i = np.divmod(keys, sizes[1])
            primary = np.round(nprng.lognormal(9.0, 2.5, n), 2)
            flow_x = flow_i == 0
            freight = np.round(primary * nprng.uniform(0.0, 0.1, n), 2)
            frame = pl.DataFrame({
                "reporterCode": codes[reporter_i],
                "partnerCode": codes[partner_i],
                "flowCode": np.where(flow_x, "X", "M"),
                "cmdCode": pl.Series(hs6[hs6_i]).cast(pl.String).str.zfill(6),
                "period": periods[period_i],
                "primaryValue": primary,
                "cifvalue": np.where(flow_x, np.nan, primary),
                "fobvalue": np.where(flow_x, primary, np.round(primary - freight, 2)),
                "netWgt": np.round(primary / nprng.uniform(0.5, 20.0, n), 3),
                "isReported": nprng.random(n) < 0.97,
                "isAggregate": np.zeros(n, dtype=bool),
            }).with_columns(pl.col("cifvalue").fill_nan(None))
            frame.write_csv(fh, include_header=written == 0)
            written += n
    tmp.replace(path)
    readme = path.with_name(path.stem + "_README_SYNTHETIC.md")
    readme.write_text(f"# SYNTHETIC UN Comtrade HS6 records — not statistics\n\n`{path.name}`: {rows} random records "
                      f"in the Comtrade field layout, generated by tests/benchmarks/generate.py (seed {seed}).\n",
                      encoding="utf-8")
    return path


COMTRADE_RELEASE_ID = "SYNTHETIC-bench"


def write_comtrade_release(csv_path: str | Path, landing_root: str | Path, release_id: str = COMTRADE_RELEASE_ID,
                           record_cap: int | None = None) -> Path:
    """The records of :func:`write_comtrade_csv` as a *fetched release* under
    ``<landing_root>/comtrade/<release_id>/``, in exactly the layout the Comtrade connector
    (``orchestration.lib.connectors.comtrade.fetch_comtrade``) writes and the ``raw/comtrade`` asset
    reads (raw/comtrade/MANIFEST.md): one ``count-NNNN.json`` / ``data-NNNN.json`` pair per chunk of at most ``record_cap`` records (the API's cap, 100,000),
    response documents ``{"elapsedTime", "count", "data": [record, …], "error"}`` with the API's field
    names, and ``manifest.json`` written by the connector's own :class:`LandingZone` (sha256, rows,
    ``"complete": true``). Streamed: DuckDB reads the CSV in record batches of ``record_cap`` rows,
    polars writes each batch's JSON; no record becomes a Python object. Returns the release folder."""
    import duckdb
    import polars as pl

    from orchestration.lib.connectors import comtrade
    from orchestration.lib.connectors.http import LandingZone, redact_url, with_params

    cap = record_cap or comtrade.RECORD_CAP
    query = comtrade.ComtradeQuery(reporter_codes=[str(c) for c in _m49_codes()], partner_codes=[str(c) for c in _m49_codes()],
                                   periods=[str(y) for y in range(2000, 2024)], cmd_codes=("AG6",))
    url = comtrade._endpoint(None, query)
    landing = LandingZone(landing_root, comtrade.SOURCE, release_id, query=query.describe(), extra={
        "endpoint": redact_url(url), "record_cap": cap, "count_method": f"{comtrade.COUNT_PARAM}=true on the data endpoint",
        "note": f"SYNTHETIC: written by tests/benchmarks/generate.py from {Path(csv_path).name}, not fetched",
    })
    records = [
        pl.lit("C").alias("typeCode"), pl.lit("A").alias("freqCode"),
        (pl.col("period") * 10000 + 101).alias("refPeriodId"), pl.col("period").alias("refYear"),
        pl.lit(52).alias("refMonth"), pl.col("period").cast(pl.String).alias("period"),
        "reporterCode", "flowCode", "partnerCode", pl.lit(0).alias("partner2Code"),
        pl.lit("H5").alias("classificationCode"), "cmdCode", pl.lit(6).alias("aggrLevel"), pl.lit(True).alias("isLeaf"),
        pl.lit("C00").alias("customsCode"), pl.lit("0").alias("mosCode"), pl.lit(0).alias("motCode"),
        pl.lit(8).alias("qtyUnitCode"), pl.col("netWgt").alias("qty"), "netWgt", "cifvalue", "fobvalue", "primaryValue",
        pl.lit(0).alias("legacyEstimationFlag"), "isReported", "isAggregate",
    ]
    def batches():
        """Record batches of exactly ``cap`` rows (the last one shorter), as the API's chunks."""
        import pyarrow as pa

        with duckdb.connect() as con:
            reader = con.read_csv(str(csv_path), header=True, dtype={"cmdCode": "VARCHAR"}).to_arrow_reader(cap)
            pending: list = []
            held = 0
            for batch in reader:
                pending.append(batch)
                held += batch.num_rows
                while held >= cap:
                    table = pa.Table.from_batches(pending)
                    yield table.slice(0, cap)
                    rest = table.slice(cap)
                    pending, held = rest.to_batches(), rest.num_rows
            if held:
                yield pa.Table.from_batches(pending)

    try:
        for index, batch in enumerate(batches(), 1):
            frame = pl.from_arrow(batch).select(records)
            params = {**query.params(), "maxRecords": str(cap)}
            shown = redact_url(with_params(url, params))
            n = frame.height
            count = f'{{"elapsedTime": "0 secs", "count": {n}, "data": [{{"count": {n}}}], "error": ""}}'.encode()
            landing.save(f"count-{index:04d}.json", count, kind="count", url=shown, params=params, count=n)
            body = b"".join([f'{{"elapsedTime": "0 secs", "count": {n}, "data": '.encode(), frame.write_json().encode(),
                             b', "error": ""}'])
            del frame
            landing.save(f"data-{index:04d}.json", body, kind="data", url=shown, params=params, expected_rows=n, rows=n)
    except BaseException as exc:
        landing.finish(exc)
        raise
    landing.finish()
    return landing.dir
