"""Company registry: published counts → ``raw.registry_counts``; company-level exports → ``raw.registry_companies``.

* ``raw/registry_counts/*.csv`` — dated aggregate counts (registered / active) as officials state
  them.
* ``raw/registry_companies/*.csv`` — company-level registry exports (one company per row). No such
  export exists for the first corridor, so the folder is absent by default: the table then exists
  empty with the full schema, so checks and SQL against it behave the same whether or not an export
  was ever delivered.

Both layouts write ISO3 codes, checked against the crosswalk like every source's countries. Where
both exist, counts derived from the records are compared with the published counts
(``registry_counts_match_records``, a warning: published figures are statements, not registry
extracts, and a mismatch is worth a look rather than a failed build).
"""

import dagster as dg
import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, source_defs
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import registry
from orchestration.lib.results import ParseResult  # noqa: F401  (the parsers' return type)

CODE_COLUMNS = ("host_iso3", "origin_iso3")
_CODES = (CountryColumn("host_iso3", "host_iso3", "host_type", vocabulary="code"),
          CountryColumn("origin_iso3", "origin_iso3", "origin_type", vocabulary="code"))
_TYPES = {"host_type": pl.String, "origin_type": pl.String}
CSV = frozenset({"duckdb", "polars", "csv"})


registry_counts, registry_counts_checks = source_defs(SourceSpec(
    name="registry_counts", group="registry", kinds=CSV,
    description=("Companies of an origin registered / active in a host country on a date, as published "
                 "(raw/registry_counts/*.csv); a blank count = not published."),
    patterns=("*.csv",), parse=registry.parse_company_counts, parser_version="registry_counts/2",
    row_schema={**registry.COUNT_ROW_SCHEMA, **_TYPES}, countries=_CODES, key=("host_iso3", "origin_iso3", "as_of"),
    checks=(
        Check("registry_active_not_above_registered", "active <= registered where both are published",
              lambda: expectations().ExpectColumnPairValuesAToBeGreaterThanB(column_A="registered", column_B="active", or_equal=True,
                                                                     ignore_row_if="either_value_is_missing"),
              key=("host_iso3", "origin_iso3", "as_of", "registered", "active"), columns=("registered", "active")),
        Check("registry_counts_dates_not_in_future", "as_of is not after today",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="days_after_today", max_value=0),
              key=("host_iso3", "origin_iso3", "as_of"),
              sql="select host_iso3, origin_iso3, cast(as_of as varchar) as as_of, date_diff('day', current_date, as_of) "
                  "as days_after_today from {table} where {current}"),
    ),
))

registry_companies, registry_companies_checks = source_defs(SourceSpec(
    name="registry_companies", group="registry", kinds=CSV, required=False,
    description=("Company-level registry exports (raw/registry_companies/*.csv, one company per row: id, name, "
                 "host, origin, registration date, status, sector). Empty (0 rows) when no export exists, as for "
                 "Azerbaijan today."),
    patterns=("*.csv",), parse=registry.parse_company_records, parser_version="registry_companies/2",
    row_schema={**registry.RECORD_ROW_SCHEMA, **_TYPES}, countries=_CODES, key=("company_id",),
    checks=(
        Check("registry_companies_dates_not_in_future", "registered_on and status_on are not after today",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="days_after_today", max_value=0),
              key=("company_id",),
              sql="select company_id, date_diff('day', current_date, greatest(registered_on, coalesce(status_on, "
                  "registered_on))) as days_after_today from {table} where {current}"),
    ),
))


def counts_vs_records(counts: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Published counts beside the counts the records give on the same date, one row per figure
    (registered / active) where both are known."""
    pairs = counts.join(records.select(*CODE_COLUMNS).unique(), on=list(CODE_COLUMNS), how="semi")
    derived = [
        registry.counts_from_records(records, as_of).join(
            pairs.filter(pl.col("as_of") == as_of).select(*CODE_COLUMNS), on=list(CODE_COLUMNS), how="semi")
        for as_of in pairs["as_of"].unique().sort().to_list()
    ]
    schema = {"host_iso3": pl.String, "origin_iso3": pl.String, "as_of": pl.String, "figure": pl.String,
              "published": pl.Int64, "from_records": pl.Int64}
    if not derived:
        return pl.DataFrame(schema=schema)
    both = pairs.join(pl.concat(derived), on=[*CODE_COLUMNS, "as_of"], suffix="_from_records")
    return pl.concat([
        both.select(*CODE_COLUMNS, as_of=pl.col("as_of").cast(pl.String), figure=pl.lit(figure),
                    published=pl.col(figure), from_records=pl.col(f"{figure}_from_records"))
        for figure in ("registered", "active")
    ]).filter(pl.col("published").is_not_null() & pl.col("from_records").is_not_null()).cast(schema)



MATCH_CHECK = "registry_counts_match_records"


@dg.asset_check(
    asset=["raw", "registry_counts"], name=MATCH_CHECK, blocking=False,
    additional_deps=[dg.AssetKey(["raw", "registry_companies"])],
    description="counts derived from company records equal the published counts (same host, origin, date); warns",
)
def registry_counts_match_records(warehouse: WarehouseResource):
    from orchestration.defs.ingestion._source import CURRENT
    from orchestration.lib.quality import Expectation, run_suite

    with warehouse.connect(read_only=True) as conn:
        counts = conn.sql(f"select host_iso3, origin_iso3, as_of, registered, active from raw.registry_counts "
                          f"where {CURRENT.format(table='raw.registry_counts')}").pl()
        records = conn.sql(f"select * from raw.registry_companies "
                           f"where {CURRENT.format(table='raw.registry_companies')}").pl()
    compared = counts_vs_records(counts, records) if records.height else None
    if compared is None or compared.is_empty():
        return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.WARN, metadata={
            "rows_checked": 0, "note": "no published count has company-level records for the same host and origin"})
    o = run_suite("registry_counts_vs_records", compared.to_pandas(), [
        Expectation(MATCH_CHECK, expectations().ExpectColumnPairValuesToBeEqual(
            column_A="published", column_B="from_records", ignore_row_if="either_value_is_missing"),
            ("host_iso3", "origin_iso3", "as_of", "figure", "published", "from_records")),
    ])[MATCH_CHECK]
    return dg.AssetCheckResult(passed=o.passed, severity=dg.AssetCheckSeverity.WARN,
                               metadata={**o.metadata(), "comparisons": dg.MetadataValue.json(compared.to_dicts())})
