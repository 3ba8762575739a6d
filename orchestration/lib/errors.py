"""The project's own typed errors.

Every problem with an input file is raised as a :class:`SourceFileError` whose message is one line
naming the file, the place in it (sheet / row / column where known) and the problem. Parsers never
let a bare library exception escape: they wrap it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CorridorError(Exception):
    """Base class of every error Corridor raises on purpose."""


@dataclass
class SourceFileError(CorridorError):
    """A source file that cannot be read as a whole."""

    file: str | Path
    problem: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [Path(self.file).name]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}"


class ConfigError(CorridorError):
    """A setting (environment variable, option) that cannot be used."""
