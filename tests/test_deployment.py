"""The production Dagster deployment (orchestration/deploy/): the instance config is valid for
Dagster, names real classes, fails with a clear message when a credential is missing, serves the
code location from workspace.yaml, and runs a job on a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "orchestration" / "deploy"
PG_ENV = {
    "DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_USER": "dagster",
    "DAGSTER_PG_PASSWORD": "unused", "DAGSTER_PG_DB": "dagster",
}


@pytest.fixture
def pg_env(monkeypatch) -> dict[str, str]:
    for key, value in PG_ENV.items():
        monkeypatch.setenv(key, value)
    return dict(PG_ENV)


def _storage_config(config: dict):
    """The storage section as DagsterPostgresStorage receives it (environment variables resolved)."""
    return process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])


def test_dagster_yaml_is_a_valid_instance_config(pg_env) -> None:
    config, custom_class = dagster_instance_config(str(DEPLOY))
    assert custom_class is None
    storage = _storage_config(config)
    assert storage.success, storage.errors
    db = storage.value["postgres_db"]
    assert (db["hostname"], db["port"], db["username"], db["db_name"]) == ("127.0.0.1", 5432, "dagster", "dagster")
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    # every configurable class it names exists and accepts its config
    for key in ("run_coordinator", "run_launcher"):
        data = ConfigurableClassData(config[key]["module"], config[key]["class"], yaml.safe_dump(config[key].get("config", {})))
        assert data.rehydrate(as_type=object) is not None


def test_no_secret_in_dagster_yaml() -> None:
    raw = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    db = raw["storage"]["postgres"]["postgres_db"]
    assert all(set(value) == {"env"} for key, value in db.items() if key != "scheme"), "credentials must come from the environment"


def test_missing_credential_is_named(monkeypatch, pg_env) -> None:
    monkeypatch.delenv("DAGSTER_PG_PASSWORD")
    storage = _storage_config(dagster_instance_config(str(DEPLOY))[0])
    assert not storage.success
    assert "DAGSTER_PG_PASSWORD" in storage.errors[0].message


def test_workspace_loads_the_code_location(tmp_path) -> None:
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    assert workspace["load_from"] == [{"python_module": {"module_name": "orchestration.definitions", "location_name": "corridor"}}]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
    env["DAGSTER_HOME"] = str(tmp_path)
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-w", str(DEPLOY / "workspace.yaml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "corridor" in proc.stdout + proc.stderr


# --- a real PostgreSQL server on 127.0.0.1 ----------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    return Path(found[-1]).parent if found else None


@pytest.fixture
def postgres(monkeypatch):
    """A throw-away PostgreSQL server (trust auth, user dagster) on a free port; stopped after."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries not found: `make test` installs Debian's postgresql package")
    as_postgres = os.geteuid() == 0  # the server refuses to run as root
    home = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
    if as_postgres:
        shutil.chown(home, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, text=True, timeout=60)

    data = home / "data"
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "30",
        "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster")
        for key, value in {**PG_ENV, "DAGSTER_PG_PORT": str(port)}.items():
            monkeypatch.setenv(key, value)
        yield port
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


@dg.asset
def deployment_probe() -> int:
    return 42


def test_instance_runs_a_job_on_postgres(postgres, tmp_path) -> None:
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        result = dg.materialize([deployment_probe], instance=instance)
        assert result.success
        runs = instance.get_runs()
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS]
        event = instance.get_latest_materialization_event(dg.AssetKey("deployment_probe"))
        assert event is not None and event.run_id == runs[0].run_id
