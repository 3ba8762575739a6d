"""Shares and ranks from the partner's side (marts.partner_shares_both_sides, partner_group_shares,
partner_reporting_coverage) and trade indicators (marts.trade_indicators), on real IMF DOTS data.

Every expected figure is recomputed here independently of the marts: Azerbaijan's concentration
from the raw workbook itself (polars), the partner-side ranks and counts from
``marts.fct_trade_flows`` (the figures as loaded). ``built_warehouse`` is the build of raw/
(Azerbaijan and China); ``real_warehouse`` adds the 114 real workbooks of tests/fixtures/imf_dots_more/.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import CROSSWALK, DOTS_AZE
from orchestration.lib.rules import rule

pytestmark = pytest.mark.slow

MN = 1e6
SHEETS = {"exports": "Exports, FOB", "imports": "Imports, CIF"}


def frame(db: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.sql(sql, params=params or None).pl()


def indicator(db: Path, reporter: str, flow: str, year: int, view: str) -> dict:
    found = frame(db, "select * from marts.trade_indicators where source = 'imf_dots' and reporter_iso3 = ? "
                      "and flow = ? and year = ? and view = ?", [reporter, flow, year, view]).to_dicts()
    assert len(found) == 1, found
    return found[0]


def workbook_figures(path: Path, year: int) -> pl.DataFrame:
    """partner name, flow, value in US dollars for one year, read from a DOTS workbook with polars
    (the duplicate partner row IMF delivers, with the same figures, counted once)."""
    out = []
    for flow, sheet in SHEETS.items():
        raw = pl.read_excel(path, sheet_name=sheet, engine="calamine", has_header=False)
        header = raw.row(3)
        col = raw.columns[header.index(str(year))]
        rows = (raw.slice(4).select(pl.col("column_0").alias("name"), pl.col(col).alias("cell"))
                .drop_nulls()
                .with_columns(value_usd=pl.col("cell").str.replace(r"\s*e$", "").str.replace_all(",", "")
                              .cast(pl.Float64) * MN, flow=pl.lit(flow))
                .unique(subset=["name"], keep="first"))
        out.append(rows.select("name", "flow", "value_usd"))
    return pl.concat(out)


def hhi(values: pl.Series) -> float:
    shares = 100 * values / values.sum()
    return float((shares ** 2).sum())


# --------------------------------------------------------------------- from the raw workbook (raw/)

def test_azerbaijan_partner_hhi_2019_recomputed_from_the_raw_workbook(built_warehouse):
    """Azerbaijan's own 2019 figures: HHI on the shares of named partner countries (entity type
    'country' in raw/reference/country_names.csv), top-5 share, partners, balance and coverage."""
    names = pl.read_csv(CROSSWALK).filter(pl.col("vocabulary") == "imf").select("name", "code", "entity_type")
    figures = workbook_figures(DOTS_AZE, 2019).join(names, on="name", how="left")
    assert figures.filter(pl.col("code").is_null()).height == 0  # every name known
    world = {f: figures.filter((pl.col("code") == "WLD") & (pl.col("flow") == f))["value_usd"].item() for f in SHEETS}
    countries = figures.filter((pl.col("entity_type") == "country") & (pl.col("value_usd") > 0))
    turnover = countries.group_by("code").agg(pl.col("value_usd").sum())
    by_flow = {**{f: countries.filter(pl.col("flow") == f)["value_usd"] for f in SHEETS}, "turnover": turnover["value_usd"]}
    totals = {**world, "turnover": world["exports"] + world["imports"]}

    for flow, values in by_flow.items():
        got = indicator(built_warehouse, "AZE", flow, 2019, "reported")
        assert got["partners"] == values.len()
        assert got["hhi"] == pytest.approx(hhi(values), rel=1e-9)
        assert got["top5_share_pct"] == pytest.approx(100 * values.sort(descending=True).head(5).sum() / totals[flow],
                                                      rel=1e-9)
        assert got["total_usd"] == pytest.approx(totals[flow], rel=1e-12)
        assert 0 < got["hhi"] <= 10_000 and not got["is_above_world_total"]
        # the balance and coverage of the reporter-year, on every flow row: World exports − World imports
        assert got["trade_balance_usd"] == pytest.approx(world["exports"] - world["imports"], rel=1e-12)
        assert got["export_import_coverage"] == pytest.approx(world["exports"] / world["imports"], rel=1e-12)
    # the real figures: exports lean on Italy (28.7 %), imports are spread wider; both below the
    # DOJ/FTC "moderately concentrated" threshold of 1,500
    exports, imports = indicator(built_warehouse, "AZE", "exports", 2019, "reported"), \
        indicator(built_warehouse, "AZE", "imports", 2019, "reported")
    assert (round(exports["hhi"], 1), round(imports["hhi"], 1)) == (1226.4, 742.1)
    assert (exports["partners"], imports["partners"]) == (117, 169)
    assert round(exports["trade_balance_usd"] / MN, 1) == 5968.1  # 19,635.7 − 13,667.6


# ------------------------------------------------------------- the partner's side (real workbooks)

def own_and_mirror(db: Path, reporter: str, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reporter's own turnover per partner country, and each reporting country's own turnover
    with the reporter (its exports to it + its imports from it), from marts.fct_trade_flows."""
    flows = frame(db, """
        select f.reporter_iso3, f.partner_iso3, f.partner_entity_type, f.flow, f.value_usd, r.entity_type as reporter_type
        from marts.fct_trade_flows f join marts.dim_countries r on r.iso3 = f.reporter_iso3
        where f.source = 'imf_dots' and f.product_code = 'TOTAL' and f.period = ? and f.flow in ('exports', 'imports')
          and (f.reporter_iso3 = ? or f.partner_iso3 = ?)""", [str(year), reporter, reporter])
    own = (flows.filter((pl.col("reporter_iso3") == reporter) & (pl.col("partner_entity_type") == "country"))
           .group_by(pl.col("partner_iso3").alias("partner")).agg(pl.col("value_usd").sum()))
    mirror = (flows.filter((pl.col("partner_iso3") == reporter) & (pl.col("reporter_type") == "country"))
              .group_by(pl.col("reporter_iso3").alias("partner")).agg(pl.col("value_usd").sum()))
    return own, mirror


