"""Investment: UNCTAD bilateral FDI tables and FDI releases → ``raw.fdi_flows``, guarded by GX checks.

Every ``*.csv`` in ``raw/fdi_unctad/`` (UNCTAD Bilateral FDI Statistics, any host) and in
``raw/fdi_releases/`` (CBAR press layout or the canonical release layout, see the MANIFEST) loads
into one table with a ``source`` column:

* ``unctad_fdi``  — UNCTAD tables; the whole hierarchy is kept (World, regions, economies,
  Unspecified) with ``level``, ``parent_name`` and ``is_leaf`` so the marts can avoid double counts;
* ``cbar_press``  — Central Bank of Azerbaijan figures as quoted in the press;
* ``<file stem>`` — a canonical release: its source id is its file name without ``.csv``
  (lower case, non-alphanumerics as ``_``); the release's own ``source`` text becomes ``basis``.

Values are in US dollars (not millions). Origin names resolve through the crosswalk
(``raw.country_names``) exactly as trade partners do (a canonical release may also write a code);
a figure whose origin is unknown is quarantined with the trade reason text, and the blocking check
``fdi_country_names_known`` fails until the crosswalk knows the name.
"""


import datetime as dt
import re
from pathlib import Path

import dagster as dg
import great_expectations as gx
import polars as pl

from orchestration.defs.ingestion._loading import load_source
from orchestration.defs.ingestion.registry import CURRENT_LOADS, UNKNOWN_CODE
from orchestration.defs.ingestion._loading import UNKNOWN_NAME, crosswalk_resolver
from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib import fdi
from orchestration.lib.errors import SourceFileError
from orchestration.lib.quality import Expectation, run_suite
from orchestration.lib.results import ParseResult

FDI_TABLE = "raw.fdi_flows"
ASSET_KEY = dg.AssetKey(["raw", "fdi_flows"])
PARSER_VERSION = "fdi/1"
UNCTAD_FOLDER = "fdi_unctad"
RELEASE_FOLDER = "fdi_releases"
UNCTAD_SOURCE = "unctad_fdi"
CBAR_SOURCE = "cbar_press"
CBAR_PUBLISHER = "Central Bank of Azerbaijan"
# UNCTAD's bilateral FDI statistics start in 1970; nothing earlier is plausible
FIRST_YEAR = 1970
DECLARED_UNITS = sorted([*fdi.UNCTAD_UNITS, *fdi.RELEASE_UNITS])

FDI_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String,
    "host_name": pl.String,
    "host_code": pl.String,
    "origin_name": pl.String,
    "origin_code": pl.String,
    "origin_type": pl.String,
    "level": pl.Int64,
    "parent_name": pl.String,
    "is_leaf": pl.Boolean,
    "year": pl.Int32,
    "measure": pl.String,
    "value_usd": pl.Float64,
    "unit_as_published": pl.String,
    "basis": pl.String,
    "source_text": pl.String,
    "url": pl.String,
    "sheet": pl.String,
    "source_row": pl.Int64,
}


def source_id_of(path: Path) -> str:
    """The source id of a canonical release file: its stem, lower case, non-alphanumerics as ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")


def unctad_basis(notes: list[str]) -> str:
    """'UNCTAD, from <agency> data' from the table's 'Source:' footer ('UNCTAD' when it names none)."""
    for note in notes:
        m = re.search(r"based on data from (?:the )?(.+?)\.?\s*$", note, flags=re.IGNORECASE)
        if note.lower().startswith("source") and m:
            return f"UNCTAD, from {m.group(1).strip()} data"
    return "UNCTAD"


def cbar_basis(source_text: str | None) -> str:
    """'Central Bank of Azerbaijan, as reported by <medium>' from the press row's source text."""
    text = source_text or ""
    m = re.search(r"\bvia ([A-Z][\w.-]*)", text) or re.search(r"\(([A-Z][\w.-]*)\)\s*$", text)
    return f"{CBAR_PUBLISHER}, as reported by {m.group(1)}" if m else f"{CBAR_PUBLISHER}, as reported in the press"


