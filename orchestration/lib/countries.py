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


# what each vocabulary is, in the reason a value it does not know is quarantined with
UNKNOWN_REASONS = {
    "name": "unknown country name (not in raw/reference/country_names.csv)",
    "code": "unknown country code (not a code of raw/reference/country_names.csv)",
    "comtrade": "unknown UN Comtrade country code (not in raw/reference/baci_comtrade_country_codes_V202201.csv "
                "or raw/reference/source_area_codes.csv)",
    "imf": "unknown IMF area code (not an ISO alpha-2 code of raw/reference/country-codes.csv "
           "or in raw/reference/source_area_codes.csv)",
}


def unknown_reason(vocabulary: str) -> str:
    """The quarantine reason of a value a vocabulary does not know (one text per vocabulary)."""
    return UNKNOWN_REASONS[vocabulary]


class Resolver:
    """Resolves what sources write for a country to ``(code, entity_type)``, in one place for every source.

    Vocabularies: ``name`` (exact match on the normalised name, :func:`normalise_name`), ``code``
    (a Corridor code as written), ``comtrade`` (UN Comtrade numeric codes) and ``imf`` (IMF area
    codes: ISO alpha-2, W00…). ``aliases`` maps source codes no ISO table knows (Comtrade 0 → WLD,
    IMF W00 → WLD…) with columns ``vocabulary``, ``source_code``, ``code``, ``entity_type``.
    """

    def __init__(self, crosswalk: pl.DataFrame, aliases: pl.DataFrame | None = None, version: str = "") -> None:
        if "key" not in crosswalk.columns:
            crosswalk = crosswalk.with_columns(key=_normalise_expr(pl.col("name")))
        self.version = version
        types = crosswalk.select("code", "entity_type").unique("code", keep="first")
        tables = {
            "name": crosswalk.select(pl.col("key").alias("value"), "code", "entity_type").unique("value", keep="first"),
            "code": types.select(pl.col("code").alias("value"), "code", "entity_type"),
        }
        if aliases is not None and aliases.height:
            aliases = aliases.join(types.rename({"entity_type": "known_type"}), on="code", how="left").with_columns(
                entity_type=pl.coalesce("entity_type", "known_type", pl.lit("country")))
            for vocabulary in ("comtrade", "imf"):
                part = aliases.filter(pl.col("vocabulary") == vocabulary)
                tables[vocabulary] = part.select(pl.col("source_code").cast(pl.String).alias("value"), "code",
                                                 "entity_type").unique("value", keep="first")
        self._tables = tables
        self._maps = {v: {a: (c, t) for a, c, t in frame.iter_rows()} for v, frame in tables.items()}

    @classmethod
    def from_path(cls, path: str | Path) -> "Resolver":
        return cls(load_crosswalk(path))

    def __len__(self) -> int:
        return len(self._maps["name"])

    def _key(self, value: str, vocabulary: str) -> str:
        return normalise_name(value) if vocabulary == "name" else str(value).strip().upper()

    def resolve(self, value: str | None, vocabulary: str = "name") -> tuple[str, str] | None:
        """``(code, entity_type)`` for a name (or a code of another vocabulary), ``None`` if unknown."""
        if value is None:
            return None
        return self._maps.get(vocabulary, {}).get(self._key(value, vocabulary))

    def resolve_frame(self, df: pl.DataFrame, column: str, code_col: str, type_col: str,
                      vocabulary: str = "name") -> pl.DataFrame:
        """Add ``code_col`` and ``type_col`` to ``df`` by a left join on the normalised value.

        Unknown (or null) values get nulls. Row order and row count of ``df`` are preserved; each
        distinct value is normalised once, never each row. ``name_or_code``: a name, else a code as
        written (a canonical release may write either).
        """
        if vocabulary == "name_or_code":
            by_name = self.resolve_frame(df, column, code_col, type_col, "name")
            by_code = self.resolve_frame(df.select(column), column, "__c", "__t", "code")
            return by_name.with_columns(pl.coalesce(code_col, by_code["__c"]).alias(code_col),
                                        pl.coalesce(type_col, by_code["__t"]).alias(type_col))
        mapping = self._maps.get(vocabulary)
        if mapping is None:
            raise ValueError(f"unknown vocabulary {vocabulary!r} (known: {', '.join(self._maps)})")
        values = df.get_column(column).cast(pl.String).unique().drop_nulls().to_list()
        codes = {v: mapping.get(self._key(v, vocabulary), (None, None)) for v in values}
        as_text = pl.col(column).cast(pl.String)
        return df.drop([c for c in (code_col, type_col) if c in df.columns]).with_columns(
            as_text.replace_strict({v: c for v, (c, _) in codes.items()}, default=None, return_dtype=pl.String).alias(code_col),
            as_text.replace_strict({v: t for v, (_, t) in codes.items()}, default=None, return_dtype=pl.String).alias(type_col),
        )
