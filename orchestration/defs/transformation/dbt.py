"""The dbt project as Dagster assets: staging → intermediate → marts; dbt tests as asset checks."""


import os
import subprocess
import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from packaging import version

from orchestration import constants

constants.export_env()
# DBT_TARGET_PATH (dbt's own variable) moves target/ elsewhere, e.g. one per test session
dbt_project = DbtProject(
    project_dir=constants.DBT_PROJECT_DIR,
    profiles_dir=constants.DBT_PROJECT_DIR,
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)


def target_dir() -> Path:
    """dbt's target folder as an absolute path (DBT_TARGET_PATH may be relative to the project)."""
    path = Path(dbt_project.target_path)
    return path if path.is_absolute() else constants.DBT_PROJECT_DIR / path


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any model/test/macro file."""
    manifest = dbt_project.manifest_path
    sources = [p for d in ("models", "macros", "tests") for p in (constants.DBT_PROJECT_DIR / d).rglob("*") if p.is_file()]
    sources += [constants.DBT_PROJECT_DIR / "dbt_project.yml"]
    if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
        proc = subprocess.run(
            [_dbt_executable(), "parse", "--quiet", "--project-dir", str(constants.DBT_PROJECT_DIR),
             "--profiles-dir", str(constants.DBT_PROJECT_DIR), "--target-path", str(dbt_project.target_path)],
            cwd=constants.DBT_PROJECT_DIR, capture_output=True, text=True, env=os.environ.copy(),
        )
        if proc.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return manifest


ensure_manifest()


class CorridorTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


class CorridorDbtCli(DbtCliResource):
    """dagster-dbt's resource without its two per-run start-up costs (~6 s of every build):

    * it runs ``dbt --version`` in a subprocess (a full dbt start-up, ~3.5 s) to learn the version;
      the dbt that runs is the dbt-core installed in this environment, so read its version instead;
    * it opens a dbt adapter in Dagster's process (~2 s: loads every macro) that serves only
      ``fetch_row_counts()`` / ``fetch_column_metadata()``, which Corridor does not use (row counts
      come from the published manifest)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return CorridorDbtCli(project_dir=dbt_project, profiles_dir=str(constants.DBT_PROJECT_DIR), dbt_executable=_dbt_executable())


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CorridorTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def corridor_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    constants.export_env()
    # the same target folder as `dbt parse` above: dbt reuses its partial parse (saves ~5 s a build)
    yield from dbt.cli(["build"], context=context, target_path=target_dir()).stream()
