"""The corridor report (orchestration.lib.report), rendered in-process from the session's warehouse.

What a reader sees is checked in a real browser in test_browser.py; here: the figures, readings,
labels, CSV downloads and chart specs, against the warehouse's own marts.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import duckdb
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

from orchestration.lib.report import blocks as blocks_module
from orchestration.lib.report import build_report, vega
from orchestration.lib.report.blocks import Block, section
from orchestration.lib.report.charts import RECENT_YEARS, clip_pct, nice_ceil, ordinal
from orchestration.lib.report.context import Context
from orchestration.lib.report.page import blocks, render, spec_of

PAGE_ORDER = ["turnover", "exports-imports", "share", "rank", "growth", "mirror-gap", "gap-decomposition", "fdi", "companies",
              "claims"]


@pytest.fixture(scope="module")
def conn(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        yield c


@pytest.fixture(scope="module")
def ctx(conn) -> Context:
    return Context.open(conn, "AZE", "CHN")


@pytest.fixture(scope="module")
def found(ctx) -> dict[str, Block]:
    return {b.id: b for b in blocks(ctx)}


@pytest.fixture(scope="module")
def page(ctx) -> str:
    return render(ctx)


def csv_rows(block: Block) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(block.csv())))


def marks(spec: dict, inherited: dict | None = None):
    """(mark type, effective encoding) of every unit spec in a (layered / faceted) Vega-Lite spec."""
    encoding = {**(inherited or {}), **spec.get("encoding", {})}
    if "mark" in spec:
        mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
        yield mark, encoding
    for child in spec.get("layer", []):
        yield from marks(child, encoding)
    if "spec" in spec:
        yield from marks(spec["spec"], encoding)


# ---- sections, readings, figures -------------------------------------------------------------
def test_every_section_has_a_reading_source_unit_and_data(found):
    assert list(found) == PAGE_ORDER
    for block in found.values():
        assert block.rows, block.id
        assert block.reading.endswith("."), block.id
        assert block.source and block.unit, block.id


def test_readings_are_computed_from_the_data(found):
    assert found["turnover"].reading == (
        "In 2020, Azerbaijan recorded USD 1,846 mn of trade with China; China recorded USD 1,296 mn: "
        "the two sides differ by USD 549 mn.")
    assert found["share"].reading == (
        "In 2020, China was Azerbaijan's 4th trading partner, with 7.5 % of its trade, "
        "and its 3rd source of imports (13.1 %).")
    assert found["exports-imports"].reading == (
        "In 2020, Azerbaijan's imports from China were USD 1,413 mn by its own count and USD 618 mn by China's; "
        "its exports to China USD 433 mn by its own count and USD 679 mn by China's.")
    assert found["growth"].reading.startswith(
        "In 2020, trade fell 15.5 % as Azerbaijan reports it and fell 12.2 % as China reports it.")
    assert found["rank"].reading.startswith("In 2020, China ranked 4th among Azerbaijan's trading partners; "
                                            "its best rank, 4th, was in 2016, 2017, 2019, 2020.")
    assert found["mirror-gap"].reading.startswith(
        "In 2020, Azerbaijan's recorded imports from China were 129 % above China's recorded exports to it; "
        "its exports 36 % below China's recorded imports.")
    assert found["gap-decomposition"].reading == (
        "In 2020, Azerbaijan recorded USD 1,413 mn of imports from China and China USD 618 mn of exports to Azerbaijan "
        "(ratio 2.29, outside the 0.95–1.25 freight and insurance allow): freight and insurance explain USD 37 mn, "
        "routing through Hong Kong and Macao at most USD 110 mn, unspecified partners USD 0.3 mn, revisions USD 0.0 mn, "
        "leaving USD 648 mn unexplained (origin vs consignment, timing, or misreporting).")
    assert found["fdi"].reading == ("UNCTAD bilateral FDI records USD 10 mn of inflows from China over 2001–2012, "
                                    "the largest USD 8.0 mn in 2008.")
    assert found["companies"].reading.startswith("Latest published count (2025-04-22): 375 registered, 298 active")
    assert found["claims"].reading == ("86 figures quoted about Azerbaijan–China, checked against the warehouse: "
                                       "12 confirmed, 21 consistent, 8 conflicts, 45 unverifiable.")


def test_turnover_csv_is_each_sides_published_figure(found, conn):
    """The download holds exactly the warehouse's turnover as each side reports it (2019: 2,183.8 vs 1,477.2)."""
    expected = {
        (year, "as Azerbaijan reports" if reporter == "AZE" else "as China reports (mirror)"): value
        for reporter, year, value in conn.execute(
            "select reporter_iso3, year, value_usd / 1e6 from marts.partner_shares where source = 'imf_dots' "
            "and flow = 'turnover' and ((reporter_iso3 = 'AZE' and partner_iso3 = 'CHN') "
            "or (reporter_iso3 = 'CHN' and partner_iso3 = 'AZE'))").fetchall()
    }
    got = {(int(r["year"]), r["series"]): float(r["value_usd_mn"]) for r in csv_rows(found["turnover"])}
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(v, rel=1e-9) for k, v in expected.items())
    assert round(got[(2019, "as Azerbaijan reports")], 1) == 2183.8
    assert round(got[(2019, "as China reports (mirror)")], 1) == 1477.2


