"""Reference tables in raw/reference/: the country crosswalk and the code lists every source's
countries resolve through (orchestration/defs/ingestion/_source.py, ``reference_resolver``)."""

import polars as pl

from orchestration.defs.ingestion._source import SourceSpec, source_defs
from orchestration.lib import reference

_CSV = frozenset({"duckdb", "polars", "csv"})

country_names, country_names_checks = source_defs(SourceSpec(
    name="country_names", folder="reference", group="reference", kinds=_CSV,
    patterns=("country_names.csv",), parse=reference.parse_country_names, parser_version="country_names/1",
    row_schema={"name": pl.String, "code": pl.String, "entity_type": pl.String, "iso3": pl.String,
                "vocabulary": pl.String, "note": pl.String, "key": pl.String, "source_row": pl.Int64},
    description="The country crosswalk (raw/reference/country_names.csv): every country or area name a source "
                "writes → one Corridor code and its entity type (country, historical, aggregate, unspecified).",
))

country_codes, country_codes_checks = source_defs(SourceSpec(
    name="country_codes", folder="reference", group="reference", kinds=_CSV,
    patterns=("country-codes.csv",), parse=reference.parse_country_codes, parser_version="country_codes/1",
    row_schema={c: pl.String for c in ("iso3", "iso2", "iso_numeric", "m49", "name", "unterm_short_name",
                                       "official_name", "region", "sub_region", "is_independent")} | {"source_row": pl.Int64},
    description="ISO 3166-1 alpha-2/alpha-3/numeric, UN M49 and region names (raw/reference/country-codes.csv).",
))

comtrade_country_codes, comtrade_country_codes_checks = source_defs(SourceSpec(
    name="comtrade_country_codes", folder="reference", group="reference", kinds=_CSV,
    patterns=("baci_comtrade_country_codes_*.csv",), parse=reference.parse_comtrade_codes,
    parser_version="comtrade_country_codes/1",
    row_schema={"comtrade_code": pl.Int32, "comtrade_name": pl.String, "comtrade_name_full": pl.String,
                "iso2": pl.String, "iso3": pl.String, "source_row": pl.Int64},
    description="UN Comtrade numeric country codes with their ISO codes (CEPII BACI list, raw/reference/).",
))

source_area_codes, source_area_codes_checks = source_defs(SourceSpec(
    name="source_area_codes", folder="reference", group="reference", kinds=_CSV,
    patterns=("source_area_codes.csv",), parse=reference.parse_source_area_codes, parser_version="source_area_codes/1",
    row_schema={c: pl.String for c in reference.SOURCE_AREA_COLUMNS} | {"source_row": pl.Int64},
    description="Codes the API sources write that no ISO table maps (UN Comtrade 0 World, 490 Other Asia nes, "
                "899 Areas nes; IMF W00 World) and the Corridor code each stands for.",
))
