"""Investment and company-registry figures, end to end: raw files → Dagster → GX checks → dbt marts.

The marts come from one full build of the real raw/ folder (conftest's session build, shared with
the other integration tests). Malformed inputs run on private copies of raw/ through the build
runner: the raw assets and their checks only (what ``corridor check`` runs) for rows that must be
quarantined, and a whole build for an unreadable file, which fails before dbt runs.
Figures asserted are the published ones (see raw/fdi_unctad/MANIFEST.md, raw/fdi_releases/ and
raw/registry_counts/MANIFEST.md).
"""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import build, settings
from orchestration.constants import REPO_ROOT
from orchestration.defs.ingestion.investment import cbar_basis, source_id_of, unctad_basis
from orchestration.defs.ingestion.registry import counts_vs_records
from orchestration.lib.registry import parse_company_records
from tests.synthetic_registry import write_synthetic_companies

MN = 1e6
UNCTAD_FILE = "fdi_unctad/unctad_bilateral_fdi_2014_AZE_inflows_by_origin.csv"
COUNTS_FILE = "registry_counts/company_counts.csv"
CURRENT = "load_id in (select load_id from audit.load_log where is_current)"


def check_sources(tmp: Path, raw: Path):
    """The raw assets and their checks on ``raw`` (what ``corridor check`` runs), in this process."""
    from orchestration import build as runner

    with settings(CORRIDOR_WAREHOUSE=tmp / "corridor.duckdb", CORRIDOR_RAW=raw):
        return runner.run("key:raw/*", full=True)


