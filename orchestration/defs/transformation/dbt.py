"""The dbt project as Dagster assets: staging → intermediate → marts; dbt tests as asset checks."""


import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

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


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(constants.DBT_PROJECT_DIR), dbt_executable=_dbt_executable())


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CorridorTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def corridor_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    constants.export_env()
    # the same target folder as `dbt parse` above: dbt reuses its partial parse (saves ~5 s a build)
    yield from dbt.cli(["build"], context=context, target_path=target_dir()).stream()
