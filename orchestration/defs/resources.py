"""Resources shared by every asset: the warehouse being built and the folder of raw files."""


from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration import constants
from orchestration.lib import warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file the pipeline builds in (not the published file BI tools read). Empty ``path``:
    the build file of the current settings (constants.build_db_path), read when a step runs."""

    path: str = ""

    @property
    def db_path(self) -> Path:
        return Path(self.path) if self.path else constants.build_db_path()

    @contextmanager
    def connect(self, read_only: bool = False):
        with warehouse.connect(self.db_path, read_only=read_only) as conn:
            yield conn


class RawFilesResource(dg.ConfigurableResource):
    """The folder of source files, one sub-folder per source (``raw/`` or a test folder). Empty
    ``root``: CORRIDOR_RAW (default raw/ in the checkout), read when a step runs."""

    root: str = ""

    @property
    def path(self) -> Path:
        return Path(self.root) if self.root else constants.raw_dir()

    def files(self, source: str, *patterns: str) -> list[Path]:
        """The files under ``raw/<source>/`` whose name matches one of ``patterns`` (case-insensitive:
        ``*.xlsx`` also finds ``DOTS_13.XLSX``); hidden files and folders are skipped."""
        return [p for p in self.all_files(source) if matches(p.name, patterns)]

    def all_files(self, source: str) -> list[Path]:
        folder = self.path / source
        if not folder.is_dir():
            return []
        return sorted(
            p for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )


def matches(name: str, patterns) -> bool:
    """Whether a file name matches any of the glob ``patterns``, ignoring case."""
    import fnmatch

    return any(fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in patterns)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Paths are read from the settings when each step runs, so one loaded code location builds
    whatever CORRIDOR_RAW / CORRIDOR_WAREHOUSE say at that moment."""
    return {"warehouse": WarehouseResource(), "raw_files": RawFilesResource()}


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
