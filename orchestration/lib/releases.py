"""Release folders that carry what a file does not say about itself.

Some carriers ship figures without the year they are for (the IMF IMTS 2025 matrix, a UN Comtrade
trade matrix): the year is then an explicit input of the release, the name of its folder under the
source folder (``raw/imf_imts/2025/trade_data.json``). A later download of the same year goes one
level deeper (``raw/imf_imts/2025/2026-09/``) and supersedes it, as any later release does. A file
outside a year folder fails with one line saying where to put it; the year is never guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.lib.errors import SourceFileError

_YEAR = re.compile(r"^\d{4}$")


def reference_year(path: Path, source_folder: str) -> int:
    """The year of the figures in ``path``: the nearest enclosing folder named ``YYYY``, searched up
    to (not beyond) the folder named ``source_folder``. Raises :class:`SourceFileError` if none."""
    path = Path(path)
    for parent in path.parents:
        if parent.name == source_folder:
            break
        if _YEAR.match(parent.name):
            return int(parent.name)
    raise SourceFileError(
        path,
        f"the file does not state the year of its figures; put it in a folder named after that year "
        f"(raw/{source_folder}/<YYYY>/{path.name}), see raw/{source_folder}/MANIFEST.md",
    )
