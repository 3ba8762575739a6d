"""A build over the real IMF set at half scale: the four embedded workbooks plus the 114 real ones of
tests/fixtures/imf_dots_more/ (118 reporters, ~1.27 million figures), with every real-world quirk in
them. It publishes; no real figure is lost; what is odd is named in warnings, nothing else.
"""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow


def query(db, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def one(db, sql: str, params: list | None = None):
    rows = query(db, sql, params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def world(db, reporter: str, flow: str, year: int) -> float:
    return one(db, "select value_usd from marts.fct_trade_flows where reporter_iso3 = ? and partner_iso3 = 'WLD' "
                   "and flow = ? and year = ?", [reporter, flow, year]) / 1e6


def test_the_real_set_publishes_with_only_real_oddities_warned(real_build):
    db, result = real_build
    assert result.success and result.published
    assert not result.failed_checks
    warned = {c.name for c in result.warnings}
    # what is really odd in the real set, and nothing else: the World workbook's five negative
    # residuals (quarantined, named) and partners above their reporter's World total (kept, flagged)
    assert "raw/imf_dots:imf_dots_values_readable" in warned
    assert any("is_share_above_total" in name for name in warned)
    assert not any("country_names_known" in n or "partner_sum" in n or "key_unique" in n for n in warned), warned
    readable = next(c for c in result.warnings if c.name == "raw/imf_dots:imf_dots_values_readable")
    assert {(k["file"], k["raw_value"]) for k in readable.metadata["offending_keys"]} == {
        ("imf_dots/DOTS_221.xlsx", v) for v in ("-4.8", "-2.7", "-0.9", "-0.936", "-3.1")}
    assert one(db, "select count(distinct reporter_iso3) from marts.fct_trade_flows where source = 'imf_dots'") == 117


def test_estimates_written_with_a_thousands_separator_are_in_the_marts(real_warehouse):
    # DOTS_100.xlsx, Imports, CIF, row 49, column AI: "1,032.13 e" (Jamaica's 1992 imports from the United States)
    row = one(real_warehouse, "select reporter_iso3, partner_iso3, value_usd, is_estimate, source_file, source_sheet "
                              "from marts.fct_trade_flows where source_file = 'imf_dots/DOTS_100.xlsx' and source_row = 49 "
                              "and flow = 'imports' and year = 1992")
    assert row[:2] == ("JAM", "USA") and row[2] / 1e6 == pytest.approx(1_032.13) and row[3] is True
    assert one(real_warehouse, "select count(*) from marts.fct_trade_flows where source = 'imf_dots' and is_estimate "
                               "and value_usd >= 1e9") == 1171
    # nothing of IMF DOTS but the repeated partner rows and the five negatives was set aside
    assert query(real_warehouse, "select category, count(*) from audit.quarantine where target_table = 'raw.imf_dots' "
                                 "group by 1 order by 1") == [("duplicate", 228), ("format", 5)]


def test_a_reporter_delivered_twice_counts_once(real_warehouse):
    assert query(real_warehouse, "select file, status, is_current from audit.load_log where delivery = 'Nicaragua' "
                                 "and status <> 'unchanged' order by file") == [
        ("imf_dots/DOTS_143.xlsx", "loaded", True), ("imf_dots/DOTS_144.xlsx", "duplicate", False)]
    assert one(real_warehouse, "select count(*) from marts.fct_trade_flows where source = 'imf_dots' "
                               "and reporter_iso3 = 'NIC'") == 7610
    assert world(real_warehouse, "NIC", "exports", 2019) == pytest.approx(2_696.767002)
    top = query(real_warehouse, "select partner_iso3, round(share_pct, 2), rank from marts.partner_shares "
                                "where reporter_iso3 = 'NIC' and flow = 'exports' and year = 2019 and rank <= 3 order by rank")
    assert top == [("USA", 48.96, 1), ("SLV", 10.58, 2), ("CRI", 5.42, 3)]


@pytest.mark.parametrize("reporter, flow, year, usd_mn", [
    ("DEU", "exports", 2019, 1_489_411.691953),
    ("JAM", "imports", 2019, 6_401.955915),
    ("SXM", "exports", 2010, 0.019389),   # Sint Maarten: a World total of 19,389 dollars
    ("AZE", "exports", 2019, 19_635.7486),
])
def test_real_world_totals_of_other_reporters(real_warehouse, reporter, flow, year, usd_mn):
    assert world(real_warehouse, reporter, flow, year) == pytest.approx(usd_mn, rel=1e-9)


def test_rounding_in_tiny_territories_is_not_an_error(real_build):
    """Sint Maarten's 2010 exports: USD 20,000 to Montserrat (an estimate rounded to 0.01 mn) against a
    World total of USD 19,389. Within the absolute floor: the partner-sum check passes; the share is
    kept and flagged, never ranked differently."""
    db, result = real_build
    check = next(c for c in result.checks if c.name == "raw/imf_dots:imf_dots_partner_sum_within_world_total")
    assert check.passed
    assert query(db, "select round(share_pct, 2), is_share_above_total, rank from marts.partner_shares "
                     "where reporter_iso3 = 'SXM' and partner_iso3 = 'MSR' and flow = 'exports' and year = 2010") == [
        (103.15, True, 1)]
    flagged = query(db, "select reporter_iso3, partner_iso3, year, flow from marts.partner_shares "
                        "where is_share_above_total order by all")
    # (Sint Maarten reports no imports for 2010: it has no 2010 turnover, only exports)
    assert flagged == [("CUW", "MEX", 2010, "imports"), ("SXM", "MSR", 2010, "exports")]


def test_reporters_that_are_not_countries_load_but_are_never_ranked(real_warehouse):
    # the World, IMF regions and the South African customs union report; as partners they are never ranked
    reporters = dict(query(real_warehouse, "select reporter_iso3, count(*) from marts.fct_trade_flows "
                                           "where reporter_iso3 in ('WLD', 'XSC') group by 1"))
    assert set(reporters) == {"WLD", "XSC"} and min(reporters.values()) > 1000
    assert one(real_warehouse, "select count(*) from marts.partner_shares where rank is not null "
                               "and partner_entity_type <> 'country'") == 0
    assert one(real_warehouse, "select entity_type from marts.dim_countries where iso3 = 'XSC'") == "aggregate"


def test_source_checks_judge_every_new_figure_in_batches_and_skip_gx_when_nothing_to_judge(real_build):
    """1.27 million real DOTS figures are more than one batch (FRAME_BATCH_ROWS): the row checks
    validate them in batches and count every figure once; a check whose query finds no candidate
    passes without a GX suite and says so; one with rows is judged by its GX expectation."""
    from orchestration.lib.quality import FRAME_BATCH_ROWS

    db, result = real_build
    checks = {c.name.split(":")[1]: c for c in result.checks if c.name.startswith("raw/imf_dots:")}
    figures = one(db, "select count(*) from raw.imf_dots")
    assert figures > FRAME_BATCH_ROWS
    for name in ("imf_dots_value_non_negative", "imf_dots_year_in_range", "imf_dots_unit_is_declared"):
        assert checks[name].passed and checks[name].metadata["rows_checked"] == figures, name
    key_unique = checks["imf_dots_key_unique"].metadata
    assert checks["imf_dots_key_unique"].passed and key_unique["rows_checked"] == 0
    assert key_unique["expectation"] == "not run by GX: no rows to judge"
    partner_sums = checks["imf_dots_partner_sum_within_world_total"].metadata
    assert partner_sums["rows_checked"] > 0
    assert partner_sums["expectation"].startswith("expect_column_pair_values_a_to_be_greater_than_b(")
