"""The article checker: every figure of a document, read, classed and judged against the warehouse.

* :mod:`.reading` — numbers as people write them, and every figure of a text in one pass;
* :mod:`.periods` — periods and dates as texts write them, in the ledger's period grammar;
* :mod:`.interpret` — what each figure says (metric, countries, period, basis) and whether it is a
  statistical claim about the corridor (else: target, forecast, not a trade statistic, not about
  the corridor); prose and CSV tables of quoted figures;
* :mod:`.judge` — the verdict against the statistics, then the officials' statements;
* :mod:`.render` — text, JSON and CSV output.

``corridor claims check ARTICLE`` (``orchestration/commands/claims.py``) calls :func:`check_article`.
See ``orchestration/lib/articles/README.md`` for the rules and the measured quality.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.articles.interpret import Figure, countries_for, read_document, read_text
from orchestration.lib.articles.judge import VERDICTS, Context, Evidence, Judgement, judge, load_evidence

__all__ = ["Checked", "Figure", "Judgement", "Report", "check_article", "check_text", "extract_figures", "VERDICTS"]


@dataclass
class Checked:
    figure: Figure
    judgement: Judgement


@dataclass
class Report:
    document: Path
    warehouse: Path | None
    pair: tuple[str, str]
    names: dict[str, str]
    checked: list[Checked]
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in VERDICTS}
        for c in self.checked:
            out[c.judgement.verdict] += 1
        return out


def _focus(pair: tuple[str, str] | None) -> tuple[str, str]:
    if pair:
        return pair
    from orchestration import constants

    return constants.focus_corridor()


def extract_figures(text: str, document: str = "", pair: tuple[str, str] | None = None) -> list[Figure]:
    """Every figure of a prose text, interpreted (no warehouse needed)."""
    return read_text(text, document, countries_for(_focus(pair)))


def check_text(text: str, figures: list[Figure], evidence: Evidence, document: str) -> list[Checked]:
    """Judge every figure of a document against the evidence."""
    quoted = {s.document for s in evidence.statements if len(s.quote) >= 20 and s.quote in text}
    ctx = Context(document=document, quoted_documents=quoted, siblings=figures)
    return [Checked(f, judge(f, evidence, ctx)) for f in figures]


def check_article(article: Path, warehouse: Path, pair: tuple[str, str] | None = None) -> Report:
    """Read ``article`` (prose, or a CSV of quoted figures), judge each figure against the published
    warehouse (opened read-only). Raises OSError / UnicodeDecodeError for an unreadable article."""
    from orchestration.lib.warehouse import connect

    pair = _focus(pair)
    countries = countries_for(pair)
    t0 = time.perf_counter()
    text, figures = read_document(Path(article), countries)
    t1 = time.perf_counter()
    with connect(Path(warehouse), read_only=True) as conn:
        evidence = load_evidence(conn, pair)
    t2 = time.perf_counter()
    checked = check_text(text, figures, evidence, Path(article).name)
    t3 = time.perf_counter()
    return Report(Path(article), Path(warehouse), pair, evidence.names, checked,
                  {"read": t1 - t0, "evidence": t2 - t1, "judge": t3 - t2}, [f"missing mart: {m}" for m in evidence.missing])
