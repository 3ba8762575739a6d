"""One build at a time per warehouse: an advisory lock beside the published file.

Every command that writes the build file or replaces the published one (``corridor build``,
``check``, ``docs``, ``rollback``) holds :func:`build_lock` for as long as it runs::

    with build_lock(constants.warehouse_path(), wait=False):
        ...  # delete / load / build / publish

The lock is ``fcntl.flock`` on ``<warehouse dir>/.<warehouse name>.lock`` (e.g.
``warehouse/.corridor.duckdb.lock``). The kernel releases it when the holder exits, however it
exits (SIGKILL included), so a crashed build never leaves a stale lock. The holder writes its pid,
command and start time into the file; a second build reads them to say who holds the lock.

``flock`` locks belong to an open file, not to a process: a second :func:`build_lock` on the same
warehouse in the same process conflicts too (it is not re-entrant).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from orchestration.lib.errors import CorridorError


class BuildLockHeld(CorridorError):
    """Another process holds the warehouse's build lock (a usage error: exit code 2)."""

    exit_code = 2


def lock_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(f".{warehouse.name}.lock")


def holder(warehouse: Path) -> dict:
    """What the lock file says about its (last) holder: ``pid``, ``command``, ``started_at``; {} if unknown."""
    try:
        return json.loads(lock_path(warehouse).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _describe(info: dict) -> str:
    pid = info.get("pid", "unknown")
    what = info.get("command") or "build"
    since = f", started {info['started_at']}" if info.get("started_at") else ""
    return f"another {what} (pid {pid}{since})"


@contextmanager
def build_lock(warehouse: Path, wait: bool = False, *, command: str = "build",
               say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the build lock of ``warehouse`` (the published DuckDB file's path) for the block.

    If another process holds it: with ``wait`` block until it is released (``say`` is told once
    whom we wait for), otherwise raise :class:`BuildLockHeld` naming the holder's pid."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            other = _describe(holder(warehouse))
            if not wait:
                raise BuildLockHeld(
                    f"{other} is running on {Path(warehouse)}; try again when it has finished, "
                    f"or pass --wait to wait for it") from None
            (say or _stderr)(f"waiting for {other} to finish on {Path(warehouse)} ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        record = {"pid": os.getpid(), "command": command,
                  "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        data = (json.dumps(record) + "\n").encode()
        os.pwrite(fd, data, 0)  # overwrite, then cut: a reader never sees an empty file
        os.ftruncate(fd, len(data))
        yield path
    finally:
        os.close(fd)  # releases the lock (the file stays: removing it would race with a waiter)


def _stderr(message: str) -> None:
    print(f"corridor: {message}", file=sys.stderr, flush=True)

