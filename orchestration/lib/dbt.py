"""dbt, driven in this process through its programmatic API (``dbtRunner``): the project's paths,
the arguments every invocation takes, and parsing the manifest when the project changed."""

import os
import sys
from pathlib import Path

from orchestration import constants


def target_dir() -> Path:
    """dbt's target folder (DBT_TARGET_PATH, absolute or relative to the project; default target/)."""
    path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else constants.DBT_PROJECT_DIR / path


def manifest_path() -> Path:
    return target_dir() / "manifest.json"


def project_files() -> list[Path]:
    root = constants.DBT_PROJECT_DIR
    files = [p for d in ("models", "macros", "tests", "seeds") for p in (root / d).rglob("*") if p.is_file()]
    return files + [root / "dbt_project.yml", root / "profiles.yml"]


def dbt_args(*args: str) -> list[str]:
    project = str(constants.DBT_PROJECT_DIR)
    colour = ["--use-colors"] if sys.stdout.isatty() else ["--no-use-colors"]
    return [*args, "--project-dir", project, "--profiles-dir", project, "--target-path", str(target_dir()),
            "--log-path", str(target_dir()), *colour]


def ensure_manifest() -> Path:
    """Parse the dbt project (in this process) when its manifest is missing or older than any
    model, macro, test, seed or project file."""
    manifest = manifest_path()
    if not manifest.exists() or max(p.stat().st_mtime for p in project_files()) > manifest.stat().st_mtime:
        constants.export_env()
        result = invoke(dbt_args("parse", "--quiet"))
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception or 'see ' + str(target_dir() / 'dbt.log')}")
    return manifest


def release_database() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an in-process dbt run,
    so that the next step (publishing, checks) can open the build file with its own settings."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter (the spark target): nothing held
        return
    try:
        env = DuckDBConnectionManager.env()
    except Exception:  # no environment was created
        return
    env.close()
    DuckDBConnectionManager.close_all_connections()


def invoke(args: list[str]):
    """Run dbt in this process with ``args``; the build file is released afterwards."""
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner().invoke(args)
    finally:
        release_database()