def test_mirror_of_exports_is_the_partners_imports(found):
    rows = {(int(r["year"]), r["recorded_as"]): float(r["value_usd_mn"]) for r in csv_rows(found["exports-imports"])}
    assert round(rows[(2019, "Azerbaijan's exports to China (FOB)")], 1) == 752.2
    assert round(rows[(2019, "China's imports from Azerbaijan (CIF)")], 1) == 860.2
    assert round(rows[(2019, "Azerbaijan's imports from China (CIF)")], 1) == 1431.6
    assert round(rows[(2019, "China's exports to Azerbaijan (FOB)")], 1) == 617.0


def test_waterfall_steps_from_one_sides_figure_to_the_others(found, conn):
    """Each panel starts at the exporter's FOB figure, stacks the mart's five components in its order and
    ends exactly at the importer's CIF figure (marts.gap_decomposition, 2020, both directions)."""
    rows = csv_rows(found["gap-decomposition"])
    panels = {r["panel"] for r in rows}
    assert panels == {"Azerbaijan's imports from China, 2020", "China's imports from Azerbaijan, 2020"}
    for panel in panels:
        bars = sorted((r for r in rows if r["panel"] == panel), key=lambda r: int(r["order"]))
        importer = "AZE" if panel.startswith("Azerbaijan") else "CHN"
        mart = conn.execute(
            "select exporter_fob_usd, revision_usd, freight_insurance_usd, routing_usd, unspecified_usd, residual_usd, "
            "importer_cif_usd from marts.gap_decomposition where source = 'imf_dots' and year = 2020 and importer_iso3 = ? "
            "and exporter_iso3 = ?", [importer, "CHN" if importer == "AZE" else "AZE"]).fetchone()
        assert [b["step"] for b in bars][1:6] == ["revision", "freight & insurance", "routing via Hong Kong/Macao",
                                                   "unspecified partners", "residual"]
        assert [float(b["amount_usd_mn"]) for b in bars] == pytest.approx([v / 1e6 for v in mart], abs=1e-6)  # the CSV has 6 decimals
        for before, bar in zip(bars[1:6], bars[2:6]):  # each component starts where the one before it ended
            assert float(bar["start_usd_mn"]) == pytest.approx(float(before["end_usd_mn"]), rel=1e-9)
        assert float(bars[5]["end_usd_mn"]) == pytest.approx(float(bars[6]["end_usd_mn"]), rel=1e-9)
    aze = {r["step"]: float(r["amount_usd_mn"]) for r in rows if r["panel"].startswith("Azerbaijan")}
    assert (round(aze["China's exports (FOB)"], 1), round(aze["Azerbaijan's imports (CIF)"], 1)) == (617.6, 1412.7)


def test_a_gap_without_a_ratio_reads_plainly():
    """An exporter reporting zero gives no CIF/FOB ratio (the mart's column is null): said, not a crash."""
    from orchestration.lib.report.charts import ratio_text

    assert ratio_text({"cif_fob_ratio": None, "is_ratio_implausible": None}) == "no ratio: the exporter's figure is zero"
    assert ratio_text({"cif_fob_ratio": 1.144, "is_ratio_implausible": False}) == \
        "ratio 1.14, within the 0.95–1.25 freight and insurance allow"


def test_every_chart_draws_its_csv_rows(found):
    for block in found.values():
        if block.chart is None:
            continue
        spec = spec_of(block)
        assert spec["datasets"]["rows"] is block.rows, block.id
        assert len(csv_rows(block)) == len(block.rows), block.id


