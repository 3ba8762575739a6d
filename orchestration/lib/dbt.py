"""dbt, driven in this process through its programmatic API (``dbtRunner``): the project's paths,
the arguments every invocation takes, parsing the manifest when the project changed, and when the
incremental models must be rebuilt whole."""

import hashlib
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
    """The files that make the dbt project (hidden files and folders left out)."""
    root = constants.DBT_PROJECT_DIR
    files = [p for d in ("models", "macros", "tests", "seeds") for p in (root / d).rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return files + [root / "dbt_project.yml", root / "profiles.yml"]


def project_fingerprint() -> str:
    """sha256 of every file of the dbt project (models, macros, tests, seeds, project and profile)."""
    root = constants.DBT_PROJECT_DIR
    digest = hashlib.sha256()
    for path in sorted(project_files()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# Which dbt project each incremental model and seed of a build file was last built with. An
# incremental model keeps the rows of unchanged partitions (dbt_project/macros/trade_partitions.sql)
# and a seed is appended to, so after a change to the project they are rebuilt whole once:
# `dbt build --full-refresh`.
MODELS_BUILT_DDL = """
create table if not exists audit.dbt_models_built (
    model varchar primary key,
    project_fingerprint varchar not null,  -- project_fingerprint() of the build
    built_at timestamptz not null
)"""


def needs_full_refresh(conn, incremental_models: list[str], fingerprint: str) -> bool:
    """Whether any of ``incremental_models`` was last built (in the build file of ``conn``) with
    another dbt project than ``fingerprint``, or never."""
    if not incremental_models:
        return False
    conn.execute(MODELS_BUILT_DDL)
    built = dict(conn.execute("select model, project_fingerprint from audit.dbt_models_built").fetchall())
    return any(built.get(model) != fingerprint for model in incremental_models)


def record_models_built(conn, models: list[str], fingerprint: str) -> None:
    """Record that ``models`` (incremental models dbt built successfully) are built with ``fingerprint``."""
    if models:
        conn.execute(MODELS_BUILT_DDL)
        conn.executemany("insert or replace into audit.dbt_models_built values (?, ?, now())",
                         [[model, fingerprint] for model in models])


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
