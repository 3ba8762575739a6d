"""The trade figures end to end: real IMF DOTS workbooks → `corridor build` → the published marts.

The first group reads the session's ``built_warehouse`` (one build of the repo's raw/). The second
group builds again from private copies of raw/ (``CORRIDOR_RAW``) into private warehouse folders:
bad cells, a corrupt file, an unknown partner name, and incremental loads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from conftest import DOTS_FILES, PARTNER_SHARES_ROWS, build, copy_raw, failure_text, settings

pytestmark = pytest.mark.slow

EXPORTS, IMPORTS = "Exports, FOB", "Imports, CIF"
# Azerbaijan, China, and the hubs Hong Kong and Macao: figures loaded, set aside (every file repeats "Australia")
ROWS = {"imf_dots/DOTS_13.xlsx": (6735, 2), "imf_dots/DOTS_40.xlsx": (16084, 2), "imf_dots/DOTS_41.xlsx": (19950, 2),
        "imf_dots/DOTS_42.xlsx": (10005, 2)}
CURRENT_TRADE_ROWS = sum(loaded for loaded, _ in ROWS.values())  # IMF DOTS figures (source imf_dots)
CURRENT = "load_id in (select load_id from audit.load_log where is_current)"
DOTS = "source = 'imf_dots'"  # the other trade sources (IMF IMTS, the Comtrade matrix) add rows of their own
# the exports matrices of the other trade sources: IMF IMTS 2025 edges, UN Comtrade 2024 cells loaded
OTHER_TRADE_ROWS = 22_100 + 325


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def one(db: Path, sql: str, params: list | None = None):
    rows = query(db, sql, params)
    assert len(rows) == 1, (sql, params, rows)
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def edit_workbook(path: Path, sheet: str, **cells) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)


def flow_value(db: Path, reporter: str, partner: str, flow: str, year: int) -> float:
    return one(
        db,
        "select value_usd from marts.fct_trade_flows where reporter_iso3 = ? and partner_iso3 = ? and flow = ? and year = ?",
        [reporter, partner, flow, year],
    )


def share(db: Path, reporter: str, partner: str, flow: str, year: int) -> tuple[float, float, int]:
    return one(
        db,
        "select value_usd, share_pct, rank from marts.partner_shares "
        "where reporter_iso3 = ? and partner_iso3 = ? and flow = ? and year = ?",
        [reporter, partner, flow, year],
    )


# == the real data in the published marts ===========================================================

def test_azerbaijan_2019_world_totals(built_warehouse):
    assert flow_value(built_warehouse, "AZE", "WLD", "exports", 2019) / 1e6 == pytest.approx(19_635.75, abs=0.005)
    assert flow_value(built_warehouse, "AZE", "WLD", "imports", 2019) / 1e6 == pytest.approx(13_667.64, abs=0.005)
    valuation = one(built_warehouse, "select list(distinct valuation order by valuation) from marts.fct_trade_flows "
                    "where reporter_iso3 = 'AZE' and partner_iso3 = 'WLD' and year = 2019")
    assert valuation == ["CIF", "FOB"]


def test_azerbaijan_china_2019_turnover_by_whose_statistics(built_warehouse):
    aze_says = share(built_warehouse, "AZE", "CHN", "turnover", 2019)[0]
    chn_says = share(built_warehouse, "CHN", "AZE", "turnover", 2019)[0]
    assert aze_says / 1e6 == pytest.approx(2_183.76, abs=0.005)
    assert chn_says / 1e6 == pytest.approx(1_477.19, abs=0.005)
    # turnover is exports + imports, as each reporter states them
    assert aze_says == pytest.approx(flow_value(built_warehouse, "AZE", "CHN", "exports", 2019)
                                     + flow_value(built_warehouse, "AZE", "CHN", "imports", 2019))


@pytest.mark.parametrize(
    "flow, year, rank, share_pct",
    [("turnover", 2019, 4, 6.56), ("turnover", 2020, 4, 7.54), ("imports", 2020, 3, 13.15)],
)
def test_china_among_azerbaijans_partners(built_warehouse, flow, year, rank, share_pct):
    value, got_share, got_rank = share(built_warehouse, "AZE", "CHN", flow, year)
    assert got_rank == rank
    assert round(got_share, 2) == share_pct
    total = one(built_warehouse, "select distinct reporter_total_usd from marts.partner_shares "
                "where reporter_iso3 = 'AZE' and flow = ? and year = ?", [flow, year])
    assert value / total * 100 == pytest.approx(got_share)


def test_hong_kong_and_macao_are_not_china(built_warehouse):
    rows = dict(query(built_warehouse, "select partner_iso3, value_usd from marts.partner_shares "
                      "where reporter_iso3 = 'AZE' and flow = 'imports' and year = 2020 and partner_iso3 in ('CHN', 'HKG', 'MAC')"))
    assert set(rows) == {"CHN", "HKG", "MAC"}
    assert rows["CHN"] == pytest.approx(flow_value(built_warehouse, "AZE", "CHN", "imports", 2020))
    assert rows["HKG"] < rows["CHN"] and rows["MAC"] < rows["HKG"]
    names = dict(query(built_warehouse, "select partner_code, list(distinct partner_name) from raw.imf_dots "
                       f"where {CURRENT} and partner_code in ('CHN', 'HKG', 'MAC') group by 1"))
    assert names == {"CHN": ["China, P.R.: Mainland"], "HKG": ["China, P.R.: Hong Kong"], "MAC": ["China, P.R.: Macao"]}


def test_mirror_gaps_azerbaijan_china_2019(built_warehouse):
    rows = query(built_warehouse, "select reporter_iso3, partner_iso3, direction, reported_usd, mirror_usd, gap_usd "
                 "from marts.mirror_gaps where year = 2019 and reporter_iso3 in ('AZE', 'CHN') and partner_iso3 in ('AZE', 'CHN') "
                 "order by 1, 3")
    assert [(r, p, d) for r, p, d, *_ in rows] == [
        ("AZE", "CHN", "exports"), ("AZE", "CHN", "imports"), ("CHN", "AZE", "exports"), ("CHN", "AZE", "imports"),
    ]
    by_key = {(r, d): (rep, mir, gap) for r, _, d, rep, mir, gap in rows}
    # Azerbaijan's exports to China are mirrored by China's imports from Azerbaijan, and so on
    aze_x, chn_m = flow_value(built_warehouse, "AZE", "CHN", "exports", 2019), flow_value(built_warehouse, "CHN", "AZE", "imports", 2019)
    assert by_key[("AZE", "exports")][:2] == pytest.approx((aze_x, chn_m))
    assert by_key[("CHN", "imports")][:2] == pytest.approx((chn_m, aze_x))
    for rep, mir, gap in by_key.values():
        assert gap == pytest.approx(rep - mir)


def test_trade_growth_consistent_with_levels(built_warehouse):
    bad = one(built_warehouse, """
        select count(*) from marts.trade_growth
        where (prev_value_usd > 0 and abs(yoy_pct - 100 * (value_usd / prev_value_usd - 1)) > 1e-6)
           or (prev_value_usd is not null and abs(yoy_change_usd - (value_usd - prev_value_usd)) > 1e-3)
           or ((prev_value_usd is null or prev_value_usd = 0) and yoy_pct is not null)
    """)
    assert bad == 0
    value, prev, yoy = one(built_warehouse, "select value_usd, prev_value_usd, yoy_pct from marts.trade_growth where "
                           "reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'turnover' and year = 2019")
    assert (value / 1e6, prev / 1e6) == pytest.approx((2_183.76, 1_310.25), abs=0.005)
    assert yoy == pytest.approx(66.67, abs=0.005)


def test_load_log_one_loaded_row_per_file(built_warehouse):
    rows = query(built_warehouse, "select file, release, file_sha256, rows_read, rows_loaded, rows_quarantined, is_current, "
                 "delivery from audit.load_log where source = 'imf_dots' and status = 'loaded' order by file")
    assert [r[0] for r in rows] == sorted(ROWS)
    for file, release, sha, read, loaded, quarantined, current, delivery in rows:
        assert sha == sha256(DOTS_FILES[file])
        assert (loaded, quarantined) == ROWS[file]
        assert read == loaded + quarantined and release == "base" and current
    assert [r[-1] for r in rows] == ["Azerbaijan, Rep. of", "China, P.R.: Mainland", "China, P.R.: Hong Kong",
                                     "China, P.R.: Macao"]
    assert one(built_warehouse, "select count(*) from audit.load_log where source = 'imf_dots' and status <> 'loaded'") == 0
    per_file = dict(query(built_warehouse, "select l.file, count(*) from raw.imf_dots t join audit.load_log l "
                          "using (load_id) where l.is_current group by 1"))
    assert per_file == {f: n for f, (n, _) in ROWS.items()}
    assert one(built_warehouse, f"select count(*) from marts.fct_trade_flows where {DOTS}") == CURRENT_TRADE_ROWS


def test_quarantine_holds_the_identical_australia_duplicates(built_warehouse):
    rows = query(built_warehouse, 'select file, sheet, "row", "column", raw_value, reason, target_table, category '
                 "from audit.quarantine where target_table = 'raw.imf_dots' order by all")
    assert rows == [
        (f"imf_dots/{f}", s, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)", "raw.imf_dots",
         "duplicate")
        for f in ("DOTS_13.xlsx", "DOTS_40.xlsx", "DOTS_41.xlsx", "DOTS_42.xlsx") for s in (EXPORTS, IMPORTS)
    ]


def test_published_file_opens_read_only_and_refuses_writes(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.partner_shares").fetchone()[0] > 0
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("create table marts.scratch as select 1 as x")
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("delete from marts.partner_shares")
    assert one(built_warehouse, f"select count(*) from marts.fct_trade_flows where {DOTS}") == CURRENT_TRADE_ROWS


# == behaviour: builds from private copies of raw/ ==================================================
#
# Builds are the expensive part, so one private folder carries a chain of them (module fixture),
# in this process through the build runner:
#   run 1  a build from a raw/ copy whose Azerbaijan workbook has two bad cells            (a)
#   run 2  again, nothing changed: the runner says so and does nothing                      (d)
#   run 3  again, forced: every file is unchanged, nothing reloads                          (d)
#   run 4  after one value of the workbook was edited                                       (d)
# Each run's published file is snapshotted for the assertions. The corrupt-file and unknown-name
# builds then build from their own raw/ copies into the same folder, over what run 4 published.

BAD_CELLS = {"AD12": "n/a", "AE12": -5}  # Exports, FOB row 12 is Austria; AD/AE are 2019/2020
UNKNOWN_NAME = {"B12": "Atlantis"}  # Imports, CIF row 12 (Austria) renamed: a name the crosswalk does not know
UNKNOWN_NAME_FIGURES = 29  # that row's figures, 1992-2020
SET_ASIDE = 2 + UNKNOWN_NAME_FIGURES  # the chain's first raw/: two bad cells and one unknown partner row
EDITED = {"AD9": 20_000.5}  # Exports, FOB row 9 is World; AD is 2019 (19,635.7486 as published)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    from orchestration import build as runner

    tmp = tmp_path_factory.mktemp("chain")
    raw = copy_raw(tmp / "raw")
    workbook = raw / "imf_dots" / "DOTS_13.xlsx"
    edit_workbook(workbook, EXPORTS, **BAD_CELLS)
    edit_workbook(workbook, IMPORTS, **UNKNOWN_NAME)
    workdir = tmp / "warehouse"
    runs = {}
    for run in (1, 2, 3, 4):
        if run == 4:
            edit_workbook(workbook, EXPORTS, **EDITED)
        with settings(CORRIDOR_WAREHOUSE=workdir / "corridor.duckdb", CORRIDOR_RAW=raw):
            result = runner.run(full=run == 1, force=run == 3)
        assert result.success, f"run {run}: {failure_text(result)}"
        snapshot = tmp / f"published_run{run}.duckdb"
        shutil.copyfile(workdir / "corridor.duckdb", snapshot)
        runs[run] = (snapshot, result, sha256(workbook))
    return {"workdir": workdir, "raw": raw, "runs": runs}


def counts(db: Path) -> dict[str, int]:
    return {
        "raw_all": one(db, "select count(*) from raw.imf_dots"),
        "raw_current": one(db, f"select count(*) from raw.imf_dots where {CURRENT}"),
        "fct": one(db, f"select count(*) from marts.fct_trade_flows where {DOTS}"),
        "shares": one(db, "select count(*) from marts.partner_shares"),
        "quarantine": one(db, "select count(*) from audit.quarantine where target_table = 'raw.imf_dots'"),
    }


def test_bad_cells_are_quarantined_and_good_rows_published(chain):
    db, result, _ = chain["runs"][1]
    assert result.published and result.version
    q = query(db, 'select file, sheet, "row", "column", raw_value, reason, category from audit.quarantine '
              "where category = 'format' order by \"row\", \"column\"")
    assert q == [
        ("imf_dots/DOTS_13.xlsx", EXPORTS, 12, "AD (2019)", "n/a", "not a number: 'n/a'", "format"),
        ("imf_dots/DOTS_13.xlsx", EXPORTS, 12, "AE (2020)", "-5", "negative trade value", "format"),
    ]
    years = [y for (y,) in query(db, f"select year from marts.fct_trade_flows where {DOTS} and reporter_iso3 = 'AZE' "
                                     "and partner_iso3 = 'AUT' and flow = 'exports' and year >= 2017 order by 1")]
    assert years == [2017, 2018]
    assert flow_value(db, "AZE", "WLD", "exports", 2019) / 1e6 == pytest.approx(19_635.75, abs=0.005)
    assert one(db, f"select count(*) from marts.fct_trade_flows where {DOTS}") == CURRENT_TRADE_ROWS - SET_ASIDE
    loaded, quarantined = one(db, "select rows_loaded, rows_quarantined from audit.load_log "
                                  "where file = 'imf_dots/DOTS_13.xlsx' and status = 'loaded'")
    assert (loaded, quarantined) == (6735 - SET_ASIDE, 2 + 2 + 1)  # + the two Australia repeats, the Atlantis row
    # two unreadable values: a warning naming them, not a blocked build
    warned = {c.name: c.metadata for c in result.warnings}
    assert "raw/imf_dots:imf_dots_values_readable" in warned
    assert [k["raw_value"] for k in warned["raw/imf_dots:imf_dots_values_readable"]["offending_keys"]] == ["n/a", "-5"]
    assert not result.failed_checks


def test_loading_the_same_files_again_changes_nothing(chain):
    first, second, third = (chain["runs"][r][0] for r in (1, 2, 3))
    assert chain["runs"][2][1].up_to_date and not chain["runs"][2][1].run_id  # nothing to do, no run at all
    assert counts(third) == counts(first)
    assert counts(first)["raw_all"] == counts(first)["raw_current"] == CURRENT_TRADE_ROWS - SET_ASIDE
    statuses = query(third, "select file, list(status order by load_id) from audit.load_log "
                     "where source = 'imf_dots' group by 1 order by 1")
    assert statuses == [(f, ["loaded", "unchanged"]) for f in sorted(ROWS)]
    assert query(third, "select * exclude (loaded_at) from marts.fct_trade_flows order by all") == query(
        first, "select * exclude (loaded_at) from marts.fct_trade_flows order by all")


def test_a_changed_file_loads_as_a_new_version(chain):
    db, result, _ = chain["runs"][4]
    before, after = counts(chain["runs"][3][0]), counts(db)
    current = CURRENT_TRADE_ROWS - SET_ASIDE
    assert after["raw_current"] == before["raw_current"] == current
    assert after["raw_all"] == current + (6735 - SET_ASIDE)  # the old version is kept, not current
    assert after["fct"] == before["fct"]
    old, new = query(db, "select t.value_usd, l.is_current from raw.imf_dots t join audit.load_log l using (load_id) "
                         "where l.file = 'imf_dots/DOTS_13.xlsx' and t.partner_name = 'World' and t.flow = 'exports' "
                         "and t.year = 2019 order by l.is_current")
    assert old == (pytest.approx(19_635.7486e6), False)
    assert new == (pytest.approx(20_000.5e6), True)
    assert flow_value(db, "AZE", "WLD", "exports", 2019) == pytest.approx(20_000.5e6)
    assert flow_value(db, "AZE", "WLD", "imports", 2019) / 1e6 == pytest.approx(13_667.64, abs=0.005)
    log = query(db, "select status, rows_loaded, is_current, file_sha256 from audit.load_log "
                    "where file = 'imf_dots/DOTS_13.xlsx' order by load_id")
    loaded = 6735 - SET_ASIDE
    assert [(s, n, c) for s, n, c, _ in log] == [("loaded", loaded, False), ("unchanged", 0, False), ("loaded", loaded, True)]
    runs = chain["runs"]
    assert [sha for *_, sha in log] == [runs[1][2], runs[3][2], runs[4][2]]
    assert runs[4][2] != runs[3][2]
    # the other workbook of the same folder: seen, unchanged, not reloaded
    assert query(db, "select list(status order by load_id) from audit.load_log where file = 'imf_dots/DOTS_40.xlsx'") == [
        (["loaded", "unchanged", "unchanged"],)]
    # only the changed source and what depends on it ran: no other raw asset was materialised
    assert result.selection == "changed: imf_dots"
    assert {k for k in result.materialised if k.startswith("raw/")} == {"raw/imf_dots"}


def test_corrupt_workbook_fails_the_build_and_keeps_the_published_file(chain, tmp_path):
    db = chain["workdir"] / "corridor.duckdb"
    before = sha256(db)
    raw = copy_raw(tmp_path / "raw")
    target = raw / "imf_dots" / "DOTS_40.xlsx"
    target.write_bytes(target.read_bytes()[:20_000])  # cut short
    result = build(db.parent, raw)
    assert not result.success and not result.published
    message = "DOTS_40.xlsx: truncated or corrupt Excel workbook (the zip archive is incomplete)"
    assert any(message in line and line.startswith("raw__imf_dots:") for line in result.failures), result.failures
    assert sha256(db) == before


def test_unknown_partner_name_warns_names_it_and_publishes_the_rest(chain):
    """An unknown name is a gap in the reference data at the grain of one partner row: quarantined,
    named in a warning, and the rest of the warehouse publishes (the chain's first build)."""
    db, result, _ = chain["runs"][1]
    assert result.success and result.published, failure_text(result)
    warned = {c.name: c.metadata for c in result.warnings}
    keys = warned["raw/imf_dots:imf_dots_country_names_known"]["offending_keys"]
    assert keys == [{"name": "Atlantis", "file": "imf_dots/DOTS_13.xlsx", "sheet": IMPORTS, "row": 12}]
    assert query(db, 'select file, sheet, "row", "column", raw_value, category from audit.quarantine '
                 "where reason like 'unknown country name%'") == [
        ("imf_dots/DOTS_13.xlsx", IMPORTS, 12, "partner_name", "Atlantis", "reference")]
    # Austria's imports row (row 12) is set aside, and the two bad export cells; everything else of Azerbaijan is there
    assert one(db, f"select count(*) from marts.fct_trade_flows where {DOTS} and reporter_iso3 = 'AZE'") == 6735 - SET_ASIDE
    assert one(db, f"select count(*) from marts.fct_trade_flows where {DOTS} and reporter_iso3 = 'AZE' "
                   "and partner_iso3 = 'AUT' and flow = 'imports'") == 0


def test_build_timings_name_every_step(built_warehouse):
    """The session build runs with --timings: one wall time per Dagster step, in build_timings.json."""
    timings = json.loads((built_warehouse.parent / "build_timings.json").read_text())
    steps = timings["steps"]
    assert timings["success"] is True
    assert {"raw__imf_dots", "imf_dots_checks", "corridor_dbt_models", "warehouse__corridor",
            "warehouse__docs", "warehouse__report"} <= set(steps)
    assert all(seconds > 0 for seconds in steps.values())
    assert list(steps).index("raw__imf_dots") < list(steps).index("corridor_dbt_models") < list(steps).index("warehouse__corridor")
    assert timings["total_s"] > steps["corridor_dbt_models"] > steps["warehouse__corridor"]


def test_fact_marts_are_views_and_the_manifest_counts_them(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as conn:
        kinds = dict(conn.execute("select table_name, table_type from information_schema.tables "
                                  "where table_schema = 'marts' and table_name like 'fct_trade_flows%'").fetchall())
    assert kinds == {"fct_trade_flows": "VIEW", "fct_trade_flows_history": "VIEW"}
    counts = json.loads((built_warehouse.parent / "corridor.json").read_text())["row_counts"]
    assert counts["marts.fct_trade_flows"] == counts["marts.fct_trade_flows_history"] == CURRENT_TRADE_ROWS + OTHER_TRADE_ROWS
    assert counts["marts.partner_shares"] == PARTNER_SHARES_ROWS


def test_a_sheet_that_loses_its_figures_blocks_publishing(tmp_path):
    """Every figure of one sheet written with a decimal comma ("19635,75"): a systemic fault (a changed
    number format), not a few bad cells. The build stops before the marts; nothing is published."""
    raw = copy_raw(tmp_path / "raw")
    workbook = raw / "imf_dots" / "DOTS_13.xlsx"
    wb = openpyxl.load_workbook(workbook)
    ws = wb[EXPORTS]
    changed = 0
    for row in ws.iter_rows(min_row=8, min_col=3):
        for cell in row:
            if isinstance(cell.value, (int, float)):
                cell.value = f"{cell.value:.2f}".replace(".", ",")
                changed += 1
    wb.save(workbook)
    assert changed > 2000
    result = build(tmp_path / "warehouse", raw)
    assert not result.success and not result.published
    failed = {c.name: c.metadata for c in result.failed_checks}
    keys = failed["raw/imf_dots:imf_dots_files_lose_few_figures"]["offending_keys"]
    assert [(k["file"], k["sheet"]) for k in keys] == [("imf_dots/DOTS_13.xlsx", EXPORTS)]
    assert not (tmp_path / "warehouse" / "corridor.duckdb").exists()
