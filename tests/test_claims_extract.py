"""The article figure extractor: finds figures in the seed documents, never invents one."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.lib.claims import extract_figures

DOCUMENTS = Path(__file__).resolve().parents[1] / "raw" / "claims" / "documents"
SEEDS = sorted(DOCUMENTS.glob("*.txt"))


@pytest.fixture(scope="module")
def figures():
    return {p.name: extract_figures(p.read_text(encoding="utf-8")) for p in SEEDS}


def _find(figs, text):
    found = [f for f in figs if f.text == text]
    assert found, f"{text!r} not found in {[f.text for f in figs]}"
    return found[0]


def test_five_seed_documents():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_every_figure_is_a_span_of_the_text(path):
    text = path.read_text(encoding="utf-8")
    for f in extract_figures(text):
        assert text[f.start:f.end] == f.text
        assert f.quote and f.quote in text
        assert f.text in f.quote


def test_seed_000(figures):
    figs = figures["000_89a053709fc8d48a.txt"]
    amount = _find(figs, "USD 3.744 billion")
    assert (amount.kind, amount.value, amount.value_usd, amount.metric, amount.years) == ("amount", 3.744, 3.744e9, "turnover", [2024])
    growth = _find(figs, "20.7 percent")
    assert (growth.value, growth.metric, growth.years) == (20.7, "growth", [2024])
    share = _find(figs, "7.9 percent")
    assert (share.value, share.metric) == (7.9, "share")
    imports = _find(figs, "17.69 percent")
    assert (imports.value, imports.metric) == (17.69, "share")
    rank = _find(figs, "fourth-largest")
    assert (rank.kind, rank.value, rank.metric) == ("rank", 4, "rank")
    assert "fourth-largest trading partner" in rank.quote
    registered = _find(figs, "375 Chinese-invested companies")
    active = _find(figs, "298 actively operating businesses")
    assert (registered.value, registered.metric, active.value, active.metric) == (375, "companies", 298, "companies")


def test_seed_002(figures):
    figs = figures["002_07563a71f6f5b523.txt"]
    level = _find(figs, "2.46 billion US dollars")
    assert (level.value_usd, level.metric, level.years) == (2.46e9, "turnover", [2024])
    growth = _find(figs, "43%")
    assert (growth.value, growth.metric, growth.years) == (43, "growth", [2024])
    assert level.quote == growth.quote
    manat = _find(figs, "1 billion manat")
    assert manat.is_manat and manat.value_usd is None
    assert not [f for f in figs if f.text.startswith("-")], "a range like 15-20% is not a negative figure"


def test_seed_004(figures):
    figs = figures["004_64acdcb160f3a6e7.txt"]
    turnover = _find(figs, "$1.3 [billion]")
    assert (turnover.value_usd, turnover.metric) == (1.3e9, "turnover")
    assert _find(figs, "40 [percent]").metric == "growth"
    assert _find(figs, "$821 million").value_usd == 821e6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trade reached $1.3 bn in 2018.", ("$1.3 bn", 1.3e9, "turnover", [2018])),
        ("In 2017 trade was 1.3 billion dollars.", ("1.3 billion dollars", 1.3e9, "turnover", [2017])),
        ("Exports rose +43 % in 2023.", ("+43 %", 43.0, "growth", [2023])),
        ("China ranks 4th among Azerbaijan's partners in 2022.", ("ranks 4th", 4.0, "rank", [2022])),
        ("China is the third largest trading partner (2019).", ("third largest", 3.0, "rank", [2019])),
        ("Azerbaijan's imports from China 17.69% in 2024.", ("17.69%", 17.69, "imports", [2024])),
    ],
)
def test_phrasings(text, expected):
    figs = extract_figures(text)
    assert figs
    f = figs[0]
    assert (f.text, f.value_usd if f.kind == "amount" else f.value, f.metric, f.years) == expected


def test_no_figures_in_plain_text():
    assert extract_figures("Azerbaijan and China signed a strategic partnership.") == []
