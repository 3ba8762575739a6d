"""The IMF IMTS 2025 matrix, the UN Comtrade 2024 matrix and the IMF CDIS positions in the marts,
on the session build of the real raw/ folder (conftest's built_warehouse)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.comtrade_matrix import WORLD_REASON, ZERO_REASON
from orchestration.lib.fdi_cdis import DATA360_REASON

RAW = Path(__file__).resolve().parents[1] / "raw"


@pytest.fixture(scope="module")
def conn(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        yield c


def rows(conn, sql: str, *params):
    return conn.execute(sql, list(params)).fetchall()


def flow(conn, source: str, reporter: str, partner: str, year: int):
    return rows(conn, "select value_usd, flow, valuation, release, product_code from marts.fct_trade_flows "
                      "where source = ? and reporter_iso3 = ? and partner_iso3 = ? and year = ?",
                source, reporter, partner, year)


def test_every_raw_folder_is_watched_by_the_sensor():
    from orchestration.definitions import defs
    from orchestration.defs.automation.schedules import source_folders

    mapping = source_folders(defs.get_repository_def().asset_graph)
    folders = {p.name for p in RAW.iterdir() if p.is_dir()}
    assert folders <= set(mapping), sorted(folders - set(mapping))
    assert mapping["imf_imts"] == ["raw/imf_imts"] and mapping["fdi_cdis"] == ["raw/fdi_cdis"]
    assert mapping["comtrade_matrix"] == ["raw/comtrade_matrix"]


def test_imts_2025_exports_each_side_as_its_exporter_reports(conn):
    ((chn, f, v, release, product),) = flow(conn, "imf_imts", "CHN", "AZE", 2025)
    assert chn == pytest.approx(3_157.9e6) and (f, v, release, product) == ("exports", "FOB", "2025", "TOTAL")
    ((aze, *_),) = flow(conn, "imf_imts", "AZE", "CHN", 2025)
    assert aze == pytest.approx(86.7e6)
    assert rows(conn, "select count(*), count(distinct reporter_iso3), list(distinct flow) from marts.fct_trade_flows "
                      "where source = 'imf_imts'") == [(22_100, 195, ["exports"])]  # 196 economies; Taiwan only as an importer


def test_comtrade_2024_and_its_gaps(conn):
    ((aze, f, v, release, product),) = flow(conn, "comtrade_matrix", "AZE", "CHN", 2024)
    assert round(aze) == 19_700_022 and (f, release, product) == ("exports", "2024", "TOTAL")
    # China's exports to Azerbaijan are a gap of the pull: not a zero, not a figure
    assert flow(conn, "comtrade_matrix", "CHN", "AZE", 2024) == []
    assert rows(conn, 'select "row", "column", raw_value, reason from audit.quarantine '
                      "where target_table = 'raw.comtrade_matrix' and \"column\" like '%(Azerbaijan)' order by \"row\"") == [
        (2, "O (Azerbaijan)", "0.0", ZERO_REASON), (3, "O (Azerbaijan)", "0.0", ZERO_REASON)]
    assert rows(conn, "select count(*) from audit.quarantine where target_table = 'raw.comtrade_matrix' and reason = ?",
                WORLD_REASON) == [(2,)]
    assert rows(conn, "select count(*) from marts.fct_trade_flows where source = 'comtrade_matrix' and value_usd <= 0") == [(0,)]


def test_sources_without_imports_or_world_totals_give_no_turnover_shares_or_mirror(conn):
    for source in ("imf_imts", "comtrade_matrix"):
        assert rows(conn, "select count(*) from marts.partner_shares where source = ?", source) == [(0,)]
        assert rows(conn, "select count(*) from marts.mirror_gaps where source = ?", source) == [(0,)]
        assert rows(conn, "select count(*) from marts.trade_growth where source = ? and flow <> 'exports'", source) == [(0,)]
    # growth rows exist for the exports, without a previous year to compare with (yet)
    assert rows(conn, "select value_usd, prev_value_usd, yoy_pct from marts.trade_growth where source = 'imf_imts' "
                      "and reporter_iso3 = 'CHN' and partner_iso3 = 'AZE'") == [(pytest.approx(3_157.9e6), None, None)]


def test_cdis_positions_keep_the_reporting_side(conn):
    got = rows(conn, "select reporting_side, value_usd, rank, share_pct, basis from marts.fdi_by_origin "
                     "where source = 'imf_cdis' and host_iso3 = 'AZE' and origin_iso3 = 'CHN' and year = 2023 "
                     "and measure = 'position' order by reporting_side")
    assert [(side, round(v / 1e6, 2), rank, share) for side, v, rank, share, _ in got] == [
        ("host", 209.95, None, None), ("investor", 34.79, None, None)]
    assert got[0][4] == "IMF CDIS, inward position as Azerbaijan reports it"
    assert got[1][4] == "IMF CDIS, outward position as China reports it"
    assert rows(conn, "select min(year), max(year), count(*) from marts.fdi_by_origin where source = 'imf_cdis' "
                      "and reporting_side = 'host'") == [(2009, 2023, 15)]
    assert rows(conn, "select count(*) from audit.quarantine where target_table = 'raw.fdi_cdis' and reason = ?",
                DATA360_REASON) == [(6,)]


def test_fdi_mirror_sets_both_sides_against_each_other(conn):
    got = rows(conn, "select year, host_reported_usd, investor_reported_usd, gap_usd, host_to_investor_ratio, "
                     "host_source, investor_source from marts.fdi_mirror where host_iso3 = 'AZE' and origin_iso3 = 'CHN' "
                     "and measure = 'position' order by year")
    assert [y for y, *_ in got] == list(range(2018, 2024))
    y2023 = got[-1]
    assert round(y2023[1] / 1e6, 1) == 210.0 and round(y2023[2] / 1e6, 2) == 34.79
    assert y2023[3] == pytest.approx(y2023[1] - y2023[2])
    assert y2023[4] == pytest.approx(209.954283011765 / 34.7943)
    assert y2023[5:] == ("imf_cdis", "imf_cdis")
    # 2019: China reports USD 2.09 mn, Azerbaijan USD 186.83 mn
    assert got[1][4] == pytest.approx(186.83 / 2.0857)


def test_corridor_summary_reads_every_source(conn):
    def summary(year):
        rel = conn.sql("select * from marts.corridor_summary where corridor = 'AZE-CHN' and year = ?", params=[year])
        (values,) = rel.fetchall()
        return dict(zip(rel.columns, values))

    y2025 = summary(2025)
    assert (y2025["trade_source"], y2025["mirror_source"]) == ("imf_imts", "imf_imts")
    assert y2025["exports_usd"] == pytest.approx(86.7e6)
    assert y2025["imports_mirror_usd"] == pytest.approx(3_157.9e6)  # China's exports to Azerbaijan
    assert y2025["turnover_usd"] is None and y2025["partner_share_pct"] is None and y2025["mirror_gap_usd"] is None
    y2024 = summary(2024)
    assert y2024["trade_source"] == "comtrade_matrix" and round(y2024["exports_usd"]) == 19_700_022
    y2023 = summary(2023)
    assert round(y2023["fdi_position_usd"] / 1e6, 1) == 210.0 and round(y2023["fdi_position_investor_usd"] / 1e6, 2) == 34.79
    assert y2023["fdi_position_source"] == "imf_cdis"
    y2019 = summary(2019)  # the IMF DOTS years are as before
    assert (y2019["trade_source"], y2019["mirror_source"]) == ("imf_dots", "imf_dots")
    assert y2019["turnover_usd"] / 1e6 == pytest.approx(2183.76, abs=0.01)


def test_new_sources_are_logged_per_file(conn):
    logged = dict(rows(conn, "select file, rows_loaded || '/' || rows_quarantined from audit.load_log "
                             "where source in ('imf_imts', 'comtrade_matrix', 'fdi_cdis') and status = 'loaded'"))
    assert logged == {
        "imf_imts/2025/trade_data.json": "22100/0",
        "comtrade_matrix/2024/trade_matrix_all_transport_modes_TOTAL__AZE_CHN_rows_extract.csv": "325/115",
        "fdi_cdis/cdis_dbnomics_mirror_inward_from_cn__AZ_extract.csv": "15/0",
        "fdi_cdis/cdis_dbnomics_cn_outward__AZ_extract.csv": "6/0",
        "fdi_cdis/cdis_data360_cn_outward__AZ_extract.csv": "0/6",
    }
