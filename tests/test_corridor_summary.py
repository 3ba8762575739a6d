"""marts.corridor_summary: one row per corridor and year, joining trade, FDI, companies and claims."""

import duckdb
import pytest


@pytest.fixture(scope="module")
def conn(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        yield c


def row(conn, corridor, year):
    rel = conn.sql(f"select * from marts.corridor_summary where corridor = '{corridor}' and year = {int(year)}")
    values = rel.fetchall()
    assert len(values) == 1, (corridor, year, len(values))
    return dict(zip(rel.columns, values[0]))


def test_trade_as_each_side_reports_it(conn):
    r = row(conn, "AZE-CHN", 2019)
    assert r["turnover_usd"] / 1e6 == pytest.approx(2183.76, abs=0.01)
    assert r["turnover_mirror_usd"] / 1e6 == pytest.approx(1477.19, abs=0.01)
    assert r["partner_rank"] == 4 and r["partner_share_pct"] == pytest.approx(6.56, abs=0.005)
    assert r["mirror_gap_usd"] == pytest.approx(r["turnover_usd"] - r["turnover_mirror_usd"])
    r20 = row(conn, "AZE-CHN", 2020)
    assert r20["partner_import_rank"] == 3 and r20["partner_import_share_pct"] == pytest.approx(13.15, abs=0.005)
    assert r20["turnover_yoy_pct"] == pytest.approx(100 * (1845.5056 / 2183.7552 - 1), abs=0.001)


def test_fdi_and_companies_join_the_trade(conn):
    assert row(conn, "AZE-CHN", 2008)["fdi_inflow_usd"] / 1e6 == pytest.approx(8)
    # the latest published company count at or before the year's end
    assert row(conn, "AZE-CHN", 2020)["companies_registered"] == 119
    r25 = row(conn, "AZE-CHN", 2025)
    assert (r25["companies_registered"], r25["companies_active"]) == (375, 298)


def test_claims_about_each_year_are_counted(conn):
    r = row(conn, "AZE-CHN", 2024)
    by_verdict = conn.execute(
        "select count(*) from marts.claim_checks where year(period_start) = 2024 and "
        "((reporter_iso3 = 'AZE' and partner_iso3 = 'CHN'))").fetchone()[0]
    assert r["claims_total"] == by_verdict > 0
    assert r["claims_conflicting"] >= 2  # the 2.46 bn / +43 % article
    assert r["claims_total"] == r["claims_confirmed"] + r["claims_consistent"] + r["claims_conflicting"] + r["claims_unverifiable"]
