"""The checker's speed on a large text: ``python -m orchestration.lib.articles.speed [MB]``.

The text is generated from the five real seed documents repeated to the size asked (so every copy
has the same figures); the test suite checks the figures found in it, this module times it.
"""

from __future__ import annotations

import sys
import time

from orchestration.constants import REPO_ROOT

SEEDS = REPO_ROOT / "raw" / "claims" / "documents"


def generated_text(size: int) -> tuple[str, int, str]:
    """(one copy of the seed documents, the number of copies, the text of at least ``size`` characters)."""
    unit = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) + "\n\n"
    copies = -(-size // len(unit))
    return unit, copies, unit * copies


def main(argv: list[str] | None = None) -> int:
    from orchestration.lib.articles import extract_figures

    argv = sys.argv[1:] if argv is None else argv
    megabytes = float(argv[0]) if argv else 5.0
    _unit, _copies, text = generated_text(int(megabytes * 1_000_000))
    for label, body in (("lines", text), ("one line", text.replace("\n", " "))):
        started = time.perf_counter()
        found = extract_figures(body, pair=("AZE", "CHN"))
        seconds = time.perf_counter() - started
        print(f"{len(body) / 1e6:.1f} MB ({label}): {len(found)} figures in {seconds:.2f} s "
              f"({len(body) / 1e6 / seconds:.2f} MB/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
