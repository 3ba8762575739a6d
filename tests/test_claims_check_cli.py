"""``corridor claims check``: the command line (in-process, on the session build of raw/)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from orchestration import cli
from orchestration.lib.articles.render import FIELDS

REPO = Path(__file__).resolve().parents[1]
SEED_000 = REPO / "raw" / "claims" / "documents" / "000_89a053709fc8d48a.txt"
SEED_002 = REPO / "raw" / "claims" / "documents" / "002_07563a71f6f5b523.txt"


@pytest.fixture
def warehouse(built_warehouse, monkeypatch):
    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(built_warehouse))
    monkeypatch.delenv("CORRIDOR_FOCUS", raising=False)
    return built_warehouse


def run(capsys, *args):
    code = cli.main(["claims", "check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_report_of_seed_000(warehouse, capsys):
    """The README's example: the summary by verdict first, then each figure with its verdict and why."""
    code, out, err = run(capsys, SEED_000)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("000_89a053709fc8d48a.txt: 18 figure(s), 8 statistical claim(s) about Azerbaijan–China")
    summary = "\n".join(lines[1:9])
    for verdict, count in (("confirmed", 2), ("consistent", 4), ("conflicts", 0), ("unverifiable", 2), ("not checked", 10)):
        assert any(line.split() == [*verdict.split(), str(count)] for line in summary.splitlines()), summary
    line = next(x for x in lines if x.strip().startswith('"USD 3.744 billion"'))
    assert "[6775:6792] turnover AZE-CHN 2024 → consistent" in line
    assert '"20.7 percent" [6812:6824]' in out and "seed000-01" in out
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal
    assert "Not checked (10)" in out and '"21,000 kilometers"' in out


def test_json_carries_every_field(warehouse, capsys):
    code, out, _ = run(capsys, SEED_002, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["summary"] == {"confirmed": 0, "consistent": 0, "conflicts": 2, "unverifiable": 4, "not checked": 52}
    assert all(set(FIELDS) <= set(f) for f in payload["figures"])
    level = next(f for f in payload["figures"] if f["text"] == "2.46 billion US dollars")
    assert (level["verdict"], level["metric"], level["period"], level["ledger_claim_id"]) == ("conflicts", "turnover", "2024", "seed002-01")
    assert any(e.get("claim_id") == "press-trade-33" for e in level["evidence"])


def test_csv_one_row_per_figure(warehouse, capsys):
    code, out, _ = run(capsys, SEED_002, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == FIELDS and len(rows) == 58
    efficiency = next(r for r in rows if r["text"] == "30%" and r["reason_class"] == "forecast")
    assert (efficiency["verdict"], efficiency["statistical"]) == ("not checked", "False")


def test_press_file_as_a_table(warehouse, capsys):
    code, out, _ = run(capsys, REPO / "raw" / "claims" / "press" / "aze_chn_official_figures_from_press.csv")
    assert code == 0
    assert '"0.769" [line 2 149:154] turnover AZE-CHN 2016 → confirmed' in out


def test_exit_codes(warehouse, capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "missing.txt")
    assert code == 2 and "missing.txt" in err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00 not utf-8")
    code, _, err = run(capsys, binary)
    assert code == 1 and err.startswith("corridor: ") and "cannot be read as UTF-8" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, SEED_000, "--warehouse", tmp_path / "none.duckdb")
    assert code == 1 and "no published warehouse" in err
    code, _, err = run(capsys, SEED_000, "--format", "xml")
    assert code == 2
    code, _, err = run(capsys, SEED_000, "--pair", "AZERBAIJAN")
    assert code == 2 and "--pair" in err


def test_help_names_the_command(capsys):
    code = cli.main(["claims", "check", "--help"])
    out = capsys.readouterr().out
    assert code == 0 and "--format" in out and "corridor claims check" in out
