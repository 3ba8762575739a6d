"""End to end: the session's whole-warehouse build (conftest), and marts.claim_checks in it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = REPO / "raw" / "claims" / "documents"


@pytest.fixture(scope="module")
def warehouse(built_warehouse) -> Path:
    """The session's build of raw/ (conftest): claim_checks is a mart of every build."""
    return built_warehouse


@pytest.fixture(scope="module")
def checks(warehouse) -> dict[str, dict]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cur = conn.execute("select * from marts.claim_checks")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def test_one_row_per_claim(checks):
    assert len(checks) == 88


def test_verdict_counts(checks):
    counts: dict[str, int] = {}
    for row in checks.values():
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    assert counts == {"confirmed": 9, "consistent": 15, "conflicts": 6, "unverifiable": 58}


def test_2018_turnover_confirmed_by_azerbaijan_series(checks):
    row = checks["seed004-03"]
    assert row["verdict"] == "confirmed"
    assert row["evidence_basis"] == "reporter-reported"
    assert row["evidence_series"] == "IMF DOTS, as AZE reports"
    assert row["claimed_value"] == pytest.approx(1.3e9)
    assert row["computed_value"] / 1e6 == pytest.approx(1310.2, abs=0.05)
    assert "1,310.2 mn" in row["explanation"]
    assert "899.4 mn" in row["explanation"] and "China" in row["explanation"]


def test_2024_growth_consistent_with_2023_official_level(checks):
    row = checks["seed000-02"]
    assert row["verdict"] == "consistent"
    assert row["evidence_basis"] == "other claims"
    assert row["computed_value"] == pytest.approx(100 * (3.744 / 3.10 - 1))
    assert "3,100.0 mn" in row["explanation"] and "2023" in row["explanation"]
    assert "only other official statements" in row["explanation"]
    assert checks["seed000-01"]["verdict"] == "consistent"


def test_2024_figures_of_another_series_conflict(checks):
    level, growth = checks["seed002-01"], checks["seed002-02"]
    assert level["verdict"] == "conflicts"
    assert "3,744.0 mn" in level["explanation"] and "below" in level["explanation"]
    assert growth["verdict"] == "conflicts"
    assert growth["computed_value"] == pytest.approx(100 * (2.46 / 3.10 - 1))
    assert "belongs to another year's series" in growth["explanation"]
    assert "2023" in growth["explanation"] and "+43.5 %" in growth["explanation"]


def test_mirror_series_confirms_a_claim_on_china_statistics(checks):
    row = checks["press-trade-01"]  # 0.769 bn in 2016, 'statistics of the Chinese side'
    assert (row["verdict"], row["evidence_basis"]) == ("confirmed", "partner-reported (mirror)")


def test_partial_periods_and_registry_claims_are_unverifiable(checks):
    assert checks["press-trade-13"]["verdict"] == "unverifiable"  # Jan-Aug 2019
    assert "partial period" in checks["press-trade-13"]["explanation"]
    assert checks["seed000-07"]["verdict"] == "unverifiable"
    assert "no registry/fdi series" in checks["seed000-07"]["explanation"].lower()


# The article checker (corridor claims check) is tested in tests/test_articles_measured.py and
# tests/test_claims_check_cli.py, on the session build.