def rank_of(values: pl.DataFrame, partner: str) -> int:
    mine = values.filter(pl.col("partner") == partner)["value_usd"].item()
    return 1 + values.filter(pl.col("value_usd") > mine).height


def test_china_rank_among_azerbaijans_partners_from_both_sides(real_warehouse):
    """2019 turnover: China is Azerbaijan's 4th partner in Azerbaijan's figures (USD 2,183.8 mn) and
    2nd among the partners that report their own trade with Azerbaijan (China's figure USD 1,477.2 mn;
    Germany reports more)."""
    own, mirror = own_and_mirror(real_warehouse, "AZE", 2019)
    row = frame(real_warehouse, "select * from marts.partner_shares_both_sides where source = 'imf_dots' "
                                "and reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and year = 2019 and flow = 'turnover'").to_dicts()[0]
    assert (row["own_rank"], row["mirror_rank"]) == (rank_of(own, "CHN"), rank_of(mirror, "CHN")) == (4, 2)
    assert row["rank_disagreement"] == 4 - 2
    assert round(row["own_value_usd"] / MN, 1) == 2183.8 and round(row["mirror_value_usd"] / MN, 1) == 1477.2
    top_mirror = mirror.sort("value_usd", descending=True)["partner"][0]
    assert top_mirror == "DEU"
    # both shares on Azerbaijan's own World total: they differ only by the two figures of the same trade
    assert row["mirror_share_pct"] / row["own_share_pct"] == pytest.approx(row["mirror_value_usd"] / row["own_value_usd"])
    # imports: 3rd in Azerbaijan's figures, 1st in its partners' (China's exports to Azerbaijan lead)
    imports = frame(real_warehouse, "select own_rank, mirror_rank from marts.partner_shares_both_sides where reporter_iso3 = 'AZE' "
                                    "and partner_iso3 = 'CHN' and year = 2019 and flow = 'imports'").row(0)
    assert imports == (3, 1)


def test_how_many_of_azerbaijans_partners_report(real_warehouse):
    """Of the 179 partner countries in Azerbaijan's own 2019 figures, 73 report their own trade with
    Azerbaijan in the real half of the IMF set (77 report some, 4 of them with no figure on Azerbaijan's
    side); they account for 30.6 % of Azerbaijan's own trade with partner countries (Italy, Turkey,
    Russia, Israel and India, its other top partners, are in the other half)."""
    own, mirror = own_and_mirror(real_warehouse, "AZE", 2019)
    both = own.join(mirror, on="partner", how="inner")
    summary = frame(real_warehouse, "select * from marts.partner_reporting_coverage where source = 'imf_dots' "
                                    "and reporter_iso3 = 'AZE' and year = 2019").to_dicts()[0]
    assert (summary["own_partners"], summary["own_partners_reporting"], summary["partners_reporting"]) == \
        (own.height, both.height, mirror.height) == (179, 73, 77)
    assert summary["reporting_partners_not_in_own_view"] == mirror.height - both.height == 4
    assert summary["own_trade_covered_pct"] == pytest.approx(100 * both["value_usd"].sum() / own["value_usd"].sum())
    assert round(summary["own_trade_covered_pct"], 1) == 30.6
    columns = frame(real_warehouse, "select distinct own_partners, partners_reporting, own_partners_reporting "
                                    "from marts.partner_shares_both_sides where reporter_iso3 = 'AZE' and year = 2019 "
                                    "and flow = 'turnover'").rows()
    assert columns == [(179, 77, 73)]