def copy_raw(tmp: Path) -> Path:
    raw = tmp / "raw"
    shutil.copytree(REPO_ROOT / "raw", raw)
    return raw


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    """The warehouse built from the real raw/ (conftest's session build, shared with other test files)."""
    conn = duckdb.connect(str(built_warehouse), read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def malformed(tmp_path_factory):
    """``corridor check`` (load every source and run every source check, no dbt: fast) on a copy of raw/
    with a text value in an UNCTAD year cell, an invalid count row and a SYNTHETIC company-level
    export (so raw/company_records and the WARN comparison run). Returns the process and the
    scratch build file."""
    tmp = tmp_path_factory.mktemp("inv_malformed")
    raw = copy_raw(tmp)
    unctad = raw / UNCTAD_FILE
    lines = unctad.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[24].startswith('"24","","","","","China"')  # line 25
    lines[24] = lines[24].replace('"1","1","8","0"', '"1","1","eight","0"')
    unctad.write_text("".join(lines), encoding="utf-8")
    counts = raw / COUNTS_FILE
    counts.write_text(counts.read_text(encoding="utf-8") + "AZE,TUR,2024-01-01,10,20,test,https://example.org\n",
                      encoding="utf-8")
    (raw / "registry_companies").mkdir()
    write_synthetic_companies(raw / "registry_companies", seed=3)
    result = check_sources(tmp, raw)
    snapshot = tmp / "checked.duckdb"  # the session's build file is shared: keep this one's state
    from orchestration import constants

    shutil.copyfile(constants.build_db_path(), snapshot)
    conn = duckdb.connect(str(snapshot), read_only=True)
    yield result, conn
    conn.close()


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inv_unreadable")
    raw = copy_raw(tmp)
    (raw / "fdi_releases" / "broken_release.csv").write_bytes(b"host_iso3,origin,year\n\xff\xfe\x00garbage\n")
    return build(tmp, raw)


def one(conn, sql: str, params: list | None = None):
    rows = conn.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


# ---------------------------------------------------------------------------------------------
# fdi_by_origin
# ---------------------------------------------------------------------------------------------


def test_unctad_azerbaijan_2012_total(warehouse):
    (total,) = one(warehouse, "select distinct host_total_usd from marts.fdi_by_origin "
                              "where source = 'unctad_fdi' and host_iso3 = 'AZE' and year = 2012 and measure = 'inflow'")
    assert total == 5382 * MN
    (world,) = one(warehouse, "select value_usd from marts.fdi_by_origin where source = 'unctad_fdi' "
                              "and host_iso3 = 'AZE' and origin_iso3 = 'WLD' and year = 2012")
    assert world == total


def test_netherlands_and_turkey_tie_first_in_2012(warehouse):
    top = warehouse.execute(
        "select origin_iso3, value_usd, region from marts.fdi_by_origin where source = 'unctad_fdi' "
        "and host_iso3 = 'AZE' and year = 2012 and rank = 1 order by origin_iso3"
    ).fetchall()
    assert top == [("NLD", 186 * MN, "European Union"), ("TUR", 186 * MN, "West Asia")]
    (next_rank,) = one(warehouse, "select min(rank) from marts.fdi_by_origin where source = 'unctad_fdi' "
                                  "and year = 2012 and rank > 1")
    assert next_rank == 3  # United Kingdom 149 after the tie


def test_unspecified_world_and_regions_are_never_ranked(warehouse):
    rows = warehouse.execute(
        "select origin_iso3, origin_entity_type, rank from marts.fdi_by_origin "
        "where source = 'unctad_fdi' and year = 2012 and origin_entity_type <> 'country' order by 1"
    ).fetchall()
    # regions (Europe, West Asia, CIS...) are labels only, not rows
    assert rows == [("WLD", "aggregate", None), ("XUU", "unspecified", None)]
    (name,) = one(warehouse, "select origin_name from marts.fdi_by_origin where origin_iso3 = 'XUU' and year = 2012")
    assert name == "Unspecified"
    # leaves add up to World (UNCTAD rounding: World - leaves = +1 in 2012)
    (leaves,) = one(warehouse, "select sum(value_usd) from marts.fdi_by_origin where source = 'unctad_fdi' "
                               "and year = 2012 and origin_iso3 <> 'WLD'")
    assert 5382 * MN - leaves == 1 * MN


def test_china_2008_unctad_inflow(warehouse):
    (value, basis) = one(warehouse, "select value_usd, basis from marts.fdi_by_origin where source = 'unctad_fdi' "
                                    "and host_iso3 = 'AZE' and origin_iso3 = 'CHN' and year = 2008 and measure = 'inflow'")
    assert value == 8 * MN
    assert basis == "UNCTAD, from State Statistical Committee data"


def test_cbar_2024_total_and_united_kingdom(warehouse):
    (value, total, share, rank, basis) = one(
        warehouse,
        "select value_usd, host_total_usd, share_pct, rank, basis from marts.fdi_by_origin "
        "where source = 'cbar_press' and host_iso3 = 'AZE' and origin_iso3 = 'GBR' and year = 2024",
    )
    assert total == 7000 * MN
    assert value == 1740 * MN
    assert share == pytest.approx(100 * 1740 / 7000)
    assert rank == 1
    assert basis == "Central Bank of Azerbaijan, as reported by Trend"
    (yoy,) = one(warehouse, "select yoy_pct from marts.fdi_by_origin where source = 'cbar_press' "
                            "and origin_iso3 = 'GBR' and year = 2024")
    assert yoy == pytest.approx(100 * (1740 - 1900) / 1900)


def test_fdi_mart_row_counts(warehouse):
    counts = dict(warehouse.execute("select source, count(*) from marts.fdi_by_origin group by 1").fetchall())
    # UNCTAD: 16 economies + Unspecified + World, 2001-2012; CBAR: 11 rows in 2023 and 2024;
    # IMF CDIS: Azerbaijan's inward position from China 2009-2023, China's outward one 2018-2023
    assert counts == {"unctad_fdi": 18 * 12, "cbar_press": 22, "imf_cdis": 15 + 6}


# ---------------------------------------------------------------------------------------------
# company_registry
# ---------------------------------------------------------------------------------------------


def test_company_registry_april_2025(warehouse):
    row = one(warehouse, "select registered, active, active_ratio, registered_change, active_change, prev_as_of_date "
                         "from marts.company_registry where host_iso3 = 'AZE' and origin_iso3 = 'CHN' "
                         "and as_of_date = date '2025-04-22'")
    registered, active, ratio, registered_change, active_change, prev = row
    assert (registered, active) == (375, 298)
    assert ratio == pytest.approx(298 / 375)
    assert registered_change == 375 - 119
    assert active_change is None  # 2019 published no active count
    assert prev == date(2019, 7, 5)
    (n,) = one(warehouse, "select count(*) from marts.company_registry")
    assert n == 2


def test_company_records_empty_without_an_export(warehouse):
    assert one(warehouse, "select count(*) from raw.registry_companies") == (0,)


# ---------------------------------------------------------------------------------------------
# malformed and unreadable inputs
# ---------------------------------------------------------------------------------------------


def test_text_in_unctad_year_cell_is_quarantined(malformed):
    result, conn = malformed
    assert result.success, result.failures
    rows = conn.execute(
        """select file, "row", "column", raw_value, reason from audit.quarantine where target_table = 'raw.fdi_unctad'"""
    ).fetchall()
    assert rows == [(UNCTAD_FILE, 25, "2008", "eight", "not a number: 'eight'")]
    # the other years of the row still load; the unreadable value is a warning, nothing fails
    (n,) = one(conn, f"select count(*) from raw.fdi_unctad where origin_code = 'CHN' and {CURRENT}")
    assert n == 11
    assert not result.failed_checks
    assert "raw/fdi_unctad:fdi_unctad_values_readable" in {c.name for c in result.warnings}


def test_active_above_registered_is_quarantined(malformed):
    result, conn = malformed
    assert result.success, result.failures
    rows = conn.execute(
        """select file, "row", "column", reason from audit.quarantine where target_table = 'raw.registry_counts'"""
    ).fetchall()
    assert rows == [(COUNTS_FILE, 4, "active", "active 20 > registered 10")]
    assert one(conn, f"select count(*) from raw.registry_counts where {CURRENT}") == (2,)


def test_records_load_and_a_count_mismatch_only_warns(malformed):
    result, conn = malformed
    assert result.success, result.failures
    assert one(conn, f"select count(*) from raw.registry_companies where {CURRENT}") == (200,)
    # the synthetic records do not give the published 119 (2019) / 375, 298 (2025): a warning, not a failure
    assert "raw/registry_counts:registry_counts_match_records" in {c.name for c in result.warnings}
    assert not result.failed_checks


def test_unreadable_file_fails_the_build_naming_the_file(unreadable):
    assert not unreadable.success and not unreadable.published
    line = next(f for f in unreadable.failures if f.startswith("raw__fdi_releases:"))
    assert "broken_release.csv" in line and "not UTF-8" in line


# ---------------------------------------------------------------------------------------------
# pure helpers
# ---------------------------------------------------------------------------------------------


def test_basis_and_source_id_helpers():
    assert unctad_basis(["Source:  UNCTAD FDI/TNC database, based on data from the State Statistical Committee."]) == \
        "UNCTAD, from State Statistical Committee data"
    assert unctad_basis([]) == "UNCTAD"
    assert cbar_basis('CBAR data via Trend (">$7bn",+5.8%)') == "Central Bank of Azerbaijan, as reported by Trend"
    assert cbar_basis("CBAR Statistics Dept director S. Nasirov (Trend)") == "Central Bank of Azerbaijan, as reported by Trend"
    assert source_id_of(Path("NBG FDI-2024.csv")) == "nbg_fdi_2024"


def test_counts_vs_records_on_synthetic_records(tmp_path):
    records = parse_company_records(write_synthetic_companies(tmp_path, seed=7)).rows
    chn = records.filter(pl.col("origin_iso3") == "CHN")
    on = date(2020, 1, 1)
    registered = chn.filter(pl.col("registered_on") <= on).height
    counts = pl.DataFrame({"host_iso3": ["AZE", "AZE"], "origin_iso3": ["CHN", "XXX"], "as_of": [on, on],
                           "registered": [registered, 5], "active": [None, 3]},
                          schema_overrides={"registered": pl.Int64, "active": pl.Int64})
    compared = counts_vs_records(counts, records)
    # only CHN has records; only 'registered' is published for it
    assert compared.to_dicts() == [{"host_iso3": "AZE", "origin_iso3": "CHN", "as_of": "2020-01-01",
                                    "figure": "registered", "published": registered, "from_records": registered}]
