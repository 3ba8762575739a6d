"""Great Expectations 1.x suites run on source figures, turned into results a person can act on.

Suites are defined in code (see ``orchestration/defs/ingestion/*``): a list of
:class:`Expectation` pairs ``(check name, GX expectation)``. :func:`run_suite` validates a frame
with an ephemeral GX context (no hidden context directory) and returns, per check, whether it
passed, the rows checked, the rows failing and up to 20 offending keys.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

MAX_OFFENDING = 20


@dataclass
class Outcome:
    check: str
    passed: bool
    rows_checked: int
    rows_failing: int
    offending: list = field(default_factory=list)
    description: str = ""

    def metadata(self) -> dict:
        return {
            "rows_checked": self.rows_checked,
            "rows_failing": self.rows_failing,
            "offending_keys": self.offending[:MAX_OFFENDING],
            "expectation": self.description,
        }


@dataclass
class Expectation:
    check: str
    expectation: object  # a great_expectations.expectations.Expectation
    key_columns: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


FRAME_BATCH_ROWS = 1_000_000


def frames_of(relation, batch_rows: int = FRAME_BATCH_ROWS):
    """A DuckDB relation (``conn.sql(...)``) as pandas frames of at most ``batch_rows`` rows, text
    columns as categoricals (~7 times less memory than ``.df()``): a suite validates one batch at a
    time (:func:`run_suite_in_batches`), so checking 10 million Comtrade records never holds them in
    one frame. An empty relation gives one empty frame with its columns."""
    empty = True
    for batch in relation.to_arrow_reader(batch_rows):
        if batch.num_rows:
            empty = False
            yield batch.to_pandas(strings_to_categorical=True)
    if empty:
        yield relation.limit(0).to_arrow_table().to_pandas(strings_to_categorical=True)


def run_suite_in_batches(name: str, frames, expectations) -> dict[str, Outcome]:
    """:func:`run_suite` over every frame of ``frames`` (from :func:`frames_of`), the outcomes of a
    check added up: it passes if it passed on every batch; rows checked and failing are summed, the
    offending keys are the first ones found. For expectations judged row by row (every
    column-values and column-pair expectation). ``expectations`` is called for each batch (an
    expectation belongs to one suite)."""
    total: dict[str, Outcome] = {}
    for frame in frames:
        for check, o in run_suite(name, frame, expectations()).items():
            t = total.get(check)
            total[check] = o if t is None else Outcome(
                check=check, passed=t.passed and o.passed, rows_checked=t.rows_checked + o.rows_checked,
                rows_failing=t.rows_failing + o.rows_failing, offending=(t.offending + o.offending)[:MAX_OFFENDING],
                description=t.description)
    return total


def run_suite(name: str, frame: pd.DataFrame, expectations: list[Expectation]) -> dict[str, Outcome]:
    """Validate ``frame`` against the expectations; one :class:`Outcome` per check name."""
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_or_update_pandas(f"corridor_{name}")
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    batch_def = next((b for b in asset.batch_definitions if b.name == "whole"), None) or asset.add_batch_definition_whole_dataframe("whole")
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)  # GX reports offending rows by position
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})

    outcomes: dict[str, Outcome] = {}
    for item in expectations:
        suite = gx.ExpectationSuite(name=f"{name}.{item.check}")
        suite.add_expectation(item.expectation)
        result_format: dict = {"result_format": "COMPLETE"}
        if item.key_columns:
            result_format["unexpected_index_column_names"] = list(item.key_columns)
        validation = batch.validate(suite, result_format=result_format)
        res = validation.results[0]
        detail = res.result or {}
        failing = detail.get("unexpected_count")
        offending: list = []
        if item.key_columns and detail.get("unexpected_index_list"):
            offending = [
                {k: _plain(v) for k, v in row.items() if k in item.key_columns or k not in ("index",)}
                for row in detail["unexpected_index_list"][:MAX_OFFENDING]
            ]
        elif detail.get("partial_unexpected_list"):
            offending = [_plain(v) for v in detail["partial_unexpected_list"][:MAX_OFFENDING]]
        elif not res.success and "observed_value" in detail:
            offending = [_plain(detail["observed_value"])]
        if failing is None:
            failing = 0 if res.success else max(1, len(offending))
        outcomes[item.check] = Outcome(
            check=item.check,
            passed=bool(res.success),
            rows_checked=int(detail.get("element_count", len(frame))),
            rows_failing=int(failing),
            offending=offending,
            description=_describe(item.expectation),
        )
    return outcomes


def _describe(expectation) -> str:
    cfg = expectation.configuration if hasattr(expectation, "configuration") else None
    if cfg is None:
        return type(expectation).__name__
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("result_format", "batch_id")}
    return f"{cfg.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        try:
            return value.item()
        except Exception:
            return str(value)
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)
