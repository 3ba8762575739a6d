"""Live-source connectors: fetch a source's API into the landing zone, then parse the saved files.

* :mod:`.http` — :func:`fetch` (GET with bounded retries: backoff on 429/5xx, connect and read
  timeouts, a budget per call; truncation checks), :class:`ConnectorError`, secret redaction, and
  :class:`LandingZone` (responses + ``manifest.json`` in a hidden ``.partial-<release>/`` folder,
  published as ``<landing_root>/<source>/<release>/`` once complete and verified).
* :mod:`.releases` — :func:`verify_release` (a release against its manifest: shape, paths,
  sha256, no unlisted file) and :func:`fetched_release_files` (what a build loads).
* :mod:`.areas` — Corridor's ISO3 codes ↔ each API's codes, from the tables dbt maps back with.
* :mod:`.comtrade` — UN Comtrade final-data API: :func:`fetch_comtrade`, :func:`parse_comtrade_file`.
* :mod:`.imf_sdmx` — IMF IMTS over SDMX-JSON: :func:`fetch_imts`, :func:`parse_imts_file`.

Fetching and parsing are separate on purpose: every response is saved as delivered before anything
reads it, and parsers only ever read saved files. See README.md beside this file.
"""

from orchestration.lib.connectors.areas import AreaCodes, UnknownAreaCode, area_codes, area_table
from orchestration.lib.connectors.comtrade import ComtradeQuery, fetch_comtrade, parse_comtrade_file, parse_comtrade_release
from orchestration.lib.connectors.http import ConnectorError, LandingZone, fetch, redact_url
from orchestration.lib.connectors.imf_sdmx import fetch_imts, parse_imts_file, parse_imts_release
from orchestration.lib.connectors.releases import ReleaseError, fetched_release_files, verify_release

__all__ = [
    "AreaCodes",
    "ComtradeQuery",
    "ConnectorError",
    "LandingZone",
    "ReleaseError",
    "UnknownAreaCode",
    "area_codes",
    "area_table",
    "fetch",
    "fetch_comtrade",
    "fetch_imts",
    "fetched_release_files",
    "parse_comtrade_file",
    "parse_comtrade_release",
    "parse_imts_file",
    "parse_imts_release",
    "redact_url",
    "verify_release",
]