def parse_fdi_file(path: Path) -> ParseResult:
    """Either reader, by folder, with its rows brought to :data:`FDI_SCHEMA` (names not yet resolved)."""
    if path.parent.name == UNCTAD_FOLDER:
        result = fdi.parse_unctad_fdi(path)
        meta = result.meta
        rows = result.rows.select(
            source=pl.lit(UNCTAD_SOURCE),
            host_name="host_name",
            host_code=pl.lit(None, pl.String),
            origin_name="origin_name",
            level="level",
            parent_name="parent_name",
            is_leaf="is_leaf",
            year="year",
            measure="measure",
            value_usd=pl.col("value_usd_mn") * 1e6,
            unit_as_published=pl.lit(meta["unit_as_written"]),
            basis=pl.lit(unctad_basis(meta.get("notes") or [])),
            source_text=pl.lit(" ".join(meta.get("notes") or []) or None, pl.String),
            url=pl.lit(None, pl.String),
            sheet=pl.lit(None, pl.String),
            source_row="source_row",
        )
    else:
        result = fdi.parse_fdi_release(path)
        meta = result.meta
        cbar = meta["layout"] == "cbar_press"
        rows = result.rows.select(
            source=pl.lit(CBAR_SOURCE if cbar else source_id_of(path)),
            host_name=pl.lit(None, pl.String),
            host_code="host_iso3",
            origin_name="origin_name",
            level=pl.lit(None, pl.Int64),
            parent_name=pl.lit(None, pl.String),
            is_leaf=pl.lit(None, pl.Boolean),
            year="year",
            measure="measure",
            value_usd="value_usd",
            unit_as_published="unit_as_written",
            basis=(pl.col("source").map_elements(cbar_basis, return_dtype=pl.String) if cbar else pl.col("source")),
            source_text="source",
            url="url",
            sheet=pl.lit(None, pl.String),
            source_row="source_row",
        )
    return ParseResult(rows=rows.with_columns(origin_code=pl.lit(None, pl.String), origin_type=pl.lit(None, pl.String)),
                       quarantine=result.quarantine, meta=meta)


def _codes(conn) -> dict[str, str]:
    """Every code in the crosswalk with its entity type."""
    return dict(conn.execute("select distinct code, entity_type from raw.country_names where is_current").fetchall())


def resolve_fdi_names(resolver, codes: dict[str, str]):
    """A transform for the loader: resolve host and origin; quarantine unknown origins and host codes."""

    def transform(result: ParseResult, path: Path) -> ParseResult:
        rows = result.rows
        host = result.meta.get("host_name")
        if host is not None:
            hit = resolver.resolve(host)
            if hit is None:
                raise SourceFileError(path, f"host economy {host!r} is not in the country crosswalk (raw/reference/country_names.csv)", row=1)
            rows = rows.with_columns(host_code=pl.lit(hit[0]))
        resolved = resolver.resolve_frame(rows.drop("origin_code", "origin_type"), "origin_name", "origin")
        # a canonical release may write the origin as a code: use it when the crosswalk knows it
        by_code = pl.col("origin_name").str.strip_chars().replace_strict(codes, default=None, return_dtype=pl.String)
        resolved = resolved.with_columns(
            origin_code=pl.coalesce("origin_code", pl.when(by_code.is_not_null()).then(pl.col("origin_name").str.strip_chars())),
            origin_type=pl.coalesce("origin_type", by_code),
        )
        unknown_origin = resolved.filter(pl.col("origin_code").is_null())
        unknown_host = resolved.filter(~pl.col("host_code").is_in(list(codes)).fill_null(False))
        quarantine = pl.concat([
            result.quarantine,
            unknown_origin.unique(["source_row", "origin_name"]).sort("source_row").select(
                file=pl.lit(path.name), sheet=pl.lit(None, pl.String), row="source_row",
                column=pl.lit("source_country" if result.meta.get("layout") == "cbar_press" else "origin"),
                raw_value="origin_name", reason=pl.lit(UNKNOWN_NAME),
            ),
            unknown_host.select(
                file=pl.lit(path.name), sheet=pl.lit(None, pl.String), row="source_row",
                column=pl.lit("host_iso3"), raw_value="host_code", reason=pl.lit(UNKNOWN_CODE),
            ),
        ])
        good = resolved.filter(pl.col("origin_code").is_not_null() & pl.col("host_code").is_in(list(codes)).fill_null(False))
        return ParseResult(rows=good.select(list(FDI_SCHEMA)).cast(FDI_SCHEMA), quarantine=quarantine, meta=result.meta)

    return transform


