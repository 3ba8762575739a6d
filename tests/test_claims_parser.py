"""The claims ledger parser and period grammar (orchestration.lib.claims), without Dagster."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.lib import claims
from orchestration.lib.errors import SourceFileError

LEDGER = Path(__file__).resolve().parents[1] / "raw" / "claims" / "claims.csv"
CLAIMS = 88 + 23  # seeds and the two older press files; the 2021-2025 press file (press-2125-*)
CROSSWALK = Path(__file__).resolve().parents[1] / "raw" / "reference" / "country_names.csv"


def test_real_ledger_loads_with_nothing_quarantined():
    result = claims.parse_claims_file(LEDGER)
    assert result.rows.height == CLAIMS
    assert result.quarantine.height == 0
    row = result.rows.filter(result.rows["claim_id"] == "seed004-03").row(0, named=True)
    assert (row["metric"], row["period"], row["value"], row["unit"], row["basis"]) == ("turnover", "2018", "1.3", "USD bn", "AZE")
    assert row["source_row"] == 17


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2018", (dt.date(2018, 1, 1), dt.date(2018, 12, 31), "year")),
        ("2024-Q1", (dt.date(2024, 1, 1), dt.date(2024, 3, 31), "quarter")),
        ("2023-Q4", (dt.date(2023, 10, 1), dt.date(2023, 12, 31), "quarter")),
        ("2019-01..2019-08", (dt.date(2019, 1, 1), dt.date(2019, 8, 31), "months")),
        ("2024-02..2024-02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "months")),
        ("2025-04-29", (dt.date(2025, 4, 29), dt.date(2025, 4, 29), "date")),
    ],
)
def test_parse_period(period, expected):
    assert claims.parse_period(period) == expected


@pytest.mark.parametrize("period", ["2019 Jan-Aug", "2023-Q5", "2024-08..2024-03", "2024-02-30", "24", ""])
def test_parse_period_rejects(period):
    with pytest.raises(ValueError):
        claims.parse_period(period)


def _copy_with(tmp_path: Path, claim_id: str, **changes) -> Path:
    """The real ledger with one row changed (the raw file itself is never modified)."""
    import csv

    with LEDGER.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["claim_id"] == claim_id:
            r.update(changes)
    out = tmp_path / "claims.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=claims.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"metric": "trade_volume"}, "metric", "unknown metric"),
        ({"unit": "AZN bn"}, "unit", "unknown unit"),
        ({"period": "2019 Jan-Aug"}, "period", "unparseable period"),
        ({"value": "1,3"}, "value", "non-numeric value"),
        ({"value": "about 1.3"}, "value", "non-numeric value"),
        ({"published_date": "2025-02-30"}, "published_date", "not a date"),
        ({"published_date": "29/04/2025"}, "published_date", "not a date"),
    ],
)
def test_malformed_rows_are_quarantined(tmp_path, changes, column, reason):
    result = claims.parse_claims_file(_copy_with(tmp_path, "seed004-03", **changes))
    assert result.rows.height == CLAIMS - 1
    assert "seed004-03" not in result.rows["claim_id"].to_list()
    q = result.quarantine.row(0, named=True)
    assert result.quarantine.height == 1
    assert (q["row"], q["column"], q["file"]) == (17, column, "claims.csv")
    assert q["reason"].startswith(reason)
    assert q["raw_value"] == next(iter(changes.values()))


def test_unknown_country_code_is_quarantined_where_every_source_resolves_codes(tmp_path):
    """Codes are checked by the loader's resolver (one place for every source), not by the parser."""
    from orchestration.defs.ingestion._source import SPECS, resolve_countries
    import orchestration.defs.ingestion.claims  # noqa: F401  (declares the claims spec)
    from orchestration.lib.countries import Resolver, load_crosswalk, unknown_reason

    spec = next(s for s in SPECS if s.name == "claims")
    path = _copy_with(tmp_path, "seed004-03", partner_iso3="PRC")
    result = resolve_countries(spec.countries, Resolver(load_crosswalk(CROSSWALK)))(claims.parse_claims_file(path), path)
    assert result.rows.height == CLAIMS - 1 and "seed004-03" not in result.rows["claim_id"].to_list()
    q = result.quarantine.row(0, named=True)
    assert (q["row"], q["column"], q["raw_value"], q["reason"], q["category"]) == (
        17, "partner_iso3", "PRC", unknown_reason("code"), "reference")


def test_missing_column_fails_the_file(tmp_path):
    bad = tmp_path / "claims.csv"
    bad.write_text("claim_id,metric\nx,turnover\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="missing required column"):
        claims.parse_claims_file(bad)


def test_only_ledger_headers_are_ledgers():
    raw = LEDGER.parent
    assert claims.has_ledger_header(LEDGER)
    assert not claims.has_ledger_header(raw / "press" / "aze_chn_official_figures_from_press.csv")
