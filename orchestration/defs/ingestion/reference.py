"""Reference tables: the country crosswalk and the ISO / UN Comtrade code lists."""


import dagster as dg

from orchestration.defs.ingestion._loading import load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import reference

REFERENCE_TABLES = {
    # asset/table name: (file name in raw/reference, parser)
    "country_names": ("country_names.csv", reference.parse_country_names),
    "country_codes": ("country-codes.csv", reference.parse_country_codes),
    "comtrade_country_codes": ("baci_comtrade_country_codes_V202201.csv", reference.parse_comtrade_codes),
}


def _reference_asset(name: str, file_name: str, parser) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", name],
        group_name="reference",
        kinds={"duckdb", "polars"},
        description=f"raw/reference/{file_name} loaded as raw.{name} (all versions kept, lineage per row).",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
        files = [p for p in raw_files.files("reference", file_name)]
        if not files:
            raise dg.Failure(f"raw/reference/{file_name}: file not found (the reference tables ship with Corridor)")
        return load_source(context, warehouse, raw_files, source="reference", table=f"raw.{name}", files=files, parse=parser)

    return _asset


reference_assets = [_reference_asset(n, f, p) for n, (f, p) in REFERENCE_TABLES.items()]
