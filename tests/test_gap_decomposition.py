"""marts.gap_decomposition: why an importer's figure (CIF) and its partner's figure (FOB) of the
same trade differ, on the real IMF DOTS workbooks.

The real-data tests read the session's ``real_warehouse`` (raw/ plus the 114 real workbooks of
tests/fixtures/imf_dots_more/); every expected component is
recomputed here from ``marts.fct_trade_flows`` (the figures as loaded), not read from the mart. The
embedded tests read ``built_warehouse`` (raw/ only: Azerbaijan, China and the hubs Hong Kong and Macao).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.rules import rule

pytestmark = pytest.mark.slow

MN = 1e6
COMPONENTS = ("revision_usd", "freight_insurance_usd", "routing_usd", "unspecified_usd", "residual_usd")


def rows(db: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as conn:
        cur = conn.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def decomposition(db: Path, importer: str, exporter: str, year: int) -> dict:
    found = rows(db, "select * from marts.gap_decomposition where source = 'imf_dots' and importer_iso3 = ? "
                     "and exporter_iso3 = ? and year = ?", [importer, exporter, year])
    assert len(found) == 1, (importer, exporter, year, found)
    return found[0]


def figure(db: Path, reporter: str, partner: str, flow: str, year: int) -> float | None:
    """One annual total figure as loaded (marts.fct_trade_flows), None when the reporter has none."""
    found = rows(db, "select value_usd from marts.fct_trade_flows where source = 'imf_dots' and reporter_iso3 = ? "
                     "and partner_iso3 = ? and flow = ? and period = ? and product_code = 'TOTAL'",
                 [reporter, partner, flow, str(year)])
    assert len(found) <= 1
    return found[0]["value_usd"] if found else None


def unspecified_share(db: Path, reporter: str, flow: str, year: int) -> float:
    """The reporter's figures for "not specified" partners over its own World total."""
    found = rows(db, """
        select sum(value_usd) filter (where partner_entity_type = 'unspecified') as unspecified,
               sum(value_usd) filter (where partner_iso3 = 'WLD') as world
        from marts.fct_trade_flows
        where source = 'imf_dots' and reporter_iso3 = ? and flow = ? and period = ? and product_code = 'TOTAL'""",
                 [reporter, flow, str(year)])[0]
    return (found["unspecified"] or 0.0) / found["world"]


def assert_adds_up(d: dict) -> None:
    total = sum(d[c] for c in COMPONENTS)
    scale = max(1.0, abs(d["importer_cif_usd"]), abs(d["exporter_fob_usd"]))
    assert abs(total - d["gap_usd"]) <= 1e-9 * scale, (total, d["gap_usd"])
    assert d["gap_usd"] == pytest.approx(d["importer_cif_usd"] - d["exporter_fob_usd"], rel=1e-12)


# ---------------------------------------------------------------------------------------- real data

