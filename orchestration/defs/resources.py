"""Resources shared by every asset: the warehouse being built and the folder of raw files."""


from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration import constants
from orchestration.lib import warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file the pipeline builds in (not the published file BI tools read)."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False):
        with warehouse.connect(Path(self.path), read_only=read_only) as conn:
            yield conn


class RawFilesResource(dg.ConfigurableResource):
    """The folder of source files, one sub-folder per source (``raw/`` or a test folder)."""

    root: str

    @property
    def path(self) -> Path:
        return Path(self.root)

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
    from orchestration.defs.transformation.dbt import dbt_resource

    constants.export_env()
    return {
        "warehouse": WarehouseResource(path=str(constants.build_db_path())),
        "raw_files": RawFilesResource(root=str(constants.raw_dir())),
        "dbt": dbt_resource(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