# ---- labels and sources ----------------------------------------------------------------------
def test_legends_say_whose_statistics(found):
    assert {r["series"] for r in found["turnover"].rows} == {"as Azerbaijan reports", "as China reports (mirror)"}
    assert {r["series"] for r in found["growth"].rows} == {"as Azerbaijan reports", "as China reports (mirror)"}
    assert {r["source"] for r in found["fdi"].rows} == {"UNCTAD bilateral FDI"}
    for block in found.values():  # no source id or column name in any legend or footer
        assert not re.search(r"\b(imf_dots|unctad_fdi|cbar_press|same, CHN data)\b", block.source + block.reading), block.id


def test_source_names_come_from_the_one_mapping(ctx, conn, found):
    names = dict(conn.execute("select source, name from marts.dim_sources").fetchall())
    assert names["imf_dots"] == "IMF DOTS"
    assert names["unctad_fdi"] == "UNCTAD bilateral FDI"
    assert names["cbar_press"] == "Central Bank of Azerbaijan (press)"
    used = {r[0] for r in conn.execute(
        "select source from marts.fct_trade_flows union select source from marts.fdi_by_origin").fetchall()}
    assert used <= names.keys(), f"source ids without a name in dbt_project/seeds/dim_sources.csv: {used - names.keys()}"
    assert found["turnover"].source.startswith("IMF DOTS — International Monetary Fund")


# ---- charts: tooltips, validity, outliers ----------------------------------------------------
def test_specs_are_valid_vega_lite_with_a_tooltip_on_every_mark(found):
    schema = core.load_schema()
    for block in found.values():
        if block.chart is None:
            continue
        spec = spec_of(block)
        validate_jsonschema(spec, schema)
        drawn = [(mark, enc) for mark, enc in marks(spec) if mark != "rule"]
        assert drawn, block.id
        for mark, enc in drawn:
            assert enc.get("tooltip"), f"{block.id}: a {mark} mark without a tooltip"


def test_growth_outliers_do_not_flatten_recent_years(found):
    block = found["growth"]
    rows = {(r["year"], r["series"]): r for r in block.rows}
    last = max(y for y, _ in rows)
    bound = max(abs(r["shown"]) for r in block.rows)
    assert bound == 100  # the last ten years' largest change is +92.1 % (2016)
    old = rows[(1993, "as Azerbaijan reports")]
    assert old["yoy_pct"] == pytest.approx(870.457, abs=1e-3) and old["shown"] == 100
    assert old["clipped"] == "▲ off the scale"
    assert all("clipped" not in r for (y, _), r in rows.items() if y > last - RECENT_YEARS)
    spec = spec_of(block)
    assert [layer["encoding"]["y"]["scale"]["domain"] for layer in spec["layer"] if layer["mark"]["type"] == "bar"] == \
        [[-100, 100]]
    exported = {(int(r["year"]), r["series"]): r for r in csv_rows(block)}
    assert float(exported[(1993, "as Azerbaijan reports")]["yoy_pct"]) == pytest.approx(870.457, abs=1e-3)


def test_clip_pct_fits_the_recent_years():
    rows = [{"year": 1993, "v": 1300.0}, {"year": 1994, "v": -99.0}, {"year": 2019, "v": 66.7}, {"year": 2020, "v": -15.5}]
    assert clip_pct(rows, "v") == 100
    assert [(r["shown"], r.get("clipped")) for r in rows] == [
        (100, "▲ off the scale"), (-99.0, None), (66.7, None), (-15.5, None)]
    rows = [{"year": 2019, "v": 132.0}, {"year": 2020, "v": 1291.4}]
    assert clip_pct(rows, "v") == 1500


@pytest.mark.parametrize(("value", "nice"), [(92.1, 100), (132.0, 150), (0.4, 0.4), (238.4, 250), (1017.6, 1500)])
def test_nice_ceil(value, nice):
    assert nice_ceil(value) == pytest.approx(nice)


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (22, "22nd")])
def test_ordinal(n, text):
    assert ordinal(n) == text


