"""The country crosswalk: source names → Corridor entity codes.

``raw/reference/country_names.csv`` maps every country/area name a source writes (IMF DOTS, UNCTAD,
press figures, ISO/UN short names, UN Comtrade names, a carrier's short labels) to a 3-letter code and an entity type:

* ``country``     — ISO 3166-1 alpha-3 (plus XKX for Kosovo);
* ``historical``  — ISO 3166-3 former code where one exists (SUN, CSK, DDR, YUG, SCG, ANT, YMD), else a
  user-assigned X-code (YAR, XBL);
* ``aggregate``   — WLD for the world, user-assigned X-codes for every other group;
* ``unspecified`` — user-assigned X-codes (XU…) for "not specified" residual partners.

Matching is exact on a normalised key (:func:`normalise_name`): NFC, trimmed, inner whitespace
collapsed, case-folded. There is deliberately no fuzzy matching: a name that is not in the crosswalk
does not resolve, and must be added to the CSV.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl

from orchestration.lib.errors import SourceFileError

COLUMNS: tuple[str, ...] = ("name", "code", "entity_type", "iso3", "vocabulary", "note")
ENTITY_TYPES: frozenset[str] = frozenset({"country", "aggregate", "unspecified", "historical"})
VOCABULARIES: frozenset[str] = frozenset({"imf", "unctad", "press", "iso", "comtrade", "carrier"})

_WS = re.compile(r"\s+")
_CODE = re.compile(r"^[A-Z]{3}$")


def normalise_name(name: str) -> str:
    """The matching key of a name: NFC-normalised, stripped, inner whitespace collapsed, casefolded."""
    return _WS.sub(" ", unicodedata.normalize("NFC", name).strip()).casefold()


def _normalise_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised :func:`normalise_name` (polars has no NFC on expressions; names are mapped once per
    distinct value, never per row)."""
    return col.map_elements(normalise_name, return_dtype=pl.String, skip_nulls=True)


def load_crosswalk(path: str | Path) -> pl.DataFrame:
    """Read and validate the crosswalk CSV.

    Returns a frame with the :data:`COLUMNS` (all strings, empty ``iso3``/``note`` as null) plus ``key``
    (the normalised name). Raises :class:`SourceFileError` naming the file on any structural problem.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFileError(path, "crosswalk file not found")
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # noqa: BLE001 - wrap every parser error
        raise SourceFileError(path, f"cannot be read as CSV: {exc}") from exc

    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SourceFileError(path, f"missing column(s): {', '.join(missing)}")
    df = df.select(COLUMNS).with_columns(pl.col(c).str.strip_chars() for c in COLUMNS)

    def first_bad(mask: pl.Series, column: str, problem: str) -> None:
        idx = mask.arg_true()
        if len(idx):
            i = int(idx[0])
            value = df[column][i]
            # row number as in the file: header is line 1
            raise SourceFileError(path, f"{problem}: {value!r}", row=i + 2, column=column)

    first_bad(df["name"].is_null(), "name", "empty name")
    first_bad(df["code"].is_null() | ~df["code"].fill_null("").str.contains(_CODE.pattern), "code",
              "code is not 3 upper-case letters")
    first_bad(~df["entity_type"].is_in(list(ENTITY_TYPES)) | df["entity_type"].is_null(), "entity_type",
              f"unknown entity_type (allowed: {', '.join(sorted(ENTITY_TYPES))})")
    first_bad(~df["vocabulary"].is_in(list(VOCABULARIES)) | df["vocabulary"].is_null(), "vocabulary",
              f"unknown vocabulary (allowed: {', '.join(sorted(VOCABULARIES))})")

    df = df.with_columns(key=_normalise_expr(pl.col("name")))
    first_bad(df["key"].is_duplicated(), "name", "duplicate name (after normalisation)")

    per_code = df.group_by("code").agg(pl.col("entity_type").unique().alias("types"))
    clash = per_code.filter(pl.col("types").list.len() > 1)
    if clash.height:
        code = clash["code"].sort()[0]
        types = sorted(clash.filter(pl.col("code") == code)["types"][0].to_list())
        raise SourceFileError(path, f"code {code!r} is mapped to several entity types: {', '.join(types)}",
                              column="code")

    country = df["entity_type"] == "country"
    first_bad(country & (df["iso3"].is_null() | (df["iso3"] != df["code"])), "iso3",
              "country row whose iso3 is not its code")
    first_bad(~country & df["iso3"].is_not_null(), "iso3", "iso3 given for a non-country row")
    return df


class Resolver:
    """Resolves source names to ``(code, entity_type)`` by exact match on the normalised key."""

    def __init__(self, crosswalk: pl.DataFrame) -> None:
        if "key" not in crosswalk.columns:
            crosswalk = crosswalk.with_columns(key=_normalise_expr(pl.col("name")))
        self._table = crosswalk.select("key", "code", "entity_type").unique("key", keep="first")
        self._map: dict[str, tuple[str, str]] = {
            k: (c, t) for k, c, t in self._table.iter_rows()
        }

    @classmethod
    def from_path(cls, path: str | Path) -> "Resolver":
        return cls(load_crosswalk(path))

    def __len__(self) -> int:
        return len(self._map)

    def resolve(self, name: str | None) -> tuple[str, str] | None:
        """``(code, entity_type)`` for a name, or ``None`` if the name is unknown."""
        if name is None:
            return None
        return self._map.get(normalise_name(name))

    def resolve_frame(self, df: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
        """Add ``<prefix>_code`` and ``<prefix>_type`` to ``df`` by a left join on the normalised name.

        Unknown (or null) names get nulls. Row order and row count of ``df`` are preserved.
        """
        code_col, type_col = f"{prefix}_code", f"{prefix}_type"
        names = df.select(pl.col(column).cast(pl.String).unique()).drop_nulls()
        lookup = (
            names.with_columns(__key=_normalise_expr(pl.col(column)))
            .join(self._table.rename({"key": "__key"}), on="__key", how="left")
            .select(pl.col(column), pl.col("code").alias(code_col), pl.col("entity_type").alias(type_col))
        )
        return (
            df.with_columns(pl.col(column).cast(pl.String).alias("__name"))
            .join(lookup.rename({column: "__name"}), on="__name", how="left", maintain_order="left")
            .drop("__name")
        )

    def resolve_names(self, df: pl.DataFrame, columns: dict[str, str], file: str, reason: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Resolve every name column of ``columns`` (name column -> code prefix, e.g.
        ``{"reporter_name": "reporter"}``) and split the rows: those whose names all resolve (with
        ``<prefix>_code`` / ``<prefix>_type`` added), and a quarantine frame (one entry per unknown
        name of a row: ``file``, ``row`` from ``source_row``, the name column, the name, ``reason``)."""
        for column, prefix in columns.items():
            df = self.resolve_frame(df, column, prefix)
        known = pl.all_horizontal(pl.col(f"{prefix}_code").is_not_null() for prefix in columns.values())
        unknown = df.filter(~known)
        quarantine = pl.concat([
            unknown.filter(pl.col(f"{prefix}_code").is_null()).select(
                file=pl.lit(file), sheet=pl.lit(None, pl.String), row=pl.col("source_row").cast(pl.Int64),
                column=pl.lit(column.removesuffix("_name")), raw_value=pl.col(column).cast(pl.String), reason=pl.lit(reason),
            )
            for column, prefix in columns.items()
        ]).sort("row", "column")
        return df.filter(known), quarantine
