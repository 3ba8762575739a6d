"""The claims ledger (raw/claims): every numeric figure quoted in the seed documents and press files.

Reads only files in the repository under raw/claims. Claims are figures to be checked, never ground truth;
these tests check that the ledger is faithful to its documents and well-formed, not that the figures are right.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

CLAIMS_DIR = Path(__file__).resolve().parents[1] / "raw" / "claims"
CLAIMS_CSV = CLAIMS_DIR / "claims.csv"
DOCUMENTS = CLAIMS_DIR / "documents"
PRESS = CLAIMS_DIR / "press"
MANIFEST = CLAIMS_DIR / "MANIFEST.md"

COLUMNS = [
    "claim_id", "document", "publisher", "published_date", "quote", "metric", "reporter_iso3",
    "partner_iso3", "period", "value", "unit", "basis", "basis_note",
]
METRICS = {
    "turnover", "exports", "imports", "turnover_yoy_pct", "exports_yoy_pct", "imports_yoy_pct",
    "partner_share_pct", "import_share_pct", "export_share_pct", "partner_rank", "import_rank", "export_rank",
    "companies_registered", "companies_active", "fdi_inflow", "fdi_outflow", "fdi_stock", "investment_total",
    "agreements_value", "agreements_count",
}
UNITS = {"USD bn", "USD mn", "USD", "percent", "rank", "count"}
BASES = {"AZE", "CHN", "CBAR", "unknown"}
SEED_FILES = [
    "000_89a053709fc8d48a.txt", "001_b86cda1bf428661a.txt", "002_07563a71f6f5b523.txt",
    "003_42d68a17d019144f.txt", "004_64acdcb160f3a6e7.txt",
]
PRESS_FILES = ["aze_chn_official_figures_from_press.csv", "aze_inward_fdi_cbar_press.csv",
               "aze_chn_figures_2021_2025_from_press.csv"]

ID_RE = re.compile(r"^(seed\d{3}-\d{2}|press-trade-\d{2}|press-fdi-\d{2}|press-2125-\d{2})$")
YEAR_RE = re.compile(r"^(\d{4})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
MONTHS_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.\.(\d{4})-(0[1-9]|1[0-2])$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PUB_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
ISO3_RE = re.compile(r"^[A-Z]{3}$")


def _rows() -> list[dict[str, str]]:
    with CLAIMS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _rows()


def _doc_text(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day covered by a period; raise ValueError if it breaks the grammar."""
    if m := YEAR_RE.match(period):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := QUARTER_RE.match(period):
        y, q = int(m.group(1)), int(m.group(2))
        start = dt.date(y, 3 * q - 2, 1)
        end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        return start, end
    if m := MONTHS_RE.match(period):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        start = dt.date(y1, m1, 1)
        end = dt.date(y2 + (m2 == 12), m2 % 12 + 1, 1) - dt.timedelta(days=1)
        if start > end:
            raise ValueError(f"month range runs backwards: {period}")
        return start, end
    if DATE_RE.match(period):
        d = dt.date.fromisoformat(period)
        return d, d
    raise ValueError(f"period does not follow the grammar: {period!r}")


# ---------------------------------------------------------------- files and format

def test_documents_and_press_files_present():
    for name in SEED_FILES:
        assert (DOCUMENTS / name).is_file(), name
    for name in PRESS_FILES:
        assert (PRESS / name).is_file(), name
    assert MANIFEST.is_file()


def test_claims_csv_header_encoding_and_line_endings():
    raw = CLAIMS_CSV.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "claims.csv must not start with a BOM"
    raw.decode("utf-8")
    with CLAIMS_CSV.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == COLUMNS


def test_manifest_sha256_matches_files():
    text = MANIFEST.read_text(encoding="utf-8")
    files = [CLAIMS_CSV] + [DOCUMENTS / n for n in SEED_FILES] + [PRESS / n for n in PRESS_FILES]
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rel = path.relative_to(CLAIMS_DIR).as_posix()
        line = next((ln for ln in text.splitlines() if rel in ln and re.search(r"[0-9a-f]{64}", ln)), None)
        assert line is not None, f"MANIFEST.md has no sha256 line for {rel}"
        assert digest in line, f"sha256 of {rel} in MANIFEST.md is stale"


