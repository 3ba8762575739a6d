"""Fetched releases: which data files of the API connectors' landing zones a build may load."""

import json
from pathlib import Path

from orchestration.defs.resources import RawFilesResource
from orchestration.lib.connectors.http import data_files


def fetched_release_files(raw_files: RawFilesResource, folder: str, log) -> tuple[list[Path], list[str]]:
    """The data files of every complete release an API connector saved under ``raw/<folder>/``.

    A release is a sub-folder with a ``manifest.json`` (written by the connector). Releases whose
    manifest says ``"complete": false`` (a fetch that failed part-way), or that have no readable
    manifest, are skipped with a warning: a partial release must not supersede a complete one.
    Returns (data files, skipped release messages)."""
    root = raw_files.path / folder
    files: list[Path] = []
    skipped: list[str] = []
    if not root.is_dir():
        return files, skipped
    for release in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = release / "manifest.json"
        try:
            complete = json.loads(manifest.read_text(encoding="utf-8")).get("complete") is True
        except (OSError, ValueError) as exc:
            skipped.append(f"{folder}/{release.name}: no readable manifest.json ({exc.__class__.__name__}); release skipped")
            continue
        if not complete:
            skipped.append(f"{folder}/{release.name}: manifest says the fetch did not complete; release skipped")
            continue
        files.extend(data_files(release))
    for message in skipped:
        log.warning(message)
    return files, skipped