def test_azerbaijans_mirror_concentration_recomputed(real_warehouse):
    """The mirror view of Azerbaijan's 2019 imports: the partners' own exports to Azerbaijan."""
    flows = frame(real_warehouse, """
        select f.value_usd from marts.fct_trade_flows f join marts.dim_countries r on r.iso3 = f.reporter_iso3
        where f.source = 'imf_dots' and f.partner_iso3 = 'AZE' and f.flow = 'exports' and f.period = '2019'
          and f.product_code = 'TOTAL' and r.entity_type = 'country' and f.value_usd > 0""")["value_usd"]
    got = indicator(real_warehouse, "AZE", "imports", 2019, "mirror")
    assert got["partners"] == flows.len() and got["total_basis"] == "reporting_partners_sum"
    assert got["hhi"] == pytest.approx(hhi(flows), rel=1e-9)
    assert got["top5_share_pct"] == pytest.approx(100 * flows.sort(descending=True).head(5).sum() / flows.sum(), rel=1e-9)


def test_above_total_partners_are_flagged_not_failed(real_warehouse):
    """Real IMF data has reporters whose partner countries add up to more than their World total
    (Sint Maarten's turnover, 2010–2018): flagged, kept, the build published."""
    flagged = frame(real_warehouse, "select * from marts.trade_indicators where is_above_world_total")
    assert flagged.height > 0 and set(flagged["view"]) == {"reported"}
    assert (flagged["partner_total_pct_of_world"] > 100 + rule("share_float_tolerance_pp")).all()
    sxm = flagged.filter((pl.col("reporter_iso3") == "SXM") & (pl.col("flow") == "turnover"))
    assert sxm.height > 0 and sxm["top5_share_pct"].max() > 100
    unflagged = frame(real_warehouse, "select max(top5_share_pct) as m, max(hhi) as h from marts.trade_indicators "
                                      "where not is_above_world_total").row(0)
    assert unflagged[0] <= 100 + rule("share_float_tolerance_pp") and unflagged[1] <= 10_000 + 1e-6


# ---------------------------------------------------------------------------------- country groups

def test_eu_membership_as_of_each_year(built_warehouse):
    members = frame(built_warehouse, "select member_iso3, first_year, last_year from intermediate.int_country_group_members_dated "
                                     "where group_code = 'EU'")
    years = {r["member_iso3"]: (r["first_year"], r["last_year"]) for r in members.to_dicts()}
    assert len(years) == 29  # the 27 members, the United Kingdom and Greenland
    assert years["GBR"] == (1973, 2019)  # left on 31 January 2020
    assert years["GRL"] == (1973, 1984)  # left on 31 January 1985
    assert years["HRV"] == (2013, None) and years["CYP"] == (2004, None) and years["DEU"] == (1958, None)


def test_group_shares_from_both_sides(real_warehouse):
    """Azerbaijan's 2019 turnover with Greater China and with the EU of 2019 (the UK included) and
    of 2020 (without it), each as the sum of its members' figures from both sides."""
    own, mirror = own_and_mirror(real_warehouse, "AZE", 2019)
    group = frame(real_warehouse, "select * from marts.partner_group_shares where source = 'imf_dots' and reporter_iso3 = 'AZE' "
                                  "and flow = 'turnover' and year in (2019, 2020)")
    gc = group.filter((pl.col("group_code") == "GREATER_CHINA") & (pl.col("year") == 2019)).to_dicts()[0]
    members = ["CHN", "HKG", "MAC"]
    assert gc["own_value_usd"] == pytest.approx(own.filter(pl.col("partner").is_in(members))["value_usd"].sum(), rel=1e-12)
    assert gc["mirror_value_usd"] == pytest.approx(mirror.filter(pl.col("partner").is_in(members))["value_usd"].sum(), rel=1e-12)
    assert gc["members_reporting"] == mirror.filter(pl.col("partner").is_in(members)).height
    eu19, eu20 = (group.filter((pl.col("group_code") == "EU") & (pl.col("year") == y)).to_dicts()[0] for y in (2019, 2020))
    assert (eu19["group_members"], eu20["group_members"]) == (28, 27)
    eu_2019 = frame(real_warehouse, "select member_iso3 from intermediate.int_country_group_members_dated where group_code = 'EU' "
                                    "and first_year <= 2019 and coalesce(last_year, 9999) >= 2019")["member_iso3"].to_list()
    assert "GBR" in eu_2019 and len(eu_2019) == 28
    assert eu19["own_value_usd"] == pytest.approx(own.filter(pl.col("partner").is_in(eu_2019))["value_usd"].sum(), rel=1e-12)
    assert eu19["mirror_value_usd"] == pytest.approx(mirror.filter(pl.col("partner").is_in(eu_2019))["value_usd"].sum(), rel=1e-12)
    assert eu19["own_share_pct"] == pytest.approx(100 * eu19["own_value_usd"] / eu19["reporter_total_usd"])
