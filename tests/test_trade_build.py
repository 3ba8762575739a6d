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

from conftest import DOTS_AZE, DOTS_CHN, copy_raw, run_build

pytestmark = pytest.mark.slow

EXPORTS, IMPORTS = "Exports, FOB", "Imports, CIF"
ROWS = {"imf_dots/DOTS_13.xlsx": (6735, 2), "imf_dots/DOTS_40.xlsx": (16084, 2)}
CURRENT_TRADE_ROWS = 6735 + 16084  # IMF DOTS figures (source imf_dots)
# the exports matrices of the other trade sources: IMF IMTS 2025 edges, UN Comtrade 2024 cells loaded
OTHER_TRADE_ROWS = 22_100 + 325
DOTS = "source = 'imf_dots'"


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


def failure_text(proc) -> str:
    return f"exit {proc.returncode}\nSTDOUT:\n{proc.stdout[-4000:]}\nSTDERR:\n{proc.stderr[-4000:]}"


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
    names = dict(query(built_warehouse, "select partner_code, list(distinct partner_name) from raw.trade_flows "
                       "where is_current and partner_code in ('CHN', 'HKG', 'MAC') group by 1"))
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
    rows = query(built_warehouse, "select file, file_sha256, rows_read, rows_loaded, rows_quarantined, rows_superseded "
                 "from audit.load_log where source = 'imf_dots' and status = 'loaded' order by file")
    assert [r[0] for r in rows] == sorted(ROWS)
    for file, sha, read, loaded, quarantined, superseded in rows:
        assert sha == sha256({"imf_dots/DOTS_13.xlsx": DOTS_AZE, "imf_dots/DOTS_40.xlsx": DOTS_CHN}[file])
        assert (loaded, quarantined) == ROWS[file]
        assert read == loaded + quarantined
        assert superseded == 0
    assert one(built_warehouse, "select count(*) from audit.load_log where source = 'imf_dots' and status <> 'loaded'") == 0
    per_file = dict(query(built_warehouse, "select file, count(*) from raw.trade_flows where is_current group by 1"))
    assert per_file == {f: n for f, (n, _) in ROWS.items()}
    assert one(built_warehouse, f"select count(*) from marts.fct_trade_flows where {DOTS}") == CURRENT_TRADE_ROWS


