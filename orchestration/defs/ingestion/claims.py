"""Claims: the ledger of figures quoted in documents (raw/claims/*.csv) → ``raw.claims``.

Every CSV under ``raw/claims/`` whose header is the ledger header is loaded (the press files beside
it are the ledger's sources, not ledgers). A row breaking the vocabularies of raw/claims/MANIFEST.md
(metric, unit, period grammar, numeric value, country codes of the crosswalk) is quarantined, and
the matching blocking check fails until the ledger is fixed: claims are checked, never trusted.
"""


import dagster as dg
import great_expectations as gx
import pandas as pd

from orchestration.defs.ingestion._loading import load_source
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import claims
from orchestration.lib.quality import Expectation, run_suite
from orchestration.lib.results import ParseResult

CLAIMS_TABLE = "raw.claims"
PARSER_VERSION = "claims/1"
KEY = ("file", "source_row", "claim_id")


def _known_codes(conn) -> tuple[frozenset[str], str]:
    frame = conn.sql("select distinct code, file_sha256 from raw.country_names where is_current").pl()
    if frame.is_empty():
        raise dg.Failure("raw.country_names is empty: materialise the reference assets first")
    return frozenset(frame["code"].to_list()), ",".join(sorted(frame["file_sha256"].unique().to_list()))


@dg.asset(
    key=["raw", "claims"],
    group_name="claims",
    kinds={"duckdb", "polars", "csv"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "Figures quoted in documents (seed articles, press reports of officials' statements), one row "
        "per numeric claim, from every ledger CSV in raw/claims/ (claims.csv and any other file with the "
        "same header): the exact quote, metric, reporter/partner, period, value, unit and stated basis. "
        "Claims are data to be checked (marts.claim_checks), never ground truth."
    ),
)
def claims_ledger(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    found = raw_files.files("claims", "*.csv")
    files = [p for p in found if claims.has_ledger_header(p)]
    for skipped in sorted(set(found) - set(files)):
        context.log.info(f"raw/claims: {skipped.name} is not a ledger (different header); not loaded")
    if not files:
        raise dg.Failure(f"{raw_files.path / 'claims'}: no claims ledger (a CSV with header {','.join(claims.COLUMNS)})")
    with warehouse.connect() as conn:
        codes, crosswalk_version = _known_codes(conn)

        def parse(path) -> ParseResult:
            return claims.parse_claims_file(path, known_codes=codes)

        return load_source(
            context, warehouse, raw_files, source=claims.SOURCE, table=CLAIMS_TABLE, files=files,
            parse=parse, context_version=f"{PARSER_VERSION};{crosswalk_version}", conn=conn,
        )


CHECKS = {
    "claims_metric_known": "every claim's metric is one of the ledger's metrics (raw/claims/MANIFEST.md)",
    "claims_unit_known": "every claim's unit is one of USD bn, USD mn, USD, percent, rank, count",
    "claims_period_parseable": "every period follows YYYY, YYYY-Qn, YYYY-MM..YYYY-MM or YYYY-MM-DD",
    "claims_country_codes_known": "every reporter/partner code is in the country crosswalk",
    "claims_id_unique": "one row per claim_id across all ledger files",
}
# quarantined rows are what the checks are about: a column → the check its bad values fail
QUARANTINE_COLUMNS = {
    "metric": "claims_metric_known",
    "unit": "claims_unit_known",
    "period": "claims_period_parseable",
    "reporter_iso3": "claims_country_codes_known",
    "partner_iso3": "claims_country_codes_known",
}


def _values(current: pd.DataFrame, quarantined: pd.DataFrame, columns: list[str], name: str) -> pd.DataFrame:
    """Loaded values of ``columns`` plus the quarantined raw values of those columns, as one column ``name``."""
    parts = [current[[*KEY, c]].rename(columns={c: name}) for c in columns]
    bad = quarantined[quarantined["column"].isin(columns)].rename(columns={"row": "source_row", "raw_value": name})
    bad = bad.assign(claim_id=None)[[*KEY, name]]
    return pd.concat([*parts, bad], ignore_index=True)


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=["raw", "claims"], blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def claims_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        current = conn.execute(
            "select file, source_row, claim_id, metric, unit, period, reporter_iso3, partner_iso3 "
            "from raw.claims where is_current"
        ).df()
        # the quarantine of each ledger file's latest load (also when every row of it was set aside)
        quarantined = conn.execute(
            """
            with latest as (
                select file, arg_max(load_id, started_at) as load_id, arg_max(status, started_at) as status
                from audit.load_log
                where target_table = 'raw.claims' and status in ('loaded', 'removed')
                group by file
            )
            select q.file, q."row", q."column", q.raw_value
            from audit.quarantine q
            join latest l using (load_id)
            where l.status = 'loaded'
            """
        ).df()
        codes = [r[0] for r in conn.execute("select distinct code from raw.country_names where is_current").fetchall()]
    e = gx.expectations
    outcomes = {}
    outcomes.update(run_suite("claims_metric", _values(current, quarantined, ["metric"], "metric"), [
        Expectation("claims_metric_known", e.ExpectColumnValuesToBeInSet(column="metric", value_set=list(claims.METRICS)), KEY)]))
    outcomes.update(run_suite("claims_unit", _values(current, quarantined, ["unit"], "unit"), [
        Expectation("claims_unit_known", e.ExpectColumnValuesToBeInSet(column="unit", value_set=list(claims.UNITS)), KEY)]))
    outcomes.update(run_suite("claims_period", _values(current, quarantined, ["period"], "period"), [
        Expectation("claims_period_parseable", e.ExpectColumnValuesToMatchRegex(column="period", regex=claims.PERIOD_PATTERN), KEY)]))
    outcomes.update(run_suite("claims_codes", _values(current, quarantined, ["reporter_iso3", "partner_iso3"], "code"), [
        Expectation("claims_country_codes_known", e.ExpectColumnValuesToBeInSet(column="code", value_set=codes), KEY)]))
    outcomes.update(run_suite("claims_ids", current, [
        Expectation("claims_id_unique", e.ExpectColumnValuesToBeUnique(column="claim_id"), KEY)]))
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=dg.AssetKey(["raw", "claims"]), passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
