"""IMF International Merchandise Trade Statistics (IMTS) over SDMX-JSON: fetch and parse.

Request (SDMX REST; base URL configurable: argument ``base_url``, else env ``IMF_SDMX_BASE_URL``)::

    GET {base}/data/IMTS/{REF_AREA}.{INDICATOR}.{COUNTERPART_AREA}.{FREQ}
        ?startPeriod=2019&endPeriod=2020&dimensionAtObservation=TIME_PERIOD
    e.g. {base}/data/IMTS/AZ.XG_FOB_USD+MG_CIF_USD.CN+RU.A
    Accept: application/vnd.sdmx.data+json;version=1.0.0

Partners are sent ``+``-joined, at most ``partners_per_request`` per call. An optional key from
env ``IMF_API_KEY`` goes in the ``Ocp-Apim-Subscription-Key`` header (never written or shown).
Each response is saved, as delivered, under ``<landing_root>/imf_sdmx/<release>/data-NNNN.json``
before it is checked, with ``manifest.json`` (as for Comtrade). A ``404`` (SDMX "no results")
fails the fetch like any other 4xx: nothing is invented in its place.

Parsing reads an SDMX-JSON data message (``data.dataSets`` + ``data.structure`` in 1.0, or
``data.structures[i]`` in 2.0; observations under series or flat). Dimensions are found by id,
not position: REF_AREA (alias COUNTRY), INDICATOR, COUNTERPART_AREA (alias COUNTERPART_COUNTRY),
FREQ (alias FREQUENCY), TIME_PERIOD. UNIT and UNIT_MULT are looked up observation → series →
dataset level. ``value_usd = value × 10^UNIT_MULT`` (never an assumed "millions"); a UNIT other
than USD, or a missing UNIT / UNIT_MULT, raises :class:`SourceFileError` naming the file and series.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import polars as pl

from orchestration.lib.connectors.http import (
    CONNECT_TIMEOUT, GIVE_UP_AFTER, READ_TIMEOUT, RETRIES, ConnectorError, LandingZone, fetch, parse_release, redact_url,
    with_params,
)
from orchestration.lib.errors import ConfigError, SourceFileError
from orchestration.lib.results import ParseResult, quarantine_frame

SOURCE = "imf_sdmx"
DEFAULT_BASE_URL = "https://api.imf.org/external/sdmx/2.1"
BASE_URL_ENV = "IMF_SDMX_BASE_URL"
API_KEY_ENV = "IMF_API_KEY"
API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
DATAFLOW = "IMTS"
ACCEPT = "application/vnd.sdmx.data+json;version=1.0.0, application/json;q=0.9"
KEY_ORDER = ("REF_AREA", "INDICATOR", "COUNTERPART_AREA", "FREQ")

# indicator -> (flow, valuation)
INDICATORS: dict[str, tuple[str, str]] = {
    "XG_FOB_USD": ("exports", "FOB"),
    "MG_CIF_USD": ("imports", "CIF"),
}
# canonical dimension id -> accepted ids in a response
DIMENSION_ALIASES: dict[str, tuple[str, ...]] = {
    "REF_AREA": ("REF_AREA", "COUNTRY"),
    "INDICATOR": ("INDICATOR",),
    "COUNTERPART_AREA": ("COUNTERPART_AREA", "COUNTERPART_COUNTRY"),
    "FREQ": ("FREQ", "FREQUENCY"),
    "TIME_PERIOD": ("TIME_PERIOD",),
}
EXPECTED_UNIT = "USD"

ROW_SCHEMA: dict[str, pl.DataType] = {
    "reporter_code": pl.String,
    "partner_code": pl.String,
    "indicator": pl.String,
    "flow": pl.String,
    "valuation": pl.String,
    "year": pl.Int32,
    "month": pl.Int32,
    "value_usd": pl.Float64,
    "unit_mult": pl.Int32,
    "freq": pl.String,
    "time_period": pl.String,
    "value_as_published": pl.String,
    "series_key": pl.String,
    "source": pl.String,
}

_CODE = re.compile(r"^[A-Za-z0-9_]+$")
_PERIOD_A = re.compile(r"^(\d{4})$")
_PERIOD_M = re.compile(r"^(\d{4})-?M?(\d{2})$")


# -- fetch ------------------------------------------------------------------------------------------

def check_period(value: str | int, name: str) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}(-\d{2})?", text):
        raise ConfigError(f"IMF IMTS: {name} {text!r} is not YYYY or YYYY-MM")
    return text


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def series_key(reporter: str, indicators: Iterable[str], partners: Iterable[str], freq: str) -> str:
    """The SDMX key in ``KEY_ORDER``: ``AZ.XG_FOB_USD+MG_CIF_USD.CN+RU.A``."""
    return ".".join([reporter, "+".join(indicators), "+".join(partners), freq])


def fetch_imts(
    reporter: str,
    partners: Sequence[str],
    start: str | int,
    end: str | int,
    landing_root: str | Path,
    release_id: str | None = None,
    *,
    freq: str = "A",
    indicators: Sequence[str] = tuple(INDICATORS),
    base_url: str | None = None,
    dataflow: str = DATAFLOW,
    api_key: str | None = None,
    partners_per_request: int = 50,
    retries: int = RETRIES,
    backoff_base: float = 1.0,
    timeout: float = READ_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
    give_up_after: float = GIVE_UP_AFTER,
    sleep: Callable[[float], object] = time.sleep,
    progress: Callable[..., object] | None = None,
) -> Path:
    """Fetch IMTS exports FOB / imports CIF of ``reporter`` with each of ``partners`` (IMF codes).

    Saves every SDMX-JSON response in the hidden ``imf_sdmx/.partial-<release_id>/`` with a
    manifest, publishes it as ``<landing_root>/imf_sdmx/<release_id>/`` once complete and verified,
    and returns that folder (see :class:`LandingZone`). Raises :class:`ConnectorError` on a failed
    call (bounded as in :func:`fetch`) or a response that is not an SDMX-JSON data message (nothing
    is published; the responses stay in the partial folder, manifest ``complete: false``).
    ``progress(message, done=None, total=None)`` gets one line per call and per retry.
    """
    freq = str(freq).upper()
    if freq not in ("A", "M"):
        raise ConfigError(f"IMF IMTS: freq {freq!r} (expected A or M)")
    partners = list(dict.fromkeys(str(p).strip() for p in ([partners] if isinstance(partners, str) else partners) if str(p).strip()))
    codes = [str(reporter).strip(), *partners, *indicators, dataflow]
    if not partners:
        raise ConfigError("IMF IMTS: no partner codes")
    bad = [c for c in codes if not _CODE.match(c)]
    if bad:
        raise ConfigError(f"IMF IMTS: code {bad[0]!r} is not an SDMX code (letters, digits, '_')")
    start, end = check_period(start, "start"), check_period(end, "end")
    if partners_per_request < 1:
        raise ConfigError("IMF IMTS: partners_per_request must be positive")
    base = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    headers = {"Accept": ACCEPT}
    if key:
        headers[API_KEY_HEADER] = key
    params = {"startPeriod": start, "endPeriod": end, "dimensionAtObservation": "TIME_PERIOD"}
    landing = LandingZone(
        landing_root, SOURCE, release_id,
        query={"dataflow": dataflow, "reporter": str(reporter).strip(), "partners": partners, "indicators": list(indicators),
               "freq": freq, "startPeriod": start, "endPeriod": end},
        extra={"endpoint": redact_url(f"{base}/data/{dataflow}"), "key_order": list(KEY_ORDER)},
    )
    def say(message: str, done: int | None = None, total: int | None = None) -> None:
        if progress is not None:
            progress(message, done=done, total=total)

    groups = list(_chunks(partners, partners_per_request))
    observations = 0
    try:
        for n, group in enumerate(groups, start=1):
            url = f"{base}/data/{dataflow}/{series_key(str(reporter).strip(), indicators, group, freq)}"
            body = fetch(url, params=params, headers=headers, retries=retries, backoff_base=backoff_base,
                         timeout=timeout, connect_timeout=connect_timeout, give_up_after=give_up_after,
                         sleep=sleep, expect_json=True, on_retry=say)
            name = f"data-{n:04d}.json"
            shown = redact_url(with_params(url, params))
            landing.save(name, body, kind="data", url=shown, partners=group)
            try:
                root, datasets, _ = _message(json.loads(body))
            except ValueError as exc:
                raise ConnectorError(shown, f"not an SDMX-JSON data message: {exc} (saved as {name})") from None
            rows = sum(1 for ds in datasets for _ in _observations(ds))
            landing.update(name, rows=rows)
            observations += rows
            say(f"page {n}/{len(groups)}: {len(group)} partner(s), {rows:,} observations ({observations:,} so far)", n, len(groups))
    except BaseException as exc:
        landing.finish(exc)
        raise
    return landing.finish()


# -- SDMX-JSON reading ------------------------------------------------------------------------------

def _message(doc: object) -> tuple[dict, list[dict], list[dict]]:
    """(data root, dataSets, structures) of an SDMX-JSON 1.0/2.0 data message; ValueError if not one."""
    if not isinstance(doc, dict):
        raise ValueError("the document is not a JSON object")
    root = doc.get("data", doc)
    if not isinstance(root, dict) or not isinstance(root.get("dataSets"), list):
        raise ValueError("no 'dataSets' list")
    if isinstance(root.get("structures"), list):
        structures = root["structures"]
    elif isinstance(root.get("structure"), dict):
        structures = [root["structure"]]
    elif isinstance(doc.get("structure"), dict):
        structures = [doc["structure"]]
    else:
        structures = []
    if root["dataSets"] and not structures:
        raise ValueError("no 'structure' (dimensions and attributes) for the dataSets")
    return root, root["dataSets"], structures


def _observations(dataset: dict) -> Iterator[tuple[str | None, dict, str, list]]:
    """(series key or None, series object, observation key, observation array) of a dataset."""
    if not isinstance(dataset, dict):
        return
    for skey, series in (dataset.get("series") or {}).items():
        for okey, obs in ((series or {}).get("observations") or {}).items():
            yield skey, series, okey, obs if isinstance(obs, list) else [obs]
    for okey, obs in (dataset.get("observations") or {}).items():
        yield None, {}, okey, obs if isinstance(obs, list) else [obs]


def _value_id(value: object) -> str | None:
    if isinstance(value, dict):
        for k in ("id", "value", "name"):
            if value.get(k) is not None:
                v = value[k]
                return str(v.get("en", next(iter(v.values()), None)) if isinstance(v, dict) else v)
        return None
    return None if value is None else str(value)


def _component_value(component: dict, index: object) -> str | None:
    values = component.get("values") or []
    if index is None:
        return None
    if isinstance(index, bool) or not isinstance(index, int):
        return str(index)  # some producers write the value itself
    if 0 <= index < len(values):
        return _value_id(values[index])
    raise ValueError(f"{component.get('id')}: value index {index} out of range")


def _attributes(components: list[dict], indices: object) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    if not isinstance(indices, list):
        return out
    for component, index in zip(components, indices):
        if isinstance(component, dict) and component.get("id"):
            out[component["id"]] = _component_value(component, index)
    return out


def _dimension_index(dims: list[dict], canonical: str) -> int | None:
    ids = [d.get("id") for d in dims]
    for alias in DIMENSION_ALIASES[canonical]:
        if alias in ids:
            return ids.index(alias)
    return None


def _time(period: str, freq: str | None) -> tuple[int | None, int | None, str | None]:
    """(year, month, problem) of an SDMX TIME_PERIOD: ``2020`` (annual) or ``2020-01`` / ``2020-M01``."""
    text = period.strip()
    if m := _PERIOD_A.match(text):
        if freq not in (None, "A"):
            return None, None, f"annual period {text!r} in a series of frequency {freq}"
        return int(m.group(1)), None, None
    if m := _PERIOD_M.match(text):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None, None, f"month {month} out of range in {text!r}"
        if freq not in (None, "M"):
            return None, None, f"monthly period {text!r} in a series of frequency {freq}"
        return int(m.group(1)), month, None
    return None, None, f"period {text!r} is neither annual (YYYY) nor monthly (YYYY-MM)"


def parse_imts_file(path: str | Path) -> ParseResult:
    """Parse one saved IMTS SDMX-JSON response into long rows (see ``ROW_SCHEMA``).

    Observations without a value, with a non-numeric or negative value, an unreadable period, or an
    indicator other than XG_FOB_USD / MG_CIF_USD are quarantined (column OBS_VALUE / TIME_PERIOD /
    INDICATOR, reason naming the series and period). A series whose UNIT is not USD, or whose
    UNIT / UNIT_MULT is missing or unreadable, raises :class:`SourceFileError` (file and series).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceFileError(path, "file not found") from None
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceFileError(path, f"not valid JSON (truncated?): {str(exc).splitlines()[0]}") from None
    try:
        root, datasets, structures = _message(doc)
    except ValueError as exc:
        raise SourceFileError(path, f"not an SDMX-JSON data message ({exc})") from None

    rows: list[dict] = []
    bad: list[dict] = []
    units: set[str] = set()
    mults: set[int] = set()
    series_seen: set[str] = set()
    for ds_index, dataset in enumerate(datasets):
        if not isinstance(dataset, dict):
            raise SourceFileError(path, f"dataSets[{ds_index}] is not an object")
        s_index = dataset.get("structure", 0)
        if not isinstance(s_index, int) or not 0 <= s_index < len(structures):
            raise SourceFileError(path, f"dataSets[{ds_index}] refers to structure {s_index!r}, which the message lacks")
        structure = structures[s_index]
        dims = structure.get("dimensions") or {}
        series_dims = list(dims.get("series") or [])
        obs_dims = list(dims.get("observation") or [])
        attrs = structure.get("attributes") or {}
        ds_attrs_def = list(attrs.get("dataSet") or [])
        series_attrs_def = list(attrs.get("series") or [])
        obs_attrs_def = list(attrs.get("observation") or [])
        try:
            ds_attrs = _attributes(ds_attrs_def, dataset.get("attributes"))
        except ValueError as exc:
            raise SourceFileError(path, f"dataset attribute: {exc}") from None

        for skey, series, okey, obs in _observations(dataset):
            # dimension values of this observation, by dimension id
            try:
                pairs = []
                if skey is not None:
                    parts = [int(p) for p in skey.split(":")] if skey else []
                    if len(parts) != len(series_dims):
                        raise ValueError(f"series key {skey!r} has {len(parts)} positions for {len(series_dims)} dimensions")
                    pairs += list(zip(series_dims, parts))
                    all_dims = series_dims + obs_dims
                else:
                    all_dims = obs_dims
                oparts = [int(p) for p in okey.split(":")] if okey != "" else []
                if len(oparts) != len(obs_dims):
                    raise ValueError(f"observation key {okey!r} has {len(oparts)} positions for {len(obs_dims)} dimensions")
                pairs += list(zip(obs_dims, oparts))
                values = {d.get("id"): _component_value(d, i) for d, i in pairs}
                s_attr = _attributes(series_attrs_def, series.get("attributes"))
                o_attr = _attributes(obs_attrs_def, obs[1:])
            except ValueError as exc:
                raise SourceFileError(path, f"malformed SDMX-JSON ({exc})") from None

            found = {}
            for canonical in DIMENSION_ALIASES:
                i = _dimension_index(all_dims, canonical)
                if i is None:
                    raise SourceFileError(path, f"no {canonical} dimension (dimensions: {', '.join(str(d.get('id')) for d in all_dims)})")
                found[canonical] = values.get(all_dims[i].get("id"))
            area, indicator, partner, freq, period = (found[k] for k in ("REF_AREA", "INDICATOR", "COUNTERPART_AREA", "FREQ", "TIME_PERIOD"))
            skey_text = ".".join(str(found[k]) for k in KEY_ORDER)
            series_seen.add(skey_text)

            def attribute(name: str) -> str | None:
                for level in (o_attr, s_attr, ds_attrs):
                    if level.get(name) is not None:
                        return level[name]
                return None

            unit = attribute("UNIT")
            if unit is None:
                raise SourceFileError(path, f"series {skey_text}: no UNIT attribute (USD expected)")
            if unit.strip().upper() != EXPECTED_UNIT:
                raise SourceFileError(path, f"series {skey_text}: UNIT is {unit!r}, expected {EXPECTED_UNIT!r}")
            mult_text = attribute("UNIT_MULT")
            if mult_text is None:
                raise SourceFileError(path, f"series {skey_text}: no UNIT_MULT attribute (the scale is not assumed)")
            if not re.fullmatch(r"[+-]?\d{1,2}", mult_text.strip()):
                raise SourceFileError(path, f"series {skey_text}: UNIT_MULT {mult_text!r} is not a power of ten")
            mult = int(mult_text)
            units.add(unit.strip().upper())
            mults.add(mult)

            raw_value = obs[0] if obs else None
            shown = None if raw_value is None else (raw_value if isinstance(raw_value, str) else json.dumps(raw_value))
            place = f"series {skey_text}, period {period}"

            def quarantine(column: str, reason: str, value: str | None = shown) -> None:
                bad.append({"file": path.name, "sheet": None, "row": None, "column": column,
                            "raw_value": value, "reason": f"{place}: {reason}"})

            if indicator not in INDICATORS:
                quarantine("INDICATOR", f"indicator {indicator!r} not handled (expected {' or '.join(INDICATORS)})", indicator)
                continue
            year, month, why = _time(str(period), freq)
            if why:
                quarantine("TIME_PERIOD", why, None if period is None else str(period))
                continue
            if raw_value is None or (isinstance(raw_value, str) and raw_value.strip() in ("", "NaN", "NA")):
                quarantine("OBS_VALUE", "no value")
                continue
            if isinstance(raw_value, bool):
                number = None
            elif isinstance(raw_value, (int, float)):
                number = float(raw_value)
            else:
                try:
                    number = float(str(raw_value).strip())
                except ValueError:
                    number = None
            if number is None:
                quarantine("OBS_VALUE", "not a number")
                continue
            if not math.isfinite(number):
                quarantine("OBS_VALUE", "not a finite number")
                continue
            if number < 0:
                quarantine("OBS_VALUE", "negative trade value")
                continue
            flow, valuation = INDICATORS[indicator]
            rows.append({
                "reporter_code": area, "partner_code": partner, "indicator": indicator, "flow": flow,
                "valuation": valuation, "year": year, "month": month, "value_usd": number * (10.0 ** mult),
                "unit_mult": mult, "freq": freq, "time_period": str(period), "value_as_published": shown,
                "series_key": skey_text, "source": SOURCE,
            })

    frame = pl.DataFrame(rows, schema=ROW_SCHEMA).sort("reporter_code", "partner_code", "indicator", "year", "month", nulls_last=False)
    meta = {"series": len(series_seen), "units": sorted(units), "unit_mults": sorted(mults)}
    header = doc.get("meta") if isinstance(doc, dict) else None
    if isinstance(header, dict):
        meta["prepared"] = header.get("prepared")
        meta["message_id"] = header.get("id")
    return ParseResult(rows=frame, quarantine=quarantine_frame(bad), meta=meta)


def parse_imts_release(release_dir: str | Path) -> ParseResult:
    """All data responses of a fetched release, concatenated (rows and quarantine)."""
    return parse_release(release_dir, parse_imts_file, ROW_SCHEMA, "series")