def test_quarantine_holds_the_identical_australia_duplicates(built_warehouse):
    rows = query(built_warehouse, 'select file, sheet, "row", "column", raw_value, reason, target_table from audit.quarantine '
                 "where target_table = 'raw.trade_flows' order by all")
    assert rows == [
        (f"imf_dots/{f}", s, 32, "B (partner)", "Australia", "duplicate partner row (same figures as row 8)", "raw.trade_flows")
        for f in ("DOTS_13.xlsx", "DOTS_40.xlsx") for s in (EXPORTS, IMPORTS)
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
# Builds are the expensive part, so one private folder carries a chain of them (module fixture):
#   run 1  `build --incremental` from a raw/ copy whose Azerbaijan workbook has two bad cells   (a)
#   run 2  `build --incremental` again, nothing changed                                         (d)
#   run 3  `build --incremental` after one value of the workbook was edited                     (d)
# Each run's published file is snapshotted for the assertions. The failing builds (b) and (c) then
# build from their own raw/ copies into the same folder, over the warehouse run 3 published.

BAD_CELLS = {"AD12": "n/a", "AE12": -5}  # Exports, FOB row 12 is Austria; AD/AE are 2019/2020
EDITED = {"AD9": 20_000.5}  # Exports, FOB row 9 is World; AD is 2019 (19,635.7486 as published)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chain")
    raw = copy_raw(tmp / "raw")
    workbook = raw / "imf_dots" / "DOTS_13.xlsx"
    edit_workbook(workbook, EXPORTS, **BAD_CELLS)
    workdir = tmp / "warehouse"
    runs = {}
    for run in (1, 2, 3):
        if run == 3:
            edit_workbook(workbook, EXPORTS, **EDITED)
        proc = run_build(workdir, raw, "--incremental")
        assert proc.returncode == 0, f"run {run}: {failure_text(proc)}"
        snapshot = tmp / f"published_run{run}.duckdb"
        shutil.copyfile(workdir / "corridor.duckdb", snapshot)
        runs[run] = (snapshot, proc, sha256(workbook))
    return {"workdir": workdir, "raw": raw, "runs": runs}


def counts(db: Path) -> dict[str, int]:
    return {
        "raw_all": one(db, "select count(*) from raw.trade_flows"),
        "raw_current": one(db, "select count(*) from raw.trade_flows where is_current"),
        "fct": one(db, f"select count(*) from marts.fct_trade_flows where {DOTS}"),
        "shares": one(db, "select count(*) from marts.partner_shares"),
        "quarantine": one(db, "select count(*) from audit.quarantine where target_table = 'raw.trade_flows'"),
    }


def test_bad_cells_are_quarantined_and_good_rows_published(chain):
    db, proc, _ = chain["runs"][1]
    assert "Warehouse published" in proc.stdout
    q = query(db, 'select file, sheet, "row", "column", raw_value, reason from audit.quarantine '
              "where target_table = 'raw.trade_flows' and reason not like 'duplicate partner row%' order by \"row\", \"column\"")
    assert q == [
        ("imf_dots/DOTS_13.xlsx", EXPORTS, 12, "AD (2019)", "n/a", "not a number: 'n/a'"),
        ("imf_dots/DOTS_13.xlsx", EXPORTS, 12, "AE (2020)", "-5", "negative trade value"),
    ]
    years = [y for (y,) in query(db, f"select year from marts.fct_trade_flows where {DOTS} and reporter_iso3 = 'AZE' "
                                     "and partner_iso3 = 'AUT' and flow = 'exports' and year >= 2017 order by 1")]
    assert years == [2017, 2018]
    assert flow_value(db, "AZE", "WLD", "exports", 2019) / 1e6 == pytest.approx(19_635.75, abs=0.005)
    assert one(db, f"select count(*) from marts.fct_trade_flows where {DOTS}") == CURRENT_TRADE_ROWS - 2
    loaded, quarantined = one(db, "select rows_loaded, rows_quarantined from audit.load_log "
                                  "where file = 'imf_dots/DOTS_13.xlsx' and status = 'loaded'")
    assert (loaded, quarantined) == (6735 - 2, 2 + 2)


def test_loading_the_same_files_again_changes_nothing(chain):
    first, second = chain["runs"][1][0], chain["runs"][2][0]
    assert counts(second) == counts(first)
    assert counts(first)["raw_all"] == counts(first)["raw_current"] == CURRENT_TRADE_ROWS - 2
    statuses = query(second, "select file, list(status order by started_at) from audit.load_log "
                     "where source = 'imf_dots' group by 1 order by 1")
    assert statuses == [(f, ["loaded", "unchanged"]) for f in sorted(ROWS)]
    assert query(second, "select * exclude (loaded_at) from marts.fct_trade_flows order by all") == query(
        first, "select * exclude (loaded_at) from marts.fct_trade_flows order by all")


def test_a_changed_file_loads_as_a_new_version(chain):
    db = chain["runs"][3][0]
    before, after = counts(chain["runs"][2][0]), counts(db)
    current = CURRENT_TRADE_ROWS - 2
    assert after["raw_current"] == before["raw_current"] == current
    assert after["raw_all"] == current + (6735 - 2)  # the old version is kept, not current
    assert after["fct"] == before["fct"]
    assert one(db, "select count(*) from raw.trade_flows where not is_current and file = 'imf_dots/DOTS_13.xlsx'") == 6735 - 2
    old, new = query(db, "select value_usd, is_current from raw.trade_flows where file = 'imf_dots/DOTS_13.xlsx' "
                         "and partner_name = 'World' and flow = 'exports' and year = 2019 order by is_current")
    assert old == (pytest.approx(19_635.7486e6), False)
    assert new == (pytest.approx(20_000.5e6), True)
    assert flow_value(db, "AZE", "WLD", "exports", 2019) == pytest.approx(20_000.5e6)
    assert flow_value(db, "AZE", "WLD", "imports", 2019) / 1e6 == pytest.approx(13_667.64, abs=0.005)
    log = query(db, "select status, rows_loaded, rows_superseded, file_sha256 from audit.load_log "
                    "where file = 'imf_dots/DOTS_13.xlsx' order by started_at")
    assert [(s, n, sup) for s, n, sup, _ in log] == [
        ("loaded", 6733, 0), ("unchanged", 0, 0), ("loaded", 6733, 6733),
    ]
    runs = chain["runs"]
    assert [sha for *_, sha in log] == [runs[1][2], runs[2][2], runs[3][2]]
    assert runs[3][2] != runs[2][2]
    assert query(db, "select list(status order by started_at) from audit.load_log where file = 'imf_dots/DOTS_40.xlsx'") == [
        (["loaded", "unchanged", "unchanged"],)
    ]


def test_corrupt_workbook_fails_the_build_and_keeps_the_published_file(chain, tmp_path):
    db = chain["workdir"] / "corridor.duckdb"
    before = sha256(db)
    raw = copy_raw(tmp_path / "raw")
    target = raw / "imf_dots" / "DOTS_40.xlsx"
    target.write_bytes(target.read_bytes()[:20_000])  # cut short
    proc = run_build(db.parent, raw)
    assert proc.returncode != 0, failure_text(proc)
    message = "DOTS_40.xlsx: truncated or corrupt Excel workbook (the zip archive is incomplete)"
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("corridor: build failed, warehouse not published (") and message in last, failure_text(proc)
    assert "Traceback" not in proc.stderr
    assert "Warehouse published" not in proc.stdout
    assert sha256(db) == before


def test_unknown_partner_name_blocks_publishing(chain, tmp_path):
    db = chain["workdir"] / "corridor.duckdb"
    before = sha256(db)
    raw = copy_raw(tmp_path / "raw")
    edit_workbook(raw / "imf_dots" / "DOTS_13.xlsx", IMPORTS, B12="Atlantis")
    proc = run_build(db.parent, raw)
    assert proc.returncode != 0, failure_text(proc)
    assert "trade_country_names_known" in proc.stderr.strip().splitlines()[-1], failure_text(proc)
    failed_line = next(line for line in proc.stdout.splitlines() if "FAILED" in line and "trade_country_names_known" in line)
    assert "Atlantis" in failed_line and "DOTS_13.xlsx" in failed_line and "12" in failed_line, failed_line
    assert "Warehouse published" not in proc.stdout + proc.stderr
    assert sha256(db) == before
    # the build file (never published) holds the quarantined name, with its place
    build_db = db.parent / "build" / "corridor.duckdb"
    assert query(build_db, 'select file, sheet, "row", "column", raw_value from audit.quarantine '
                 "where reason like 'unknown country name%'") == [
        ("imf_dots/DOTS_13.xlsx", IMPORTS, 12, "partner", "Atlantis"),
    ]


def test_build_timings_name_every_step(built_warehouse):
    """The session build runs with --timings: one wall time per Dagster step, in build_timings.json."""
    timings = json.loads((built_warehouse.parent / "build_timings.json").read_text())
    steps = timings["steps"]
    assert timings["success"] is True
    assert {"raw__trade_flows", "trade_flows_checks", "corridor_dbt_models", "warehouse__corridor",
            "warehouse__docs", "warehouse__report"} <= set(steps)
    assert all(seconds > 0 for seconds in steps.values())
    assert list(steps).index("raw__trade_flows") < list(steps).index("corridor_dbt_models") < list(steps).index("warehouse__corridor")
    assert timings["total_s"] > steps["corridor_dbt_models"] > steps["warehouse__corridor"]


def test_fact_marts_are_views_and_the_manifest_counts_them(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as conn:
        kinds = dict(conn.execute("select table_name, table_type from information_schema.tables "
                                  "where table_schema = 'marts' and table_name like 'fct_trade_flows%'").fetchall())
    assert kinds == {"fct_trade_flows": "VIEW", "fct_trade_flows_history": "VIEW"}
    counts = json.loads((built_warehouse.parent / "corridor.json").read_text())["row_counts"]
    assert counts["marts.fct_trade_flows"] == counts["marts.fct_trade_flows_history"] == CURRENT_TRADE_ROWS + OTHER_TRADE_ROWS
    assert counts["marts.partner_shares"] == 35309
