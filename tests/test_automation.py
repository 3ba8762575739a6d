"""The schedule and the raw-files sensor, evaluated with Dagster's own testing utilities."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation.schedules import changed_folders, corridor_monthly, raw_files_sensor
from orchestration.definitions import defs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def raw_copy(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    for folder in ("imf_dots", "reference"):
        shutil.copytree(REPO / "raw" / folder, raw / folder)
    monkeypatch.setenv("CORRIDOR_RAW", str(raw))
    return raw


def evaluate(cursor=None):
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=defs.get_repository_def())
        result = raw_files_sensor.evaluate_tick(context)
        return result, context.cursor


def selected(result) -> set[str]:
    return {k.to_user_string() for k in result.run_requests[0].asset_selection}


def test_schedule_is_monthly_and_runs_everything():
    assert corridor_monthly.cron_schedule == "0 6 1 * *"
    with dg.instance_for_test() as instance:
        data = corridor_monthly.evaluate_tick(dg.build_schedule_context(instance=instance))
    assert len(data.run_requests) == 1
    repo = defs.get_repository_def()
    job = repo.get_job("corridor_build")
    assert {"raw/imf_dots", "marts/partner_shares", "warehouse/corridor"} <= {
        k.to_user_string() for k in job.asset_layer.executable_asset_keys
    }


def test_sensor_requests_only_what_a_changed_file_affects(raw_copy):
    first, cursor = evaluate()
    # the first tick sees every file as new
    assert {"raw/imf_dots", "raw/country_names", "marts/partner_shares", "warehouse/corridor"} <= selected(first)

    quiet, cursor2 = evaluate(cursor)
    assert not quiet.run_requests and quiet.skip_message == "no new or changed raw files"

    # a new IMF workbook: trade and everything downstream, not the reference tables
    shutil.copy(raw_copy / "imf_dots" / "DOTS_13.xlsx", raw_copy / "imf_dots" / "DOTS_13_copy.xlsx")
    changed, _ = evaluate(cursor2)
    keys = selected(changed)
    assert "raw/imf_dots" in keys and "marts/partner_shares" in keys and "warehouse/corridor" in keys
    assert "raw/country_names" not in keys and "raw/country_codes" not in keys


def test_changed_folders_sees_new_changed_and_removed_files():
    before = {"imf_dots/a.xlsx": "1", "claims/c.csv": "2", "reference/x.csv": "3"}
    after = {"imf_dots/a.xlsx": "9", "reference/x.csv": "3", "fdi_unctad/new.csv": "4"}
    assert changed_folders(before, after) == {"imf_dots", "claims", "fdi_unctad"}