@dg.asset(
    key=ASSET_KEY,
    group_name="investment",
    kinds={"duckdb", "polars", "csv"},
    deps=[dg.AssetKey(["raw", "country_names"])],
    description=(
        "FDI by host × origin × year × measure (inflow | position) in US dollars from every UNCTAD "
        "bilateral FDI table in raw/fdi_unctad/ (source 'unctad_fdi', whole region hierarchy kept) and "
        "every release in raw/fdi_releases/ ('cbar_press', or the file's stem for canonical releases); "
        "origins resolved through raw.country_names, every row with its lineage (file, sha256, row)."
    ),
)
def fdi_flows(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files(UNCTAD_FOLDER, "*.csv") + raw_files.files(RELEASE_FOLDER, "*.csv")
    if not files:
        raise dg.Failure(f"{raw_files.path / UNCTAD_FOLDER}, {raw_files.path / RELEASE_FOLDER}: no FDI files (*.csv) found")
    with warehouse.connect() as conn:
        resolver, crosswalk_version = crosswalk_resolver(conn)
        return load_source(
            context, warehouse, raw_files, source="fdi", table=FDI_TABLE, files=files,
            parse=parse_fdi_file, transform=resolve_fdi_names(resolver, _codes(conn)),
            context_version=f"{PARSER_VERSION};{crosswalk_version}", conn=conn,
        )


CHECKS = {
    "fdi_required_columns_present": "schema: every column the staging model reads exists",
    "fdi_year_in_range": f"year between {FIRST_YEAR} and the current year (no figure for the future)",
    "fdi_key_unique": "one figure per (source, host, origin, year, measure)",
    "fdi_country_names_known": "every origin name (and host) is in the country crosswalk",
    "fdi_unit_is_declared": "every file's unit is one Corridor knows",
}
KEY = ("source", "host_code", "origin_code", "year", "measure")


def fdi_suite(current_year: int) -> list[Expectation]:
    e = gx.expectations
    return [
        Expectation("fdi_required_columns_present", e.ExpectTableColumnsToMatchSet(
            column_set=[*FDI_SCHEMA, "file", "file_sha256", "load_id", "loaded_at", "is_current"], exact_match=False)),
        Expectation("fdi_year_in_range", e.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year), KEY),
        Expectation("fdi_key_unique", e.ExpectCompoundColumnsToBeUnique(column_list=list(KEY)), KEY),
        Expectation("fdi_unit_is_declared", e.ExpectColumnValuesToBeInSet(column="unit_key", value_set=DECLARED_UNITS),
                    ("file", "unit_as_published")),
    ]


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=ASSET_KEY, blocking=True, description=desc) for name, desc in CHECKS.items()],
)
def fdi_flows_checks(warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        frame = conn.execute(f"select * from {FDI_TABLE} where is_current").df()
        names = conn.execute(
            f"""
            select q.raw_value as name, q.file, q."row", null::varchar as code
            from audit.quarantine q
            where q.reason in (?, ?) and q.load_id in ({CURRENT_LOADS})
            union all
            select distinct origin_name, null, null, origin_code from {FDI_TABLE} where is_current
            """,
            [UNKNOWN_NAME, UNKNOWN_CODE, FDI_TABLE],
        ).df()
    # the unit as the file writes it, normalised the way the parsers read it
    frame["unit_key"] = [
        u if u in fdi.RELEASE_UNITS else re.sub(r"\s+", " ", str(u).strip("() ").lower()) for u in frame["unit_as_published"]
    ]
    outcomes = run_suite("fdi_flows", frame, fdi_suite(dt.date.today().year))
    outcomes.update(run_suite("fdi_names", names, [
        Expectation("fdi_country_names_known", gx.expectations.ExpectColumnValuesToNotBeNull(column="code"), ("name", "file", "row")),
    ]))
    for name in CHECKS:
        o = outcomes[name]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=ASSET_KEY, passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR, metadata=o.metadata(),
        )