def test_azerbaijan_imports_from_china_2019_decomposed_and_flagged(real_warehouse):
    """Azerbaijan records USD 1,431.6 mn of imports from China in 2019, China USD 617.0 mn of exports
    to Azerbaijan (ratio 2.32): freight explains USD 37.0 mn, routing through Hong Kong at most what
    Hong Kong itself reports exporting to Azerbaijan, and the rest is the residual, flagged."""
    db = real_warehouse
    d = decomposition(db, "AZE", "CHN", 2019)
    cif, fob = figure(db, "AZE", "CHN", "imports", 2019), figure(db, "CHN", "AZE", "exports", 2019)
    assert (round(cif / MN, 1), round(fob / MN, 1)) == (1431.6, 617.0)
    assert (d["importer_cif_usd"], d["exporter_fob_usd"]) == (cif, fob)
    mirror_gap = rows(db, "select gap_usd from marts.mirror_gaps where reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' "
                          "and year = 2019 and direction = 'imports'")[0]["gap_usd"]
    assert d["gap_usd"] == mirror_gap
    assert_adds_up(d)

    # the plausibility flag: 2.32 is far outside the band freight and insurance allow
    low, high = rule("cif_fob_ratio_band_low"), rule("cif_fob_ratio_band_high")
    assert d["cif_fob_ratio"] == pytest.approx(cif / fob) and d["cif_fob_ratio"] > high > low
    assert d["is_ratio_implausible"] is True

    # 1. one release only: no revision
    assert d["revision_method"] == "none" and d["revision_usd"] == 0
    # 2. freight: no OECD margin for Azerbaijan, both figures reported (no IMF estimate): the IMF's 1.06
    assert not d["importer_is_estimate"] and not d["exporter_is_estimate"] and d["mirror_estimate_factor"] is None
    assert d["freight_method"] == "imf_default_factor" and d["cif_fob_factor"] == rule("cif_fob_default_factor")
    assert d["freight_insurance_usd"] == pytest.approx(fob * (rule("cif_fob_default_factor") - 1), rel=1e-12)
    assert round(d["freight_insurance_usd"] / MN, 1) == 37.0
    # 3. routing: per hub, what China sent the hub, no more than the hub itself reports sending Azerbaijan
    #    (both hubs report 2019; Macao's statistics have no exports to Azerbaijan)
    bound, reporting = 0.0, 0
    for hub in ("HKG", "MAC"):
        to_hub = figure(db, "CHN", hub, "exports", 2019)
        hub_reports = figure(db, hub, "WLD", "exports", 2019) is not None
        reporting += hub_reports
        bound += min(to_hub, figure(db, hub, "AZE", "exports", 2019) or 0.0) if hub_reports else to_hub
    assert reporting == 2 and d["routing_method"] == "capped_by_hub_exports"
    assert d["routing_bound_usd"] == pytest.approx(bound, rel=1e-12)
    assert round(figure(db, "HKG", "AZE", "exports", 2019) / MN, 1) == 54.9 == round(d["routing_usd"] / MN, 1)
    remaining = d["gap_usd"] - d["freight_insurance_usd"] - bound
    assert remaining > 0 and d["routing_usd"] == pytest.approx(bound, rel=1e-12)
    # 4. unspecified: China leaves a small share of its exports unallocated, so its figure may hide at most
    #    FOB × s / (1 − s) of exports to Azerbaijan
    s = unspecified_share(db, "CHN", "exports", 2019)
    assert d["exporter_unspecified_share"] == pytest.approx(s, rel=1e-9)
    assert d["unspecified_method"] == "exporter_unspecified_pro_rata"
    assert d["unspecified_usd"] == pytest.approx(min(fob * s / (1 - s), remaining), rel=1e-9)
    # 5. the residual: most of the gap, labelled
    residual = remaining - d["unspecified_usd"]
    assert d["residual_usd"] == pytest.approx(residual, rel=1e-9)
    assert round(d["residual_usd"] / MN, 1) == 721.8 and d["residual_usd"] / d["gap_usd"] > 0.85
    assert d["residual_label"] == "origin vs consignment, timing, or misreporting"


@pytest.mark.parametrize("importer, exporter, cif_mn, fob_mn", [
    ("DEU", "AUT", 54138.7, 51426.9),  # Germany's imports from Austria: ratio 1.053
    ("CHN", "AZE", 860.2, 752.2),      # the focus corridor's other direction: ratio 1.144
])
def test_an_ordinary_pair_is_not_flagged(real_warehouse, importer, exporter, cif_mn, fob_mn):
    d = decomposition(real_warehouse, importer, exporter, 2019)
    assert (round(d["importer_cif_usd"] / MN, 1), round(d["exporter_fob_usd"] / MN, 1)) == (cif_mn, fob_mn)
    assert not d["importer_is_estimate"] and not d["exporter_is_estimate"]  # both figures reported
    assert rule("cif_fob_ratio_band_low") <= d["cif_fob_ratio"] <= rule("cif_fob_ratio_band_high")
    assert d["is_ratio_implausible"] is False
    assert_adds_up(d)


