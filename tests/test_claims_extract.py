"""The article checker's reading of figures (pure functions, no warehouse): numbers as people write
them, periods, what each figure measures, and whether it is a statistical claim about the corridor."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.lib.articles import extract_figures
from orchestration.lib.articles.periods import find_periods, read_period
from orchestration.lib.articles.reading import read_number, spans
from orchestration.lib.articles.speed import generated_text
from orchestration.lib.claims import parse_period

DOCUMENTS = Path(__file__).resolve().parents[1] / "raw" / "claims" / "documents"
SEEDS = sorted(DOCUMENTS.glob("*.txt"))
PAIR = ("AZE", "CHN")


def figs(text: str):
    return extract_figures(text, pair=PAIR)


@pytest.fixture(scope="module")
def seeds():
    return {p.name: (p.read_text(encoding="utf-8"), figs(p.read_text(encoding="utf-8"))) for p in SEEDS}


def _find(found, text):
    hits = [f for f in found if f.text == text]
    assert hits, f"{text!r} not found in {[f.text for f in found]}"
    return hits[0]


def test_five_seed_documents():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_every_figure_is_a_span_of_the_text(path, seeds):
    text, found = seeds[path.name]
    for f in found:
        assert text[f.start:f.end] == f.text
        assert f.text in f.quote and text[f.quote_start:f.quote_end] == f.quote
        if f.statistical:
            parse_period(f.period)  # every judged figure has a period in the ledger's grammar
        else:
            assert f.reason_class in ("target", "forecast", "not a trade statistic", "not about the corridor")


# ---- numbers as people write them ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("written", "value", "half"),
    [
        ("3744", 3744, 0.5), ("3.744", 3.744, 0.0005), ("3,744", 3744, 0.5), ("3 744", 3744, 0.5),
        ("3\u00a0744", 3744, 0.5), ("3\u202f744", 3744, 0.5), ("21,000", 21000, 0.5), ("19,700,022.11", 19700022.11, 0.005),
        ("20,7", 20.7, 0.05), ("1,5", 1.5, 0.05), ("1.234.567", 1234567, 0.5), ("+26.2", 26.2, 0.05), ("−3", -3, 0.5),
    ],
)
def test_read_number(written, value, half):
    n = read_number(written)
    assert n.value == pytest.approx(value) and n.half_unit == pytest.approx(half)


@pytest.mark.parametrize("written", ["", "abc", "3.7.4", "1,2,3"])
def test_read_number_rejects(written):
    with pytest.raises(ValueError):
        read_number(written)


@pytest.mark.parametrize(
    ("text", "figure", "kind", "value", "currency_stated"),
    [
        ("reached 3 744 million US dollars in 2024", "3 744 million US dollars", "amount", 3.744e9, True),
        ("reached USD 3,744 million in 2024", "USD 3,744 million", "amount", 3.744e9, True),
        ("reached USD3,744 million in 2024", "USD3,744 million", "amount", 3.744e9, True),
        ("trade of $3.7bn in 2024", "$3.7bn", "amount", 3.7e9, True),
        ("trade of US$ 1.3 billion", "US$ 1.3 billion", "amount", 1.3e9, True),
        ("turnover 1.3 bln in 2018", "1.3 bln", "amount", 1.3e9, False),
        ("turnover of 3.744 milliard dollars", "3.744 milliard dollars", "amount", 3.744e9, True),
        ("turnover of 3.744 milliard", "3.744 milliard", "amount", 3.744e9, False),
        ("Trade turnover totals $1.3 [billion]", "$1.3 [billion]", "amount", 1.3e9, True),
        ("0.769 bn USD", "0.769 bn USD", "amount", 0.769e9, True),
        ("exports ~0.85bn", "0.85bn", "amount", 0.85e9, False),
        ("a 20,7 % increase", "20,7 %", "percent", 20.7, True),
        ("grew by 40 [percent]", "40 [percent]", "percent", 40.0, True),
        ("accounting for 7.9 per cent", "7.9 per cent", "percent", 7.9, True),
        ("imports +26.2%", "+26.2%", "percent", 26.2, True),
        ("a fifth of its imports", "a fifth", "percent", 20.0, True),
        ("two thirds of its imports", "two thirds", "percent", 200 / 3, True),
        ("nearly half of its imports", "half", "percent", 50.0, True),
        ("exports to China x2.1", "x2.1", "multiple", 2.1, True),
        ("exports grew 2.1 times", "2.1 times", "multiple", 2.1, True),
        ("China's fourth-largest trading partner", "fourth-largest", "rank", 4, True),
        ("China 4th partner", "4th partner", "rank", 4, True),
        ("China first import source", "first import source", "rank", 1, True),
        ("375 Chinese-invested companies", "375 Chinese-invested companies", "count", 375, True),
        ("signed ten new cooperation agreements", "ten new cooperation agreements", "count", 10, True),
        ("the 100 MW plant", "100 MW", "measure", 100, True),
    ],
)
def test_forms_people_write(text, figure, kind, value, currency_stated):
    found = [s for s in spans(text)]
    assert found, text
    s = found[0]
    assert (text[s.start:s.end], s.kind, s.currency_stated) == (figure, kind, currency_stated)
    assert s.value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["in 2024", "on April 25, 2025", "5G networks", "an image 1536x1024.jpg", "16:00 (UTC+04:00)",
     "the two sides signed agreements", "the first quarter of 2024", "the first half of 2025", "7 Min"],
)
def test_not_figures(text):
    assert [text[s.start:s.end] for s in spans(text) if s.kind != "measure"] == []


def test_the_numbers_the_old_checker_misread():
    """'3 744 million US dollars' was read as 744 million and '20,7 %' as 7 %."""
    f = _find(figs("In 2024 trade reached 3 744 million US dollars, up 20,7 % on 2023."), "3 744 million US dollars")
    assert f.value == pytest.approx(3.744e9)
    g = _find(figs("In 2024 trade reached 3 744 million US dollars, up 20,7 % on 2023."), "20,7 %")
    assert g.value == pytest.approx(20.7) and g.metric == "turnover_yoy_pct"


# ---- periods -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("2024", "2024"), ("2019 Jan-Aug", "2019-01..2019-08"), ("2023 Q1", "2023-Q1"), ("Q1 2024", "2024-Q1"),
        ("2023-01..2023-07", "2023-01..2023-07"), ("From January to November 2023", "2023-01..2023-11"),
        ("the first ten months of 2024", "2024-01..2024-10"), ("H1 2025", "2025-01..2025-06"),
        ("1995..2025-H1", "1995-01..2025-06"), ("Jan 2026", "2026-01..2026-01"), ("April 26, 2019", "2019-04-26"),
        ("4 July 2024", "2024-07-04"), ("2025-04-29", "2025-04-29"),
    ],
)
def test_periods_in_the_ledger_grammar(written, period):
    assert read_period(written) == period
    parse_period(period)


def test_no_period_in_plain_numbers():
    assert find_periods("21,000 kilometers and 2,000 jobs") == []


# ---- what the figures of the seed documents say --------------------------------------------------

def test_seed_000(seeds):
    _, found = seeds["000_89a053709fc8d48a.txt"]
    level = _find(found, "USD 3.744 billion")
    assert (level.value, level.metric, level.reporter, level.partner, level.period) == (3.744e9, "turnover", "AZE", "CHN", "2024")
    assert (_find(found, "20.7 percent").metric, _find(found, "20.7 percent").period) == ("turnover_yoy_pct", "2024")
    assert _find(found, "7.9 percent").metric == "partner_share_pct"
    assert _find(found, "17.69 percent").metric == "import_share_pct"
    rank = _find(found, "fourth-largest")
    assert (rank.value, rank.metric, rank.period) == (4, "partner_rank", "2024")
    assert "fourth-largest trading partner" in rank.quote
    companies = _find(found, "375 Chinese-invested companies")
    active = _find(found, "298 actively operating businesses")
    assert (companies.metric, companies.period, companies.period_source) == ("companies_registered", "2025-04-29", "document date")
    assert active.metric == "companies_active"
    assert not _find(found, "21,000 kilometers").statistical


def test_seed_002_lists_targets_and_forecasts_apart(seeds):
    """The old checker reported 44 figures of seed 002, each labelled 'turnover'."""
    _, found = seeds["002_07563a71f6f5b523.txt"]
    statistical = {f.text: f for f in found if f.statistical}
    assert set(statistical) == {"41%", "67%", "$3.7 billion", "$2.8 billion", "2.46 billion US dollars", "43%"}
    assert statistical["2.46 billion US dollars"].metric == "turnover"
    assert statistical["43%"].qualifier == "at least"  # "over 43%"
    by_start = {f.start: f for f in found}
    text = seeds["002_07563a71f6f5b523.txt"][0]
    efficiency = by_start[text.index("30%.")]  # "could increase the efficiency ... by over 30%"
    assert efficiency.reason_class == "forecast"
    gdp = by_start[text.index("9% to 18% of GDP")]
    assert not gdp.statistical
    target = by_start[text.index("18% of GDP by 2030")]
    assert (target.reason_class, target.reason) == ("target", "'by 2030'")
    hazelnut = _find(found, "115 million US dollars")
    assert hazelnut.reason_class == "not about the corridor"
    swap = _find(found, "1 billion manat")
    assert not swap.statistical and swap.currency == "AZN"


def test_seed_004(seeds):
    _, found = seeds["004_64acdcb160f3a6e7.txt"]
    turnover = _find(found, "$1.3 [billion]")
    # no year in its sentence: said in April 2019, so the last full year
    assert (turnover.value, turnover.metric, turnover.period, turnover.period_source) == (
        1.3e9, "turnover", "2018", "last full year before the document")
    growth = _find(found, "40 [percent]")
    assert (growth.metric, growth.period) == ("imports_yoy_pct", "2018")
    assert _find(found, "$821 million").metric == "agreements_value"
    assert _find(found, "ten new cooperation agreements").metric == "agreements_count"
    assert _find(found, "$90 billion").reason_class == "not about the corridor"  # China's loans worldwide


@pytest.mark.parametrize(
    ("text", "figure", "metric", "pair", "period"),
    [
        ("Trade reached $1.3 bn in 2018.", "$1.3 bn", "turnover", ("AZE", "CHN"), "2018"),
        ("In 2017 trade was 1.3 billion dollars.", "1.3 billion dollars", "turnover", ("AZE", "CHN"), "2017"),
        ("Azerbaijan's exports to China rose +43 % in 2023.", "+43 %", "exports_yoy_pct", ("AZE", "CHN"), "2023"),
        ("China's exports to Azerbaijan were USD 617 million in 2019.", "USD 617 million", "exports", ("CHN", "AZE"), "2019"),
        ("Imports from China reached USD 1.4 billion in 2019.", "USD 1.4 billion", "imports", ("AZE", "CHN"), "2019"),
        ("China ranks 4th among Azerbaijan's partners in 2022.", "ranks 4th", "partner_rank", ("AZE", "CHN"), "2022"),
        ("China is the third largest trading partner (2019).", "third largest", "partner_rank", ("AZE", "CHN"), "2019"),
        ("China accounted for 17.69% of Azerbaijan's imports in 2024.", "17.69%", "import_share_pct", ("AZE", "CHN"), "2024"),
        ("China accounted for a fifth of Azerbaijan's imports in 2020.", "a fifth", "import_share_pct", ("AZE", "CHN"), "2020"),
        ("In January-October 2024 trade exceeded USD 3 billion.", "USD 3 billion", "turnover", ("AZE", "CHN"), "2024-01..2024-10"),
        ("In the first quarter of 2024 trade was 748.8 million dollars.", "748.8 million dollars", "turnover", ("AZE", "CHN"), "2024-Q1"),
        # the words of its own clause first: 'imports', not the 'exports' of the next clause
        ("In 2020, Azerbaijan's imports from China fell 1.3% to USD 1.41 billion, while exports to China dropped by 42.5%.",
         "USD 1.41 billion", "imports", ("AZE", "CHN"), "2020"),
        ("Azerbaijan exported goods worth $86.7 million to China in 2025.", "$86.7 million", "exports", ("AZE", "CHN"), "2025"),
        ("About 350 companies with Chinese capital operate in Azerbaijan as of August 1, 2025.", "350 companies",
         "companies_registered", ("AZE", "CHN"), "2025-08-01"),
        ("Chinese investment in Azerbaijan reached $1.1 billion in 2024.", "$1.1 billion", "investment_total", ("AZE", "CHN"), "2024"),
    ],
)
def test_phrasings(text, figure, metric, pair, period):
    f = _find(figs(text), figure)
    assert f.statistical, (f.reason_class, f.reason)
    assert (f.metric, (f.reporter, f.partner), f.period) == (metric, pair, period)


@pytest.mark.parametrize(
    ("text", "figure", "reason_class"),
    [
        ("Trade should reach USD 10 billion by 2030.", "USD 10 billion", "target"),
        ("The two sides aim for trade of USD 5 billion.", "USD 5 billion", "target"),
        ("The corridor could raise efficiency by 30%.", "30%", "forecast"),
        ("Transit revenue is 9% of GDP.", "9%", "not a trade statistic"),
        ("The rail link cut transport time by 40%.", "40%", "not a trade statistic"),
        ("China-Russia trade grew by 26% in 2023.", "26%", "not about the corridor"),
        ("Kazakhstan's exports reached USD 80 billion in 2023.", "USD 80 billion", "not about the corridor"),
        ("Azerbaijan's total exports were USD 33.8 billion in 2023.", "USD 33.8 billion", "not about the corridor"),
        ("A 300 km railway was built.", "300 km", "not a trade statistic"),
    ],
)
def test_not_statistical_claims(text, figure, reason_class):
    f = _find(figs(text), figure)
    assert (f.statistical, f.reason_class) == (False, reason_class)


def test_falls_are_negative_rates():
    found = figs("In 2020, Azerbaijan's imports from China fell 1.3% to USD 1.41 billion, while exports to China dropped by 42.5%.")
    assert [(f.text, f.metric, f.value) for f in found if f.kind == "percent"] == [
        ("1.3%", "imports_yoy_pct", -1.3), ("42.5%", "exports_yoy_pct", -42.5)]
    assert _find(figs("Trade rose 20.7% in 2024."), "20.7%").value == 20.7


def test_basis_stated_in_the_text():
    f = _find(figs("According to Chinese customs, trade reached USD 1.48 billion in 2019."), "USD 1.48 billion")
    assert f.basis == "CHN"
    g = _find(figs("The State Customs Committee put trade at USD 2.18 billion in 2019."), "USD 2.18 billion")
    assert g.basis == "AZE"
    assert _find(figs("Trade reached USD 2.18 billion in 2019."), "USD 2.18 billion").basis == ""


def test_no_figures_in_plain_text():
    assert figs("Azerbaijan and China signed a strategic partnership.") == []


# ---- linear time: the same figures in a generated 5 MB text ----------------------------------------

def test_five_megabytes_read_correctly():
    """A 5 MB text made of the seed documents repeated: every copy's figures are the first copy's,
    shifted; one line of 5 MB (no newlines) gives the same figures at the same places. The speed
    is measured in the benchmark note (orchestration/lib/articles/README.md), not asserted here."""
    unit, copies, text = generated_text(5_000_000)
    assert len(text) >= 5_000_000
    found = figs(text)
    first = [f for f in found if f.start < len(unit)]
    assert len(found) == copies * len(first) and len(first) > 80

    def key(f, shift):
        return (f.start - shift, f.end - shift, f.text, f.kind, f.value, f.statistical, f.metric, f.period, f.reason_class)

    expected = [key(f, 0) for f in first]
    for k in (1, copies // 2, copies - 1):
        shift = k * len(unit)
        assert [key(f, shift) for f in found if shift <= f.start < shift + len(unit)] == expected
    for f in found[:: max(1, len(found) // 500)]:
        assert text[f.start:f.end] == f.text
    one_line = text.replace("\n", " ")
    flat = figs(one_line)
    assert [(f.start, f.end, f.kind, f.value) for f in flat] == [(f.start, f.end, f.kind, f.value) for f in found]
    assert sum(f.statistical for f in flat) == sum(f.statistical for f in found)
