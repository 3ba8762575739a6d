"""Investment: UNCTAD bilateral FDI tables → ``raw.fdi_unctad``; FDI releases → ``raw.fdi_releases``.

Every ``*.csv`` in ``raw/fdi_unctad/`` (UNCTAD Bilateral FDI Statistics, any host) and in
``raw/fdi_releases/`` (CBAR press layout or the canonical release layout, see the MANIFEST) loads
with one row shape (:data:`FDI_SCHEMA`) and a ``source`` column (dbt staging unions the two):

* ``unctad_fdi``  — UNCTAD tables; the whole hierarchy is kept (World, regions, economies,
  Unspecified) with ``level``, ``parent_name`` and ``is_leaf`` so the marts can avoid double counts;
* ``cbar_press``  — Central Bank of Azerbaijan figures as quoted in the press;
* ``<file stem>`` — a canonical release: its source id is its file name without ``.csv``
  (lower case, non-alphanumerics as ``_``); the release's own ``source`` text becomes ``basis``.

Values are in US dollars (not millions). Host and origin resolve through the crosswalk exactly as
trade partners do (a canonical release may write a code instead of a name); a figure whose origin is
unknown is quarantined and the check ``<source>_country_names_known`` warns until the crosswalk
knows the name.
"""


import datetime as dt
import re
from pathlib import Path

import polars as pl

from orchestration.defs.ingestion._source import Check, CountryColumn, SourceSpec, expectations, current_year, source_defs
from orchestration.lib import fdi
from orchestration.lib.results import ParseResult

PARSER_VERSION = "fdi/2"
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


def parse_unctad_file(path: Path) -> ParseResult:
    """An UNCTAD bilateral FDI table, its rows brought to :data:`FDI_SCHEMA` (names not yet resolved)."""
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
    return ParseResult(rows=rows, quarantine=result.quarantine, meta=meta)


def parse_release_file(path: Path) -> ParseResult:
    """An FDI release (CBAR press layout or the canonical layout), rows brought to :data:`FDI_SCHEMA`."""
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
    return ParseResult(rows=rows, quarantine=result.quarantine, meta=meta)


KEY = ("source", "host_code", "origin_code", "year", "measure")
# the unit as the file writes it, normalised the way the parsers read it
UNIT_KEY = "case when unit_as_published in ({known}) then unit_as_published else lower(trim(regexp_replace(unit_as_published, '[()]|\\s+', ' ', 'g'))) end"


def _checks(name: str) -> tuple[Check, ...]:
    return (
        Check(f"{name}_year_in_range", f"year between {FIRST_YEAR} and the current year (no figure for the future)",
              lambda: expectations().ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_YEAR, max_value=current_year()),
              key=KEY, columns=("year",)),
        Check(f"{name}_unit_is_declared", "every file's unit is one Corridor knows (an unknown unit is systemic)",
              lambda: expectations().ExpectColumnValuesToBeInSet(column="unit_key", value_set=DECLARED_UNITS), blocking=True,
              key=("file", "unit_as_published"),
              sql="select distinct l.file, t.unit_as_published, "
                  + UNIT_KEY.format(known=", ".join(f"'{u}'" for u in fdi.RELEASE_UNITS))
                  + " as unit_key from {table} t join audit.load_log l using (load_id) "
                  "where l.is_current and l.target_table = '{table_name}'"),
    )


_ROW_SCHEMA = {**FDI_SCHEMA, "host_type": pl.String}

fdi_unctad, fdi_unctad_checks = source_defs(SourceSpec(
    name="fdi_unctad", group="investment", kinds=frozenset({"duckdb", "polars", "csv"}),
    description=(
        "FDI flows into a host economy by origin × year (US dollars) from every UNCTAD bilateral FDI table in "
        "raw/fdi_unctad/ (source 'unctad_fdi'; the whole region hierarchy kept with level, parent and is_leaf)."
    ),
    patterns=("*.csv",), parse=parse_unctad_file, parser_version=PARSER_VERSION, row_schema=_ROW_SCHEMA,
    countries=(CountryColumn("host_name", "host_code", "host_type"),
               CountryColumn("origin_name", "origin_code", "origin_type", vocabulary="name_or_code")),
    key=KEY, checks=_checks("fdi_unctad"),
))

fdi_releases, fdi_releases_checks = source_defs(SourceSpec(
    name="fdi_releases", group="investment", kinds=frozenset({"duckdb", "polars", "csv"}),
    description=(
        "FDI figures by host × origin × year from every release in raw/fdi_releases/: the Central Bank of "
        "Azerbaijan's figures as quoted in the press ('cbar_press') or a canonical release (its file stem)."
    ),
    patterns=("*.csv",), parse=parse_release_file, parser_version=PARSER_VERSION, row_schema=_ROW_SCHEMA,
    countries=(CountryColumn("host_code", "host_code", "host_type", vocabulary="code"),
               CountryColumn("origin_name", "origin_code", "origin_type", vocabulary="name_or_code")),
    key=KEY, checks=_checks("fdi_releases"),
))
