"""Vega, Vega-Lite and vega-embed JavaScript for the offline report, and static pictures of charts.

Both come from ``vl-convert-python`` (pinned in pyproject.toml), which ships the libraries inside its
wheel: nothing is downloaded. Building the JavaScript bundle takes vl-convert a few seconds, so it is
kept in the cache folder (:func:`orchestration.constants.cache_dir`) under a name that carries both
versions; every later report reads it back in milliseconds.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import altair as alt

from orchestration import constants

# vl-convert names Vega-Lite versions like "v6_4"; altair's schema says which one its specs use
VL_VERSION = "_".join(alt.SCHEMA_VERSION.split(".")[:2])


def bundle_path() -> Path:
    """Where the bundle of the installed vl-convert and altair's Vega-Lite version is cached."""
    return constants.cache_dir() / f"vega-embed-vlconvert{version('vl-convert-python')}-vl{VL_VERSION}.js"


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """vega-embed with Vega and Vega-Lite, as one script that defines the global ``vegaEmbed``."""
    path = bundle_path()
    if path.is_file():
        return path.read_text(encoding="utf-8")
    import vl_convert

    script = vl_convert.javascript_bundle(vl_version=VL_VERSION)
    try:  # keep it for the next report; a read-only cache only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(script, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return script


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """A static PNG of a chart (for slides, e-mail, documents), rendered by vl-convert without a browser."""
    import vl_convert

    return vl_convert.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale)


def to_svg(spec: dict) -> str:
    """A static SVG of a chart, rendered by vl-convert without a browser."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION)


if __name__ == "__main__":  # `python -m orchestration.lib.report.vega`: fill the cache (make install does)
    javascript_bundle()
    print(bundle_path())
