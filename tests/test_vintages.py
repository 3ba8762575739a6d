"""Release vintages: a revised release supersedes the earlier one in the marts (the top-level files,
release 'base', are the oldest), and the history mart answers "what did the data say on date D"."""

import duckdb
import pytest

from conftest import REVISED_AZE_WORLD_EXPORTS_2019

WORLD_EXPORTS_2019 = 19_635.7486  # USD mn, Azerbaijan's own figure in the 2022 vintage
REVISED = REVISED_AZE_WORLD_EXPORTS_2019


@pytest.fixture(scope="module")
def two_releases(changed_build):
    """The workbooks as delivered at the top of raw/imf_dots/ (release 'base', the oldest), then a
    dated release folder with a revised copy (conftest.changed_build, which also adds China's
    workbook and removes Macao's): the dated release must supersede the top-level files."""
    published, _, first_loaded = changed_build
    return published, first_loaded


def world_exports(conn, table: str, extra: str = "", params=()):
    return conn.execute(
        f"select value_usd / 1e6 from marts.{table} where reporter_iso3 = 'AZE' and partner_iso3 = 'WLD' "
        f"and flow = 'exports' and year = 2019 {extra}", list(params)).fetchall()


def test_the_revised_release_supersedes_in_the_marts(two_releases):
    db, _ = two_releases
    with duckdb.connect(str(db), read_only=True) as conn:
        assert world_exports(conn, "fct_trade_flows") == [(pytest.approx(REVISED),)]
        release = conn.execute("select release from marts.fct_trade_flows where reporter_iso3 = 'AZE' and partner_iso3 = 'WLD' "
                               "and flow = 'exports' and year = 2019").fetchone()[0]
        assert release == "2023-06"  # the dated release, not the top-level ('base') file
        # figures the revision did not touch keep one version, and marts have no duplicates
        turnover = conn.execute("select value_usd / 1e6 from marts.partner_shares where reporter_iso3 = 'AZE' "
                                "and partner_iso3 = 'CHN' and flow = 'turnover' and year = 2019").fetchall()
        assert turnover == [(pytest.approx(2183.7552),)]
        assert conn.execute("select count(*) from marts.fct_trade_flows where source = 'imf_dots'").fetchone()[0] == \
            6735 + 16084 + 19950  # raw/imf_dots/ without Macao's workbook (removed), each figure once


def test_history_answers_what_the_data_said_on_a_date(two_releases):
    db, first_loaded = two_releases
    with duckdb.connect(str(db), read_only=True) as conn:
        versions = conn.execute(
            "select release, value_usd / 1e6, valid_from, valid_to, is_latest from marts.fct_trade_flows_history "
            "where reporter_iso3 = 'AZE' and partner_iso3 = 'WLD' and flow = 'exports' and year = 2019 order by valid_from"
        ).fetchall()
        assert [(r, round(v, 4), latest) for r, v, _, _, latest in versions] == [
            ("base", WORLD_EXPORTS_2019, False), ("2023-06", REVISED, True)]
        assert versions[0][3] == versions[1][2]  # the old version ends when the new one starts
        said = "and valid_from <= ? and (valid_to is null or valid_to > ?)"
        assert world_exports(conn, "fct_trade_flows_history", said, [first_loaded, first_loaded]) == [(pytest.approx(WORLD_EXPORTS_2019),)]
        now = versions[1][2]
        assert world_exports(conn, "fct_trade_flows_history", said, [now, now]) == [(pytest.approx(REVISED),)]
        # unchanged figures: one version only
        n = conn.execute("select count(*) from marts.fct_trade_flows_history where reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' "
                         "and flow = 'imports' and year = 2019").fetchone()[0]
        assert n == 1


def test_release_order_base_is_oldest():
    from orchestration.lib.warehouse import release_order

    assert sorted(["2023-06", "base", "2022-02", "2023-06-15"], key=release_order) == [
        "base", "2022-02", "2023-06", "2023-06-15"]
