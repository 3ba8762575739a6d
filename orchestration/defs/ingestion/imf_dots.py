"""IMF DOTS: every workbook in raw/imf_dots/ → ``raw.imf_dots``.

Any number of per-reporter workbooks (.xlsx, .xlsm or legacy .xls); exports FOB and imports CIF in
US dollars, the unit read from each sheet; IMF estimates (" e") flagged; reporter and partner names
resolved through the crosswalk (an unknown name is quarantined and warned about, the rest loads).
"""

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib import imf_dots
from orchestration.lib.rules import rule

# the first year DOTS could hold (the IMF's trade statistics start after the war)
FIRST_YEAR = 1948
KEY = ("reporter_code", "partner_code", "flow", "year")


PARTNER_SUMS = """
with figures as (
    select l.release, t.reporter_code, t.flow, t.year, t.value_usd, t.partner_type, t.partner_code
    from {table} t join audit.load_log l using (load_id)
    where l.is_current and l.target_table = '{table_name}'
)
select release, reporter_code, flow, year,
       coalesce(sum(value_usd) filter (where partner_type in ('country', 'historical')), 0) as partner_sum_usd,
       max(value_usd) filter (where partner_code = 'WLD') as world_usd,
       max(value_usd) filter (where partner_code = 'WLD') * (1 + ?) + ? as world_with_tolerance_usd
from figures
group by all
having max(value_usd) filter (where partner_code = 'WLD') is not null
"""

SPEC = SourceSpec(
    name="imf_dots",
    group="trade",
    kinds=frozenset({"duckdb", "polars", "excel"}),
    description=(
        "Merchandise trade by reporter × partner × year × flow from every IMF DOTS workbook in raw/imf_dots/ "
        "(Direction of Trade Statistics): exports FOB and imports CIF in US dollars (unit read from each sheet), "
        "IMF estimates flagged, names resolved through the crosswalk; lineage in audit.load_log (load_id) plus "
        "the sheet and row of every figure."
    ),
    patterns=("*.xlsx", "*.xlsm", "*.xls"),
    parse=imf_dots.parse_dots_workbook,
    parser_version="imf_dots/2",
    row_schema={**imf_dots.ROW_SCHEMA, "reporter_code": pl.String, "reporter_type": pl.String,
                "partner_code": pl.String, "partner_type": pl.String},
    countries=(
        CountryColumn("reporter_name", "reporter_code", "reporter_type"),
        CountryColumn("partner_name", "partner_code", "partner_type"),
    ),
    key=KEY,
    checks=(
        Check("imf_dots_unit_is_declared", "every sheet's unit is one Corridor knows (an unknown unit is systemic)",
              lambda: expectations().ExpectColumnValuesToBeInSet(column="unit_as_published", value_set=list(imf_dots.UNIT_NAMES)),
              blocking=True, key=("reporter_code", "flow", "unit_as_published"), columns=("unit_as_published",)),
        Check("imf_dots_value_non_negative", "value_usd >= 0 for every figure",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="value_usd", min_value=0), key=KEY,
              columns=("value_usd",)),
        Check("imf_dots_year_in_range", f"year between {FIRST_YEAR} and the current year",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year()),
              key=KEY, columns=("year",)),
        Check("imf_dots_partner_sum_within_world_total",
              "a reporter's named partner economies add up to at most its World total × (1 + "
              f"{rule('partner_sum_relative_tolerance')}) + USD {rule('partner_sum_absolute_floor_usd'):,} "
              "(rounding); beyond, the reporter-year is named in a warning",
              lambda: expectations().ExpectColumnPairValuesAToBeGreaterThanB(
                  column_A="world_with_tolerance_usd", column_B="partner_sum_usd", or_equal=True),
              key=("release", "reporter_code", "flow", "year", "partner_sum_usd", "world_usd"), sql=PARTNER_SUMS,
              params=lambda: [rule("partner_sum_relative_tolerance"), rule("partner_sum_absolute_floor_usd")]),
    ),
)

imf_dots_asset, imf_dots_checks = source_defs(SPEC)
