"""marts.claim_checks on the session build of the real raw/ folder (conftest's built_warehouse).

Every statistic and statement the warehouse holds is evidence; the figures asserted are the real
ones (IMF DOTS, IMF IMTS 2025, UN Comtrade 2024, IMF CDIS, the officials' company counts)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = REPO / "raw" / "claims" / "documents"


@pytest.fixture(scope="module")
def warehouse(built_warehouse) -> Path:
    return built_warehouse


@pytest.fixture(scope="module")
def checks(warehouse) -> dict[str, dict]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cur = conn.execute("select * from marts.claim_checks")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def test_one_row_per_claim(checks):
    assert len(checks) == 88 + 23  # the ledger: seeds and the two older press files, the 2021-2025 press file


def test_verdict_counts(checks):
    counts: dict[str, int] = {}
    for row in checks.values():
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    assert counts == {"confirmed": 12, "consistent": 21, "conflicts": 8, "unverifiable": 70}


def test_every_decided_verdict_names_its_evidence(checks):
    for row in checks.values():
        if row["verdict"] != "unverifiable":
            assert row["evidence_source"] and row["evidence_release"], row["claim_id"]
            assert row["computed_value"] is not None, row["claim_id"]
        if row["evidence_source"] is None:
            assert row["evidence_release"] is None and row["evidence_basis"] is None, row["claim_id"]


def test_2018_turnover_confirmed_by_azerbaijan_series(checks):
    row = checks["seed004-03"]
    assert row["verdict"] == "confirmed"
    assert row["evidence_basis"] == "reporter-reported"
    assert row["evidence_series"] == "IMF DOTS, as AZE reports"
    assert (row["evidence_source"], row["evidence_release"]) == ("imf_dots", "base")
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
    assert (row["evidence_source"], row["evidence_release"]) == ("claims", "2024-04-22")  # Ding Tao's 3.1 bn for 2023
    level = checks["seed000-01"]
    assert level["verdict"] == "consistent" and level["evidence_source"] == "claims"
    assert set(level["evidence_series"].removeprefix("claims ").split(", ")) == {"press-trade-33", "press-2125-11"}
    # the only 2024 statistic is named, and why it is not a turnover: UN Comtrade, Azerbaijan's exports
    assert "USD 19.7 mn (UN Comtrade (trade matrix))" in level["explanation"]
    assert "no turnover on either side" in level["explanation"]


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


def test_partial_periods_are_never_compared_with_full_years(checks):
    row = checks["press-trade-13"]  # Jan-Aug 2019, USD 1.543 bn
    assert row["verdict"] == "unverifiable" and row["computed_value"] is None
    assert "partial period (2019-01..2019-08)" in row["explanation"]
    # the full-year figure is named, and said to be one
    assert "2,183.8 mn" in row["explanation"] and "never compared" in row["explanation"]
    assert (row["evidence_basis"], row["evidence_source"]) == ("context only", "imf_dots")


def test_quarterly_figures_only_meet_the_same_quarter(checks):
    # Q1 2024 +19.8 %: the Q1 2023 level (625.1 mn) is in the same article, which cannot vouch for
    # itself, and no statistic is quarterly: unverifiable, and no full-year figure stands in
    row = checks["press-trade-28"]
    assert row["verdict"] == "unverifiable" and row["computed_value"] is None
    assert "partial period (2024-Q1)" in row["explanation"]
    level = checks["press-trade-27"]  # Q1 2024 turnover 748.8 mn
    assert level["verdict"] == "unverifiable"
    assert "for the full year 2024" in level["explanation"] and "USD 19.7 mn" in level["explanation"]
    assert "never compared" in level["explanation"]


def test_year_to_date_2025_against_the_full_year_imts(checks):
    for claim_id, span in [("press-trade-40", "2025-01..2025-04"), ("press-trade-42", "2025-01..2025-07"),
                           ("press-trade-44", "2025-01..2025-10")]:
        row = checks[claim_id]
        assert row["verdict"] == "unverifiable", claim_id
        assert f"partial period ({span})" in row["explanation"]
        assert "3,157.9 mn (IMF IMTS)" in row["explanation"] and "86.7 mn (IMF IMTS)" in row["explanation"]
        assert "full-year figures, which a part-year figure is never compared with" in row["explanation"]
        assert (row["evidence_source"], row["evidence_release"]) == ("imf_imts", "2025")


def test_2025_turnover_names_the_imts_exports_of_each_side(checks):
    row = checks["press-trade-46"]  # 2025 turnover USD 4.87 bn (Azerbaijan's basis)
    assert row["verdict"] == "unverifiable" and row["computed_value"] is None
    assert (row["evidence_basis"], row["evidence_source"], row["evidence_release"]) == ("context only", "imf_imts", "2025")
    assert "Azerbaijan's to China USD 86.7 mn (IMF IMTS)" in row["explanation"]
    assert "China's to Azerbaijan USD 3,157.9 mn (IMF IMTS)" in row["explanation"]
    growth = checks["press-trade-47"]  # +30.2 %: 4.87 over the 3.744 stated for 2024
    assert growth["verdict"] == "consistent"
    assert growth["computed_value"] == pytest.approx(100 * (4.87 / 3.744 - 1))


def test_2024_exports_confirmed_by_un_comtrade(checks):
    row = checks["press-trade-39"]  # "USD 19.7 million", Azerbaijan's exports to China in 2024
    assert row["verdict"] == "confirmed"
    assert (row["evidence_source"], row["evidence_release"]) == ("comtrade_matrix", "2024")
    assert round(row["computed_value"]) == 19_700_022
    assert row["evidence_series"] == "UN Comtrade (trade matrix), as AZE reports"


def test_the_2023_figure_of_another_year(checks):
    level, growth = checks["press-2125-22"], checks["press-2125-23"]  # "approaching 2.2 bn", "+21 % in 2023"
    assert level["verdict"] == "conflicts" and level["computed_value"] == pytest.approx(3.1e9)
    assert growth["verdict"] == "conflicts"
    assert "belongs to another year's series" in growth["explanation"] and "2022" in growth["explanation"]


def test_company_counts_against_the_published_counts(checks):
    # the seed repeats the April 2025 figures without a source: the nearest count at or before its
    # date is the one President Aliyev's interview published (2025-04-22)
    for claim_id, value in [("seed000-07", 375), ("seed000-08", 298)]:
        row = checks[claim_id]
        assert row["verdict"] == "confirmed" and row["computed_value"] == value
        assert (row["evidence_source"], row["evidence_release"]) == ("registry_counts", "2025-04-22")
        assert "official statement" in row["explanation"] and "vestikavkaza" in row["explanation"]
    # the interview itself, and the 2019 statement: they are where the counts come from
    for claim_id in ("press-trade-37", "press-trade-38", "press-trade-10"):
        row = checks[claim_id]
        assert row["verdict"] == "unverifiable", claim_id
        assert "restates the statement" in row["explanation"] and "cannot confirm itself" in row["explanation"]
        assert row["evidence_source"] == "registry_counts" and row["computed_value"] is None
    assert "(2025-04-22: 375" in checks["press-trade-37"]["explanation"]  # not the older 119 of 2019


def test_fdi_claims_against_fdi_by_origin(checks):
    row = checks["press-fdi-13"]  # CBAR 2024, United Kingdom USD 1,740 mn: the release row it restates
    assert row["verdict"] == "unverifiable" and row["evidence_source"] == "cbar_press"
    assert "restates the statement" in row["explanation"] and "4023519" in row["explanation"]
    quarter = checks["press-2125-18"]  # Q1 2025 FDI from China, 7.4 mn: the FDI statistics are annual
    assert quarter["verdict"] == "unverifiable" and "partial period (2025-Q1)" in quarter["explanation"]


# The article checker (corridor claims check) is tested in tests/test_articles_measured.py and
# tests/test_claims_check_cli.py, on the session build.