def test_an_oecd_itic_margin_sets_freight_for_its_pair(real_warehouse):
    """France's imports from China use OECD ITIC's real 2022 margin, 7.22 % of CIF (the seed), in 2019."""
    d = decomposition(real_warehouse, "FRA", "CHN", 2019)
    assert d["freight_method"] == "oecd_itic_margin"
    assert (d["freight_margin_pct_of_cif"], d["freight_margin_year"]) == (7.22, 2022)
    factor = 1 / (1 - 0.0722)
    assert d["cif_fob_factor"] == pytest.approx(factor, rel=1e-12)
    assert d["freight_insurance_usd"] == pytest.approx(d["exporter_fob_usd"] * (factor - 1), rel=1e-12)
    assert d["is_ratio_implausible"] is False  # 35,936.9 vs 33,104.1: 1.086
    assert_adds_up(d)


def test_an_imf_estimate_made_from_the_partner_is_one_figure_seen_twice(real_warehouse):
    """Iraq does not report its 2019 exports to China; IMF DOTS fills them from China's imports
    divided by 1.06 and marks them as an estimate. The gap is the IMF's factor, nothing else."""
    db = real_warehouse
    d = decomposition(db, "CHN", "IRQ", 2019)
    assert d["exporter_is_estimate"] and not d["importer_is_estimate"]
    assert figure(db, "IRQ", "CHN", "exports", 2019) * 1.06 == pytest.approx(figure(db, "CHN", "IRQ", "imports", 2019),
                                                                              abs=rule("mirror_estimate_tolerance_usd"))
    assert d["mirror_estimate_factor"] == 1.06 and d["freight_method"] == "imf_mirror_estimate"
    assert abs(d["residual_usd"]) <= rule("mirror_estimate_tolerance_usd")
    assert d["is_ratio_implausible"] is False
    assert_adds_up(d)


def test_every_real_decomposition_adds_up_and_respects_its_bounds(real_warehouse):
    with duckdb.connect(str(real_warehouse), read_only=True) as conn:
        n, bad_sum, bad_routing, bad_unspecified, pairs = conn.execute(f"""
            select count(*),
                   count(*) filter (where abs(({' + '.join(COMPONENTS)}) - gap_usd)
                                    > 1e-9 * greatest(1, abs(importer_cif_usd), abs(exporter_fob_usd))),
                   count(*) filter (where routing_usd < 0 or routing_usd > routing_bound_usd * (1 + 1e-12)),
                   count(*) filter (where unspecified_usd > exporter_unspecified_bound_usd * (1 + 1e-12)
                                       or -unspecified_usd > importer_unspecified_bound_usd * (1 + 1e-12)),
                   count(distinct importer_iso3 || exporter_iso3)
            from marts.gap_decomposition""").fetchone()
        mirror = conn.execute("select count(*) from marts.mirror_gaps where direction = 'imports'").fetchone()[0]
    assert n == mirror > 100_000 and pairs > 5_000
    assert (bad_sum, bad_routing, bad_unspecified) == (0, 0, 0)


# --------------------------------------------------------------------------- embedded data (raw/)

def test_embedded_build_decomposes_the_focus_pair_as_the_real_set_does(built_warehouse, real_warehouse):
    """raw/ ships the hubs' own workbooks (Hong Kong, Macao) beside Azerbaijan's and China's, so the
    focus pair's decomposition needs nothing else: the embedded build gives the real set's figures."""
    for year in (2019, 2020):
        embedded = decomposition(built_warehouse, "AZE", "CHN", year)
        real = decomposition(real_warehouse, "AZE", "CHN", year)
        assert embedded["routing_method"] == "capped_by_hub_exports" and embedded["routing_hubs_reporting"] == 2
        assert {c: embedded[c] for c in COMPONENTS} == pytest.approx({c: real[c] for c in COMPONENTS}, rel=1e-12)
        assert embedded["is_ratio_implausible"] is True
        assert_adds_up(embedded)
    assert round(decomposition(built_warehouse, "AZE", "CHN", 2019)["residual_usd"] / MN, 1) == 721.8
    assert [r["n"] for r in rows(built_warehouse, "select count(*) as n from marts.gap_decomposition")] == \
        [r["n"] for r in rows(built_warehouse, "select count(*) as n from marts.mirror_gaps where direction = 'imports'")]