# ---- the page ----------------------------------------------------------------------------------
class Resources(HTMLParser):
    """Every element of the page that would load something (script contents are not parsed as tags)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (name == "src" or (tag == "link" and name == "href")) and value:
                self.found.append((tag, value))


def test_page_loads_nothing_from_the_network(page):
    parser = Resources()
    parser.feed(page)
    assert parser.found == [], "every resource is inline"
    assert "vegaEmbed" in page and "corridor-specs" in page
    assert page.count('class="download"') == len(PAGE_ORDER)


def test_csv_links_are_the_csv(found, page):
    for block_id, block in found.items():
        m = re.search(rf'<a class="download" download="AZE-CHN-{block_id}.csv" href="data:text/csv;charset=utf-8,([^"]+)"', page)
        assert m, block_id
        assert unquote(m.group(1)) == block.csv()


def test_claims_table_names_every_publisher(found, page, conn):
    table = page[page.index('<table id="claims-table"'):]
    rows = re.findall(r'<tr data-verdict="(\w+)" data-claim="([\w-]+)">(.*?)</tr>', table)
    assert len(rows) == conn.execute(
        "select count(*) from marts.claim_checks where (reporter_iso3, partner_iso3) in (('AZE', 'CHN'), ('CHN', 'AZE'))"
    ).fetchone()[0] == 86
    publishers = {claim: re.search(r'class="c-publisher"[^>]*>(?:<[^>]+>)?([^<]*)<', cells).group(1) for _, claim, cells in rows}
    assert "unknown" not in publishers.values()
    assert publishers["seed000-01"] == "not stated in the document"
    assert publishers["seed002-01"] == "AZERTAC (interview with Ding Jianwei, Taihe Institute)"
    assert publishers["seed004-01"] == "Jamestown Foundation, Eurasia Daily Monitor (Vol. 16 Issue 62)"
    # a press row links to its document
    assert re.search(r'<a href="https://en\.trend\.az/[^"]+" rel="noopener">Trend', table)


def test_the_other_side_of_the_pair(conn):
    page = build_report(conn, "CHN", "AZE")
    ctx = Context.open(conn, "CHN", "AZE")
    found = {b.id: b for b in blocks(ctx)}
    # no FDI or company figures exist with China as host
    assert list(found) == ["turnover", "exports-imports", "share", "rank", "growth", "mirror-gap", "gap-decomposition",
                           "claims"]
    assert found["gap-decomposition"].reading.startswith("In 2020, China recorded USD 679 mn of imports from Azerbaijan")
    assert found["turnover"].reading.startswith("In 2020, China recorded USD 1,296 mn of trade with Azerbaijan; "
                                                "Azerbaijan recorded USD 1,846 mn")
    assert "as Azerbaijan reports (mirror)" in page


def test_a_code_not_in_the_warehouse_is_one_clear_error(conn):
    with pytest.raises(ValueError, match="^XXX is not a code in marts.dim_countries$"):
        build_report(conn, "AZE", "XXX")


def test_adding_a_chart_is_one_function(ctx):
    import altair as alt

    from orchestration.lib.report.charts import DATA

    def summary_claims(ctx: Context) -> Block | None:
        rows = [{"year": int(y), "claims": int(n)} for y, n in ctx.conn.execute(
            "select year, claims_total from marts.corridor_summary where reporter_iso3 = ? and partner_iso3 = ? "
            "and claims_total > 0 order by year", [ctx.reporter, ctx.partner]).fetchall()]
        chart = alt.Chart(DATA).mark_bar().encode(x="year:O", y="claims:Q", tooltip=["year:O", "claims:Q"])
        return Block("claims-by-year", "Claims by year", f"{sum(r['claims'] for r in rows)} claims.", chart, rows,
                     "marts.corridor_summary", "claims")

    section(summary_claims)
    try:
        page = render(ctx)
    finally:
        blocks_module.SECTIONS.remove(summary_claims)
    assert '<section id="claims-by-year"' in page and 'id="chart-claims-by-year"' in page
    assert "claims-by-year" in page[page.index('id="corridor-specs"'):]


def test_the_build_cached_the_vega_bundle():
    """The session build rendered the report, so the bundle is in the cache for every later render."""
    path = vega.bundle_path()
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert len(text) > 500_000 and "vegaEmbed" in text


def test_pictures_for_slides(built_warehouse, tmp_path):
    """`corridor report --png`: one PNG per chart beside the page, rendered by vl-convert (no browser)."""
    from orchestration.lib.report import write_report

    out = write_report(built_warehouse, "AZE", "CHN", tmp_path, pictures=True)
    pictures = sorted(out.parent.glob("*.png"))
    assert [p.stem for p in pictures] == sorted(PAGE_ORDER[:-1])  # every chart; the claims table is no chart
    for picture in pictures:
        data = picture.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") > 600, picture.name
