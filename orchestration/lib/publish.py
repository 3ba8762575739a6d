"""Publishing the built warehouse: an atomic replace of the file BI tools read.

The pipeline builds in ``<warehouse dir>/build/corridor.duckdb``. Publishing copies it to a
temporary file in the warehouse folder, flushes it to disk and renames it over
``corridor.duckdb`` (``os.replace``: atomic on POSIX). A reader that has the old file open keeps
its consistent view; a new reader opens the new file; a failed or interrupted publish leaves the
published file as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from orchestration.lib.errors import CorridorError


class PublishError(CorridorError):
    pass


def publish(build_db: Path, target: Path) -> Path:
    build_db, target = Path(build_db), Path(target)
    if not build_db.exists():
        raise PublishError(f"{build_db}: nothing to publish (the build file does not exist)")
    # the build file must be closed and consistent: a checkpoint folds its WAL into the file
    with duckdb.connect(str(build_db)) as conn:
        conn.execute("checkpoint")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_db, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        with duckdb.connect(str(tmp), read_only=True) as conn:  # it opens, and has marts
            conn.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise PublishError(f"{target}: cannot publish ({exc.strerror or exc}); the previous version is untouched") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
