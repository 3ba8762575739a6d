"""The country crosswalk (raw/reference/country_names.csv) and its resolver."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.countries import COLUMNS, Resolver, load_crosswalk, normalise_name
from orchestration.lib.errors import SourceFileError

ROOT = Path(__file__).resolve().parents[1]
CROSSWALK = ROOT / "raw" / "reference" / "country_names.csv"
ISO_TABLE = ROOT / "raw" / "reference" / "country-codes.csv"
DOTS_FILES = [ROOT / "raw" / "imf_dots" / "DOTS_13.xlsx", ROOT / "raw" / "imf_dots" / "DOTS_40.xlsx"]
DOTS_SHEETS = ["Exports, FOB", "Imports, CIF"]
UNCTAD_DIR = ROOT / "raw" / "fdi_unctad"
# the CBAR press table may be shipped under either source folder
PRESS_FDI_CANDIDATES = [
    ROOT / "raw" / "fdi_releases" / "cbar_inward_fdi_press.csv",
    ROOT / "raw" / "claims" / "press" / "aze_inward_fdi_cbar_press.csv",
]


@pytest.fixture(scope="module")
def crosswalk() -> pl.DataFrame:
    return load_crosswalk(CROSSWALK)


@pytest.fixture(scope="module")
def resolver(crosswalk: pl.DataFrame) -> Resolver:
    return Resolver(crosswalk)


def _dots_names(path: Path) -> set[str]:
    names: set[str] = set()
    for sheet in DOTS_SHEETS:
        df = pl.read_excel(path, sheet_name=sheet, has_header=False, engine="calamine")
        col = df["column_0"].cast(pl.String)
        names.add(col[1])  # the reporter
        names.update(v for v in col[4:].to_list() if v is not None and v.strip())
    return names


# --- the file itself -------------------------------------------------------------------------------

def test_header_is_exact_and_utf8_without_bom() -> None:
    raw = CROSSWALK.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_codes_unique_per_entity(crosswalk: pl.DataFrame) -> None:
    per_code = crosswalk.group_by("code").agg(pl.col("entity_type").n_unique().alias("n"))
    assert per_code.filter(pl.col("n") > 1).is_empty()
    assert crosswalk["code"].str.contains(r"^[A-Z]{3}$").all()
    # X-codes are user-assigned; only countries (XKX) and non-countries may use them, never ISO codes
    iso = set(pl.read_csv(ISO_TABLE, infer_schema=False)["ISO3166-1-Alpha-3"].drop_nulls().to_list())
    countries = crosswalk.filter(pl.col("entity_type") == "country")
    assert set(countries["code"]) - iso == {"XKX"}
    assert (countries["iso3"] == countries["code"]).all()
    others = crosswalk.filter(pl.col("entity_type") != "country")
    assert others["iso3"].is_null().all()
    assert not (set(others["code"]) & iso)
    # every ISO country is reachable by at least one name
    assert iso <= set(countries["code"])


def test_world_is_the_only_non_x_aggregate(crosswalk: pl.DataFrame) -> None:
    aggs = crosswalk.filter(pl.col("entity_type").is_in(["aggregate", "unspecified"]))
    assert set(aggs.filter(~pl.col("code").str.starts_with("X"))["code"]) == {"WLD"}


# --- resolving real source names -------------------------------------------------------------------

@pytest.mark.parametrize("path", DOTS_FILES, ids=lambda p: p.name)
def test_every_dots_name_resolves(resolver: Resolver, path: Path) -> None:
    names = _dots_names(path)
    assert len(names) > 100
    unresolved = sorted(n for n in names if resolver.resolve(n) is None)
    assert unresolved == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("China, P.R.: Mainland", ("CHN", "country")),
        ("China, P.R.: Hong Kong", ("HKG", "country")),
        ("China, P.R.: Macao", ("MAC", "country")),
        ("Azerbaijan, Rep. of", ("AZE", "country")),
        ("World", ("WLD", "aggregate")),
        ("TOTAL", ("WLD", "aggregate")),
        ("Euro Area", ("XEA", "aggregate")),
        ("Memorandum Items", ("XMI", "aggregate")),
        ("USSR", ("SUN", "historical")),
        ("Belgium-Luxembourg", ("XBL", "historical")),
        ("Yemen Arab Rep.", ("YAR", "historical")),
        ("Countries & Areas not specified", ("XUN", "unspecified")),
        ("Unspecified", ("XUU", "unspecified")),
        ("Kosovo, Rep. of", ("XKX", "country")),
        ("Taiwan Province of China", ("TWN", "country")),
        ("Turkey", ("TUR", "country")),
        ("Türkiye, Rep. of", ("TUR", "country")),
        ("Turkiye", ("TUR", "country")),
        ("Iran, Islamic Republic of", ("IRN", "country")),
    ],
)
def test_known_names(resolver: Resolver, name: str, expected: tuple[str, str]) -> None:
    assert resolver.resolve(name) == expected


def test_matching_is_normalised_but_never_fuzzy(resolver: Resolver) -> None:
    assert resolver.resolve("netherlands,  the ") == ("NLD", "country")
    assert resolver.resolve("  NETHERLANDS,\tTHE") == ("NLD", "country")
    # NFD-decomposed input matches the NFC name
    assert resolver.resolve("Cura\u0063\u0327ao, Kingdom of the Netherlands") == ("CUW", "country")
    assert resolver.resolve("Netherland, The") is None
    assert resolver.resolve("Chin") is None
    assert resolver.resolve("") is None
    assert normalise_name("  Korea,\u00a0 Rep. of ") == "korea, rep. of"


def _unctad_names(path: Path) -> set[str]:
    df = pl.read_csv(path, infer_schema=False)
    label_cols = df.columns[1:6]
    labels = df.select(
        pl.coalesce([pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars())
                     for c in label_cols]).alias("label")
    )["label"].to_list()
    start = labels.index("Region / economy") + 1
    names = set()
    for label in labels[start:]:
        if label is None:
            continue
        if label.startswith(("Source:", "Notes:", "Note:")):
            break
        names.add(label)
    return names


def test_every_unctad_name_resolves(resolver: Resolver) -> None:
    files = sorted(UNCTAD_DIR.glob("*.csv")) if UNCTAD_DIR.is_dir() else []
    if not files:
        pytest.skip("raw/fdi_unctad/*.csv not present yet")
    for path in files:
        names = _unctad_names(path)
        assert {"World", "Developed economies", "Unspecified", "Russian Federation"} <= names
        unresolved = sorted(n for n in names if resolver.resolve(n) is None)
        assert unresolved == [], path.name
    assert resolver.resolve("Developed economies") == ("XDV", "aggregate")
    assert resolver.resolve("CIS")[1] == "aggregate"


def test_every_press_fdi_origin_resolves(resolver: Resolver) -> None:
    files = [p for p in PRESS_FDI_CANDIDATES if p.is_file()]
    if not files:
        pytest.skip("the CBAR inward-FDI press table is not in raw/ yet")
    for path in files:
        # the file has a free-text column with unbalanced quotes; read it leniently, only the
        # origin column (the second field) matters here
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].split(",")[1] == "source_country"
        names = {line.split(",")[1] for line in lines[1:] if line.strip()}
        assert sorted(n for n in names if resolver.resolve(n) is None) == [], path.name


def test_resolve_frame_joins_and_keeps_rows(resolver: Resolver) -> None:
    df = pl.DataFrame({"partner": ["World", "Turkey", None, "Atlantis", "world", "USSR"], "v": range(6)})
    out = resolver.resolve_frame(df, "partner", "partner_code", "partner_type")
    assert out.columns == ["partner", "v", "partner_code", "partner_type"]
    assert out["v"].to_list() == list(range(6))
    assert out["partner_code"].to_list() == ["WLD", "TUR", None, None, "WLD", "SUN"]
    assert out["partner_type"].to_list() == ["aggregate", "country", None, None, "aggregate", "historical"]


def test_resolve_frame_on_real_workbook(resolver: Resolver) -> None:
    df = pl.read_excel(DOTS_FILES[1], sheet_name="Exports, FOB", has_header=False, engine="calamine")
    partners = df.slice(4).select(pl.col("column_0").alias("partner")).drop_nulls()
    out = resolver.resolve_frame(partners, "partner", "partner_code", "partner_type")
    assert out.height == partners.height
    assert out["partner_code"].null_count() == 0


# --- malformed crosswalk files ---------------------------------------------------------------------

GOOD = "name,code,entity_type,iso3,vocabulary,note\nWorld,WLD,aggregate,,imf,\nFrance,FRA,country,FRA,imf,\n"


def _write(tmp_path: Path, text: str, name: str = "bad_names.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_minimal_file_loads(tmp_path: Path) -> None:
    df = load_crosswalk(_write(tmp_path, GOOD, "good.csv"))
    assert df.height == 2
    assert Resolver(df).resolve("france") == ("FRA", "country")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name,code,entity_type,vocabulary,note\nWorld,WLD,aggregate,imf,\n", "missing column"),
        (GOOD + "World,WLD,aggregate,,unctad,\n", "duplicate name"),
        (GOOD + "WORLD ,WLD,aggregate,,unctad,\n", "duplicate name"),
        (GOOD + "Mars,XMR,planet,,imf,\n", "unknown entity_type"),
        (GOOD + "Gaul,FRA,historical,,imf,\n", "several entity types"),
        (GOOD + "Nowhere,xx,aggregate,,imf,\n", "3 upper-case letters"),
    ],
    ids=["missing-column", "duplicate", "duplicate-normalised", "bad-entity-type", "code-two-types", "bad-code"],
)
def test_malformed_crosswalk_raises(tmp_path: Path, text: str, fragment: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SourceFileError) as info:
        load_crosswalk(path)
    message = str(info.value)
    assert "bad_names.csv" in message
    assert fragment in message


def test_missing_crosswalk_file_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="absent.csv"):
        load_crosswalk(tmp_path / "absent.csv")


def test_every_comtrade_code_of_the_baci_list_maps_to_a_crosswalk_entity():
    """Codes without an ISO3 in the BACI list (490, 697, 849) are mapped by
    raw/reference/source_area_codes.csv, and every code it maps to is an entity of the crosswalk
    (dim_countries' relationships hold)."""
    repo = Path(__file__).resolve().parents[1]
    baci = pl.read_csv(repo / "raw" / "reference" / "baci_comtrade_country_codes_V202201.csv", infer_schema_length=0)
    areas = pl.read_csv(repo / "raw" / "reference" / "source_area_codes.csv", infer_schema_length=0)
    crosswalk = pl.read_csv(repo / "raw" / "reference" / "country_names.csv", infer_schema_length=0)
    mapped = dict(areas.filter(pl.col("vocabulary") == "comtrade").select("source_code", "code").iter_rows())
    without_iso = baci.filter(pl.col("iso_3digit_alpha") == "N/A")["country_code"].to_list()
    assert sorted(without_iso) == ["490", "697", "849"]
    assert {c: mapped.get(c) for c in without_iso} == {"490": "XAN", "697": "XFT", "849": "UMI"}
    assert set(areas["code"]) <= set(crosswalk["code"])


def test_resolver_knows_comtrade_and_imf_codes():
    """One resolver for every source: names, Corridor codes, UN Comtrade numeric codes, IMF area codes."""
    repo = Path(__file__).resolve().parents[1]
    crosswalk = load_crosswalk(repo / "raw" / "reference" / "country_names.csv")
    areas = pl.read_csv(repo / "raw" / "reference" / "source_area_codes.csv", infer_schema_length=0)
    baci = pl.read_csv(repo / "raw" / "reference" / "baci_comtrade_country_codes_V202201.csv", infer_schema_length=0)
    iso = pl.read_csv(repo / "raw" / "reference" / "country-codes.csv", infer_schema_length=0, null_values=[])
    aliases = pl.concat([
        baci.filter(pl.col("iso_3digit_alpha") != "N/A").select(
            vocabulary=pl.lit("comtrade"), source_code="country_code", code="iso_3digit_alpha", entity_type=pl.lit(None, pl.String)),
        iso.filter(pl.col("ISO3166-1-Alpha-2") != "").select(
            vocabulary=pl.lit("imf"), source_code="ISO3166-1-Alpha-2", code="ISO3166-1-Alpha-3", entity_type=pl.lit(None, pl.String)),
        areas.select("vocabulary", "source_code", "code", "entity_type"),
    ])
    r = Resolver(crosswalk, aliases)
    assert [r.resolve(c, "comtrade") for c in ("31", "156", "842", "251", "699", "757", "0", "490")] == [
        ("AZE", "country"), ("CHN", "country"), ("USA", "country"), ("FRA", "country"), ("IND", "country"),
        ("CHE", "country"), ("WLD", "aggregate"), ("XAN", "unspecified")]
    assert [r.resolve(c, "imf") for c in ("AZ", "CN", "NA", "W00")] == [
        ("AZE", "country"), ("CHN", "country"), ("NAM", "country"), ("WLD", "aggregate")]
    assert r.resolve("998", "comtrade") is None
    assert r.resolve("AZE", "code") == ("AZE", "country") and r.resolve("PRC", "code") is None