def test_manifest_says_claims_are_not_ground_truth():
    assert "never ground truth" in MANIFEST.read_text(encoding="utf-8")


# ---------------------------------------------------------------- rows

def test_claim_ids_unique_and_well_formed(rows):
    ids = [r["claim_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for cid in ids:
        assert ID_RE.match(cid), cid


def test_no_empty_required_fields(rows):
    for r in rows:
        for col in COLUMNS:
            if col == "basis_note":
                continue
            assert r[col].strip(), f"{r['claim_id']}: empty {col}"


def test_vocabularies(rows):
    for r in rows:
        assert r["metric"] in METRICS, (r["claim_id"], r["metric"])
        assert r["unit"] in UNITS, (r["claim_id"], r["unit"])
        assert r["basis"] in BASES, (r["claim_id"], r["basis"])
        assert ISO3_RE.match(r["reporter_iso3"]), r["claim_id"]
        assert ISO3_RE.match(r["partner_iso3"]), r["claim_id"]
        assert r["reporter_iso3"] != r["partner_iso3"], r["claim_id"]


def test_units_fit_metrics(rows):
    for r in rows:
        m, u = r["metric"], r["unit"]
        if m.endswith("_pct"):
            assert u == "percent", r["claim_id"]
        elif m.endswith("_rank"):
            assert u == "rank", r["claim_id"]
        elif m.startswith("companies_") or m == "agreements_count":
            assert u == "count", r["claim_id"]
        else:
            assert u in {"USD bn", "USD mn", "USD"}, r["claim_id"]


def test_values_are_plain_numbers(rows):
    for r in rows:
        assert re.fullmatch(r"-?\d+(\.\d+)?", r["value"]), (r["claim_id"], r["value"])
        v = float(r["value"])
        if not r["metric"].endswith("_yoy_pct"):
            assert v >= 0, r["claim_id"]
        if r["metric"].endswith("_share_pct"):
            assert 0 <= v <= 100, r["claim_id"]
        if r["unit"] in {"rank", "count"}:
            assert v == int(v) and v >= 1, r["claim_id"]


def test_periods_follow_grammar(rows):
    for r in rows:
        parse_period(r["period"])


def test_period_grammar_rejects_bad_forms():
    for bad in ["2024-13..2024-14", "2024-Q5", "24", "2024-10..2024-01", "2024-02-30", "2024 Jan-Oct"]:
        with pytest.raises(ValueError):
            parse_period(bad)
    assert parse_period("2024-Q4") == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert parse_period("2024-01..2024-10") == (dt.date(2024, 1, 1), dt.date(2024, 10, 31))


def test_published_dates(rows):
    for r in rows:
        p = r["published_date"]
        assert PUB_RE.match(p), (r["claim_id"], p)
        if DATE_RE.match(p):
            dt.date.fromisoformat(p)


def test_seed_quotes_verbatim_and_numbered(rows):
    seed_rows = [r for r in rows if r["claim_id"].startswith("seed")]
    assert seed_rows
    for r in seed_rows:
        assert r["document"] in SEED_FILES, r["claim_id"]
        assert r["claim_id"].startswith("seed" + r["document"][:3] + "-"), r["claim_id"]
        assert r["quote"] in _doc_text(r["document"]), f"{r['claim_id']}: quote not verbatim in {r['document']}"
        assert re.search(r"\d|\bten\b|\bfourth\b|\bleading\b", r["quote"]), r["claim_id"]


def test_seed_published_date_matches_date_line(rows):
    for r in rows:
        if not r["claim_id"].startswith("seed"):
            continue
        m = re.match(r"\s*date (\d{4}-\d{2}-\d{2})", _doc_text(r["document"]))
        if m:
            assert r["published_date"] == m.group(1), r["claim_id"]


def test_press_rows_point_to_their_source(rows):
    with (PRESS / "aze_chn_official_figures_from_press.csv").open(encoding="utf-8", newline="") as f:
        trade_urls = {row["url"] for row in csv.DictReader(f)} - {""}
    fdi_text = (PRESS / "aze_inward_fdi_cbar_press.csv").read_text(encoding="utf-8")
    for r in rows:
        if r["claim_id"].startswith("press-trade"):
            assert r["document"] in trade_urls or r["document"].startswith(
                "aze_chn_official_figures_from_press.csv#line"), r["claim_id"]
        elif r["claim_id"].startswith("press-fdi"):
            assert r["document"] in fdi_text, r["claim_id"]
            assert r["metric"] == "fdi_inflow" and r["reporter_iso3"] == "AZE" and r["basis"] == "CBAR"
        elif r["claim_id"].startswith("press-2125"):
            assert r["document"] in _press_2125_urls(), r["claim_id"]


def test_every_fdi_press_row_has_a_claim(rows):
    fdi = [r for r in rows if r["claim_id"].startswith("press-fdi")]
    lines = (PRESS / "aze_inward_fdi_cbar_press.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(fdi) == len(lines) - 1
    assert {r["partner_iso3"] for r in fdi} >= {"WLD", "GBR", "TUR", "CYP", "RUS", "IRN", "ARE", "JPN", "HUN", "USA"}


def test_every_trade_press_row_has_a_claim(rows):
    with (PRESS / "aze_chn_official_figures_from_press.csv").open(encoding="utf-8", newline="") as f:
        press = list(csv.DictReader(f))
    claims = [r for r in rows if r["claim_id"].startswith("press-trade")]
    for p in press:
        if p["total_trade_usd_bn"]:
            assert any(float(c["value"]) == float(p["total_trade_usd_bn"]) and c["metric"] in {"turnover", "exports"}
                       for c in claims), p
        if p["yoy_pct"]:
            assert any(float(c["value"]) == float(p["yoy_pct"]) and c["metric"] == "turnover_yoy_pct"
                       for c in claims), p


def _press_2125() -> list[dict[str, str]]:
    with (PRESS / "aze_chn_figures_2021_2025_from_press.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _press_2125_urls() -> set[str]:
    return {row["url"] for row in _press_2125()} - {""}


def _scaled(value: str, unit: str) -> float:
    return float(value) * {"USD bn": 1e9, "USD mn": 1e6, "USD": 1.0}.get(unit, 1.0)


def test_every_figure_of_the_2021_2025_press_file_is_a_claim(rows):
    """Each line's main figure (and its growth rate) is a ledger claim from the same document: a new
    press-2125 claim, or the claim the ledger already had for the same statement (MANIFEST mapping);
    line 20 (a South Caucasus region total) is the one documented exception."""
    for line, p in enumerate(_press_2125(), 2):
        if line == 20:
            assert "South Caucasus" in p["metric"]
            continue
        same_document = [r for r in rows if r["document"] == (p["url"] or r["document"])]
        unit = p["unit"].replace(" (more than)", "").replace(" (approaching)", "")
        if unit.startswith("USD"):
            wanted = _scaled(p["value"], unit)
            assert any(abs(_scaled(r["value"], r["unit"]) - wanted) < 1e-6 * wanted for r in same_document
                       if r["unit"].startswith("USD")), (line, p["metric"], p["value"])
        else:  # a growth rate given as the line's value
            assert any(float(r["value"]) == float(p["value"]) and r["metric"].endswith("_yoy_pct")
                       for r in same_document), (line, p["value"])
        # the line's own growth rate is the first in its note (later ones quote other statements)
        for rate in re.findall(r"([+-]\d+(?:\.\d+)?)%", p["note"])[:1]:
            assert any(r["metric"].endswith("_yoy_pct") and float(r["value"]) == float(rate)
                       for r in same_document), (line, rate)
    new = [r for r in rows if r["claim_id"].startswith("press-2125")]
    assert len(new) == 23
    assert [r["claim_id"] for r in new] == [f"press-2125-{i:02d}" for i in range(1, 24)]


def test_2021_2025_press_claims_keep_their_reading(rows):
    (kerimli,) = [r for r in rows if r["claim_id"] == "press-2125-22"]
    assert (kerimli["metric"], kerimli["period"], kerimli["value"], kerimli["basis"]) == ("turnover", "2023", "2.2", "unknown")
    (outward,) = [r for r in rows if r["claim_id"] == "press-2125-19"]
    assert (outward["metric"], outward["reporter_iso3"], outward["partner_iso3"], outward["period"], outward["basis"]) == (
        "fdi_outflow", "CHN", "AZE", "2025-Q1", "CBAR")
    assert _find(rows, "imports", "2023-01..2023-11", 2.5)
    assert _find(rows, "turnover", "2023-01..2023-07", 1.6)


# ---------------------------------------------------------------- must-include claims

def _find(rows, metric, period, value, reporter="AZE", partner="CHN", seed=None):
    return [
        r for r in rows
        if r["metric"] == metric and r["period"] == period and float(r["value"]) == value
        and r["reporter_iso3"] == reporter and r["partner_iso3"] == partner
        and (seed is None or r["document"] == seed)
    ]


@pytest.mark.parametrize(
    "metric,period,value,seed",
    [
        ("turnover", "2024", 3.744, "000_89a053709fc8d48a.txt"),
        ("turnover_yoy_pct", "2024", 20.7, "000_89a053709fc8d48a.txt"),
        ("turnover", "2024", 2.46, "002_07563a71f6f5b523.txt"),
        ("turnover_yoy_pct", "2024", 43, "002_07563a71f6f5b523.txt"),
        ("partner_rank", "2024", 4, "000_89a053709fc8d48a.txt"),
        ("partner_share_pct", "2024", 7.9, "000_89a053709fc8d48a.txt"),
        ("import_share_pct", "2024", 17.69, "000_89a053709fc8d48a.txt"),
        ("import_rank", "2024", 1, "000_89a053709fc8d48a.txt"),
        ("turnover", "2018", 1.3, "004_64acdcb160f3a6e7.txt"),
    ],
)
def test_must_include_seed_claims(rows, metric, period, value, seed):
    assert _find(rows, metric, period, value, seed=seed), (metric, period, value, seed)


def test_must_include_company_counts(rows):
    for metric, value in [("companies_registered", 375), ("companies_active", 298)]:
        seed = [r for r in rows if r["metric"] == metric and float(r["value"]) == value
                and r["document"] == "000_89a053709fc8d48a.txt"]
        press = [r for r in rows if r["metric"] == metric and float(r["value"]) == value
                 and r["claim_id"].startswith("press-trade")]
        assert seed and press, metric
        for r in seed + press:
            assert r["period"].startswith("2025-04-"), r["claim_id"]
            assert (r["reporter_iso3"], r["partner_iso3"]) == ("AZE", "CHN")
    assert [r for r in rows if r["metric"] == "companies_registered" and float(r["value"]) == 119]


def test_must_include_press_figures(rows):
    assert _find(rows, "turnover", "2024", 3.744)
    assert _find(rows, "turnover", "2016", 0.769)
    assert _find(rows, "turnover", "2018", 1.3)
    assert _find(rows, "turnover", "2024-01..2024-10", 3.0)
    assert _find(rows, "turnover", "2025-01..2025-10", 2.44)
    assert _find(rows, "turnover", "2024-Q1", 0.7488)
    assert _find(rows, "investment_total", "2018", 0.8, reporter="AZE", partner="CHN")
    assert _find(rows, "investment_total", "2018", 1.7, reporter="CHN", partner="AZE")
    assert _find(rows, "fdi_inflow", "2023", 6700, partner="WLD")
    assert _find(rows, "fdi_inflow", "2024", 1740, partner="GBR")


def test_basis_where_stated(rows):
    (r2016,) = _find(rows, "turnover", "2016", 0.769)
    assert r2016["basis"] == "CHN"
    for r in _find(rows, "turnover", "2024", 3.744):
        assert r["basis"] == "AZE"
    for r in rows:
        if r["claim_id"].startswith("press-fdi"):
            assert r["basis"] == "CBAR"
