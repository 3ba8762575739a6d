"""Live-source connectors: fetch a source's API into the landing zone, then parse the saved files.

* :mod:`.http` — :func:`fetch` (GET with backoff on 429/5xx, truncation checks), :class:`ConnectorError`,
  secret redaction, and :class:`LandingZone` (responses + ``manifest.json`` under
  ``<landing_root>/<source>/<release>/``).
* :mod:`.comtrade` — UN Comtrade final-data API: :func:`fetch_comtrade`, :func:`parse_comtrade_file`.
* :mod:`.imf_sdmx` — IMF IMTS over SDMX-JSON: :func:`fetch_imts`, :func:`parse_imts_file`.

Fetching and parsing are separate on purpose: every response is saved as delivered before anything
reads it, and parsers only ever read saved files.
"""

from orchestration.lib.connectors.comtrade import ComtradeQuery, fetch_comtrade, parse_comtrade_file, parse_comtrade_release
from orchestration.lib.connectors.http import ConnectorError, LandingZone, fetch, redact_url
from orchestration.lib.connectors.imf_sdmx import fetch_imts, parse_imts_file, parse_imts_release

__all__ = [
    "ComtradeQuery",
    "ConnectorError",
    "LandingZone",
    "fetch",
    "fetch_comtrade",
    "fetch_imts",
    "parse_comtrade_file",
    "parse_comtrade_release",
    "parse_imts_file",
    "parse_imts_release",
    "redact_url",
]
