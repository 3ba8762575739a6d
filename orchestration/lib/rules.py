"""Rules shared by SQL and Python, read from their one owner: the ``vars`` of ``dbt_project.yml``.

dbt models read a rule with ``{{ var('claim_relative_tolerance') }}``; Python reads the same value
with :func:`rule`. A rule is never restated elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from orchestration.constants import DBT_PROJECT_DIR


@lru_cache(maxsize=1)
def _vars() -> dict:
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("vars") or {}


def rule(name: str):
    """The value of the rule ``name`` (a plain value of ``vars`` in dbt_project.yml); KeyError if unknown."""
    values = _vars()
    if name not in values:
        raise KeyError(f"no rule {name!r} in dbt_project.yml vars (known: {', '.join(sorted(values))})")
    value = values[name]
    if isinstance(value, str) and "{{" in value:
        raise KeyError(f"{name!r} is a Jinja expression in dbt_project.yml, not a plain rule value")
    return value
