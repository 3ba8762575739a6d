"""Fetched releases: what makes a folder under ``raw/<source>/`` a release a build may load.

A connector writes each release into a hidden ``raw/<source>/.partial-<release>/`` and renames it
to ``raw/<source>/<release>/`` only when the fetch completed and :func:`verify_release` passed, so a
build never sees half a fetch. The same check runs again before every load, because a release on
disk can still be edited, truncated or hand-made afterwards:

* ``manifest.json`` exists, is a JSON object and says ``"complete": true``;
* ``files`` is a list of objects, each with a plain file name (no folder, no ``..``, not absolute,
  not hidden, not ``manifest.json``), a ``kind`` (``count`` or ``data``) and a 64-hex ``sha256``;
  no name twice;
* every listed file exists in the folder as a regular file (not a symbolic link), and its sha256
  (and ``bytes``, where given) is what the manifest says;
* nothing else is in the folder: a data file that is present but not listed is not vouched for.

Nothing outside the release folder is ever opened. A release that fails is skipped with one line
naming the release folder, the file and the problem (for a checksum: both sha256 prefixes), e.g.
``comtrade/2024-09-01: data-0001.json: sha256 is 3f9a1c0b2e7d… on disk, the manifest says 8c41d07a9e55…``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath

from orchestration.lib.errors import CorridorError

MANIFEST = "manifest.json"
KINDS = ("count", "data")
PARTIAL_PREFIX = ".partial-"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PREFIX = 12  # sha256 characters shown in a message


class ReleaseError(CorridorError):
    """A fetched release that must not load: one line, ``<source>/<release>: <problem>``."""

    def __init__(self, label: str, problem: str) -> None:
        self.label = label
        self.problem = problem
        super().__init__(f"{label}: {problem}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def short(sha: str) -> str:
    return sha[:_PREFIX] + "…"


def release_label(release_dir: Path) -> str:
    """``<source>/<release>``: how messages name a release folder."""
    release_dir = Path(release_dir)
    return f"{release_dir.parent.name}/{release_dir.name}"


def _type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}")


def _plain_name(name: str) -> bool:
    """A file name directly in the release folder: no separator, not absolute, not . or .., not hidden."""
    return (bool(name) and "/" not in name and "\\" not in name and "\x00" not in name
            and PurePosixPath(name).name == name and not name.startswith(".") and name != MANIFEST)


def read_manifest(release_dir: Path, label: str | None = None) -> dict:
    """The release's manifest as a dict; :class:`ReleaseError` if absent or not a JSON object."""
    release_dir = Path(release_dir)
    label = label or release_label(release_dir)
    path = release_dir / MANIFEST
    if path.is_symlink() or not path.is_file():
        raise ReleaseError(label, f"no {MANIFEST} (not a release written by corridor fetch)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ReleaseError(label, f"{MANIFEST} is not UTF-8 text") from None
    except ValueError as exc:
        raise ReleaseError(label, f"{MANIFEST} is not valid JSON ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise ReleaseError(label, f"{MANIFEST} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise ReleaseError(label, f"{MANIFEST} is {_type(doc)}, not an object")
    return doc


def manifest_entries(manifest: dict, label: str) -> list[dict]:
    """The ``files`` entries of a manifest, checked for shape; :class:`ReleaseError` on the first fault."""
    if "files" not in manifest:
        raise ReleaseError(label, f"{MANIFEST} has no 'files' list")
    files = manifest["files"]
    if not isinstance(files, list):
        raise ReleaseError(label, f"{MANIFEST} 'files' is {_type(files)}, expected a list of {{file, kind, sha256}} objects")
    if not files:
        raise ReleaseError(label, f"{MANIFEST} 'files' lists no file")
    seen: set[str] = set()
    for index, entry in enumerate(files):
        where = f"{MANIFEST} files[{index}]"
        if not isinstance(entry, dict):
            raise ReleaseError(label, f"{where} is {_type(entry)}, expected an object with file, kind and sha256")
        name = entry.get("file")
        if name is None:
            raise ReleaseError(label, f"{where} has no 'file' name")
        if not isinstance(name, str):
            raise ReleaseError(label, f"{where} 'file' is {_type(name)}, not a file name")
        if not _plain_name(name):
            raise ReleaseError(label, f"{where} 'file' {name!r} is not a plain file name inside the release folder")
        if name in seen:
            raise ReleaseError(label, f"{where} lists {name} a second time")
        seen.add(name)
        if entry.get("kind") not in KINDS:
            raise ReleaseError(label, f"{where} ({name}) has kind {entry.get('kind')!r}, expected 'count' or 'data'")
        sha = entry.get("sha256")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise ReleaseError(label, f"{where} ({name}) has no sha256 (64 hex digits)")
        size = entry.get("bytes")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ReleaseError(label, f"{where} ({name}) 'bytes' is {size!r}, not a size")
    return files


def verify_release(release_dir: str | Path, *, label: str | None = None, require_complete: bool = True) -> list[Path]:
    """Check a release folder against its manifest (see the module docstring) and return its data
    files in manifest order. Raises :class:`ReleaseError` (one line) on the first problem."""
    release_dir = Path(release_dir)
    label = label or release_label(release_dir)
    if release_dir.is_symlink():
        raise ReleaseError(label, "the release folder is a symbolic link (only files saved in raw/ are read)")
    if not release_dir.is_dir():
        raise ReleaseError(label, "no such release folder")
    manifest = read_manifest(release_dir, label)
    if require_complete and manifest.get("complete") is not True:
        error = manifest.get("error")
        why = f" ({error})" if isinstance(error, str) and error else ""
        raise ReleaseError(label, f"{MANIFEST} says the fetch did not complete{why}")
    entries = manifest_entries(manifest, label)
    listed = {entry["file"] for entry in entries}
    for path in sorted(release_dir.iterdir()):
        if path.name == MANIFEST or path.name in listed:
            continue
        what = "folder" if path.is_dir() and not path.is_symlink() else "file"
        raise ReleaseError(label, f"{path.name} is in the release folder but not listed in {MANIFEST} "
                                  f"(an unlisted {what} is not vouched for)")
    data: list[Path] = []
    for entry in entries:
        path = release_dir / entry["file"]
        if path.is_symlink():
            raise ReleaseError(label, f"{entry['file']} is a symbolic link (only files saved in the release folder are read)")
        if not path.is_file():
            raise ReleaseError(label, f"{entry['file']} is listed in {MANIFEST} but missing")
        try:
            size = path.stat().st_size
            actual = sha256_file(path)
        except OSError as exc:
            raise ReleaseError(label, f"{entry['file']} cannot be read ({exc.strerror or type(exc).__name__})") from None
        if actual != entry["sha256"]:
            sizes = f"; {size} bytes, the manifest says {entry['bytes']}" if entry.get("bytes") not in (None, size) else ""
            raise ReleaseError(label, f"{entry['file']}: sha256 is {short(actual)} on disk, the manifest says "
                                      f"{short(entry['sha256'])}{sizes} (changed after it was fetched)")
        if entry.get("bytes") is not None and entry["bytes"] != size:
            raise ReleaseError(label, f"{entry['file']}: {size} bytes on disk, the manifest says {entry['bytes']}")
        if entry["kind"] == "data":
            data.append(path)
    return data


def release_dirs(source_dir: str | Path) -> list[Path]:
    """The release folders of a source (sorted by name; hidden ones, such as partial fetches, left out)."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        return []
    return sorted(p for p in source_dir.iterdir() if not p.name.startswith(".") and (p.is_dir() or p.is_symlink()))


def fetched_release_files(raw_files, folder: str, log) -> tuple[list[Path], list[str]]:
    """The data files of every release under ``<raw>/<folder>/`` that passes :func:`verify_release`.

    ``raw_files`` is the raw-folder resource (anything with a ``path``) or a path. A release that
    fails (incomplete fetch, malformed manifest, missing, unlisted or changed file) is skipped and
    never supersedes a good one; each skip is one line, logged as a warning and returned.
    Returns (data files, skipped release messages)."""
    root = Path(getattr(raw_files, "path", raw_files)) / folder
    files: list[Path] = []
    skipped: list[str] = []
    for release in release_dirs(root):
        try:
            files.extend(verify_release(release, label=f"{folder}/{release.name}"))
        except ReleaseError as exc:
            skipped.append(f"{exc}; release skipped")
    for message in skipped:
        log.warning(message)
    return files, skipped
