"""Company registry parsers: the real published counts in raw/, malformed copies, synthetic records."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.lib.errors import SourceFileError
from orchestration.lib.registry import counts_from_records, parse_company_counts, parse_company_records
from tests.synthetic_registry import COLUMNS, synthetic_company_rows, write_synthetic_companies

RAW = Path(__file__).resolve().parents[1] / "raw"
COUNTS = RAW / "registry_counts" / "company_counts.csv"
TODAY = date(2026, 1, 1)
RECORDS_HEADER = ",".join(COLUMNS) + "\n"


def copy_with(tmp_path: Path, append: str = "", old: str | None = None, new: str = "", *, encoding="utf-8") -> Path:
    text = COUNTS.read_text(encoding="utf-8")
    if old is not None:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / COUNTS.name
    path.write_bytes((text + append).encode(encoding))
    return path


def reasons(result) -> list[tuple]:
    return result.quarantine.select("row", "column", "raw_value", "reason").rows()


# ---- published counts -------------------------------------------------------------------------


def test_real_counts():
    result = parse_company_counts(COUNTS)
    assert result.quarantine.is_empty()
    rows = result.rows.sort("as_of")
    assert rows.select("as_of", "registered", "active").rows() == [
        (date(2019, 7, 5), 119, None),
        (date(2025, 4, 22), 375, 298),
    ]
    assert set(rows["host_iso3"]) == {"AZE"} and set(rows["origin_iso3"]) == {"CHN"}
    assert rows["source_row"].to_list() == [2, 3]
    assert rows.schema["registered"] == pl.Int64 and rows.schema["active"] == pl.Int64


def test_april_2025_active_ratio():
    april = parse_company_counts(COUNTS).rows.filter(pl.col("as_of") == date(2025, 4, 22)).row(0, named=True)
    assert april["active"] / april["registered"] == pytest.approx(298 / 375)
    assert round(100 * april["active"] / april["registered"], 1) == 79.5


def test_counts_bom_is_accepted(tmp_path):
    path = tmp_path / COUNTS.name
    path.write_bytes(b"\xef\xbb\xbf" + COUNTS.read_bytes())
    assert parse_company_counts(path).rows.height == 2


def test_counts_duplicate_row(tmp_path):
    path = copy_with(tmp_path, "AZE,CHN,2025-04-22,375,298,again,https://example.org\n")
    result = parse_company_counts(path)
    assert reasons(result) == [(4, "as_of", "2025-04-22", "duplicate of an earlier row for AZE CHN 2025-04-22")]
    assert result.rows.height == 2


def test_counts_active_above_registered(tmp_path):
    path = copy_with(tmp_path, "AZE,CHN,2024-01-01,100,101,x,https://example.org\n")
    assert reasons(parse_company_counts(path, today=TODAY)) == [(4, "active", "101", "active 101 > registered 100")]


def test_counts_future_date(tmp_path):
    path = copy_with(tmp_path, "AZE,CHN,2030-01-01,500,400,x,https://example.org\n")
    result = parse_company_counts(path, today=TODAY)
    assert reasons(result) == [(4, "as_of", "2030-01-01", "date in the future: '2030-01-01'")]
    assert result.rows.height == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("AZE,CHN,2024-01-01,abc,1,x,u", ("registered", "abc", "not a whole number: 'abc'")),
        ("AZE,CHN,2024-01-01,-5,,x,u", ("registered", "-5", "negative count: '-5'")),
        ("AZE,CHN,2024-02-30,5,,x,u", ("as_of", "2024-02-30", "not a date (YYYY-MM-DD): '2024-02-30'")),
        ("AZE,CHN,01/02/2024,5,,x,u", ("as_of", "01/02/2024", "not a date (YYYY-MM-DD): '01/02/2024'")),
        ("AZE,China,2024-01-01,5,,x,u", ("origin_iso3", "China", "not an ISO3 code: 'China'")),
        ("AZE,CHN,2024-01-01,,,x,u", ("registered", None, "no count published")),
    ],
)
def test_counts_bad_rows_are_quarantined(tmp_path, line, expected):
    result = parse_company_counts(copy_with(tmp_path, line + "\n"), today=TODAY)
    assert reasons(result) == [(4, *expected)]
    assert result.rows.height == 2


def test_counts_missing_header_raises(tmp_path):
    path = copy_with(tmp_path, old="host_iso3,origin_iso3,as_of,registered,active,source,url\n", new="")
    with pytest.raises(SourceFileError, match=r"company_counts.csv, row 1: missing required column\(s\)"):
        parse_company_counts(path)


def test_counts_empty_file_raises(tmp_path):
    path = tmp_path / COUNTS.name
    path.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(SourceFileError, match="company_counts.csv: file is empty"):
        parse_company_counts(path)


def test_counts_latin1_raises(tmp_path):
    path = copy_with(tmp_path, old="Vestnik Kavkaza", new="Vestnik Kavkaza, Bakú", encoding="latin-1")
    with pytest.raises(SourceFileError, match=r"company_counts.csv, row 3: not UTF-8"):
        parse_company_counts(path)


def test_counts_do_not_modify_input():
    before = COUNTS.read_bytes()
    parse_company_counts(COUNTS)
    assert COUNTS.read_bytes() == before


cell_text = st.text(max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1, max_size=6))
def test_counts_arbitrary_numeric_text_loads_or_quarantines(tmp_path, cells):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["host_iso3", "origin_iso3", "as_of", "registered", "active", "source", "url"])
    for i, (registered, active, as_of) in enumerate(cells):
        writer.writerow(["AZE", "CHN", as_of if i % 2 else f"2020-01-{i + 1:02d}", registered, active, "s", "u"])
    path = tmp_path / "counts.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        result = parse_company_counts(path, today=TODAY)
    except SourceFileError:
        return
    loaded = set(result.rows["source_row"])
    quarantined = set(result.quarantine["row"])
    assert loaded.isdisjoint(quarantined)
    assert len(loaded | quarantined) == len(cells)
    assert result.rows.filter(pl.col("registered") < 0).is_empty()
    assert result.rows.filter(pl.col("active") > pl.col("registered")).is_empty()


# ---- company-level records (synthetic) --------------------------------------------------------


def write_records(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "records.csv"
    path.write_text(RECORDS_HEADER + "".join(line + "\n" for line in lines))
    return path


def test_synthetic_generator_is_deterministic(tmp_path):
    assert synthetic_company_rows(7) == synthetic_company_rows(7)
    assert synthetic_company_rows(7) != synthetic_company_rows(8)
    path = write_synthetic_companies(tmp_path, 7)
    assert path.name == "synthetic_companies_seed7.csv"
    assert path.read_text().splitlines()[1].split(",")[1] == "Synthetic Co 0001"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_records_load_cleanly(tmp_path, seed):
    result = parse_company_records(write_synthetic_companies(tmp_path, seed, n=300), today=TODAY)
    assert result.quarantine.is_empty()
    assert result.rows.height == 300
    assert result.rows.schema["registered_on"] == pl.Date


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("as_of", [date(2004, 12, 31), date(2012, 6, 30), date(2020, 1, 1), date(2025, 1, 1)])
def test_counts_from_records_equals_recount(tmp_path, seed, as_of):
    records = parse_company_records(write_synthetic_companies(tmp_path, seed, n=300), today=TODAY).rows
    expected: dict[tuple[str, str], list[int]] = {}
    for row in synthetic_company_rows(seed, n=300):
        counts = expected.setdefault((row["host_iso3"], row["origin_iso3"]), [0, 0])
        registered_on = date.fromisoformat(row["registered_on"])
        if registered_on <= as_of:
            counts[0] += 1
            still_active = row["status"] == "active" or date.fromisoformat(row["status_on"]) > as_of
            counts[1] += still_active
    got = counts_from_records(records, as_of)
    assert set(got["as_of"]) == {as_of}
    assert {(h, o): [r, a] for h, o, _, r, a in got.rows()} == expected


def test_records_duplicate_id_and_unknown_status(tmp_path):
    path = write_records(
        tmp_path,
        [
            "C1,Synthetic Co 0001,AZE,CHN,2020-01-01,active,,trade",
            "C2,Synthetic Co 0002,AZE,CHN,2020-01-01,dormant,2021-01-01,trade",
            "C1,Synthetic Co 0003,AZE,CHN,2021-01-01,active,,trade",
            "C1,Synthetic Co 0004,AZE,TUR,2021-01-01,active,,trade",
            "C5,Synthetic Co 0005,AZE,CHN,2030-01-01,active,,trade",
            "C6,Synthetic Co 0006,AZE,CHN,2020-13-01,active,,trade",
            "C7,Synthetic Co 0007,AZE,CHN,2020-01-01,liquidated,,trade",
            "C8,Synthetic Co 0008,AZE,CHN,2020-01-01,inactive,2019-01-01,trade",
            ",Synthetic Co 0009,AZE,CHN,2020-01-01,active,,",
            "C10,Synthetic Co 0010,AZE,CHN,2020-01-01,Liquidated,2022-05-01,",
        ],
    )
    result = parse_company_records(path, today=TODAY)
    assert result.rows["company_id"].to_list() == ["C1", "C10"]
    assert result.rows["status"].to_list() == ["active", "liquidated"]
    assert reasons(result) == [
        (3, "status", "dormant", "unknown status: 'dormant'"),
        (4, "company_id", "C1", "duplicate company_id 'C1'"),
        (5, "company_id", "C1", "duplicate company_id 'C1'"),
        (6, "registered_on", "2030-01-01", "date in the future: '2030-01-01'"),
        (7, "registered_on", "2020-13-01", "not a date (YYYY-MM-DD): '2020-13-01'"),
        (8, "status_on", None, "missing status_on for status 'liquidated'"),
        (9, "status_on", "2019-01-01", "status date '2019-01-01' before registration '2020-01-01'"),
        (10, "company_id", None, "missing company_id"),
    ]


def test_records_missing_column_raises(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("company_id,name,host_iso3\nC1,x,AZE\n")
    with pytest.raises(SourceFileError, match="records.csv, row 1: missing required column"):
        parse_company_records(path)
