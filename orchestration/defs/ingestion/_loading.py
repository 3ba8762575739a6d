"""What every ingestion asset does with a folder of files: load, log, quarantine, report."""


import json
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib.connectors.releases import fetched_release_files  # noqa: F401 (verified fetched releases)
from orchestration.lib.countries import Resolver, normalise_name
from orchestration.lib.results import ParseResult
from orchestration.lib.warehouse import load_files


UNKNOWN_NAME = "unknown country name (not in raw/reference/country_names.csv)"


def crosswalk_resolver(conn) -> tuple[Resolver, str]:
    """The country resolver from the loaded crosswalk, and its version (the file sha256s)."""
    frame = conn.sql(
        "select name, code, entity_type, iso3, vocabulary, note, file_sha256 from raw.country_names where is_current"
    ).pl()
    if frame.is_empty():
        raise dg.Failure("raw.country_names is empty: materialise the reference assets first")
    version = ",".join(sorted(frame["file_sha256"].unique().to_list()))
    frame = frame.drop("file_sha256").with_columns(
        pl.col("name").map_elements(normalise_name, return_dtype=pl.String).alias("key")
    )
    return Resolver(frame), version


def load_source(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    raw_files: RawFilesResource,
    *,
    source: str,
    table: str,
    files: list[Path],
    parse: Callable[[Path], ParseResult],
    transform: Callable[[ParseResult, Path], ParseResult] | None = None,
    context_version: str = "",
    conn=None,
) -> dg.MaterializeResult:
    """Load ``files`` into ``table``; fail the asset (after loading the good files) if any file is unreadable."""

    def run(c):
        report = load_files(
            c, source=source, table=table, files=files, root=raw_files.path, parse=parse,
            transform=transform, progress=context.log.info, context_version=context_version,
        )
        current = c.execute(f"select count(*) from {table} where is_current").fetchone()[0] if report.files and any(
            f.status in ("loaded", "unchanged", "removed") for f in report.files) else 0
        return report, current

    if conn is not None:
        report, current = run(conn)
    else:
        with warehouse.connect() as c:
            report, current = run(c)

    summary = report.summary()
    for f in report.files:
        if f.status == "loaded":
            context.log.info(f"{table}: {f.file}: {f.rows_loaded} rows loaded, {f.rows_quarantined} quarantined")
    if report.failed:
        lines = [f.message for f in report.failed]
        for line in lines:
            context.log.error(line)
        raise dg.Failure(
            description="; ".join(lines),
            metadata={**summary, "failed_files": dg.MetadataValue.json(lines)},
        )
    return dg.MaterializeResult(
        metadata={
            **summary,
            "current_rows": current,
            "files_detail": dg.MetadataValue.md(
                "| file | status | rows loaded | quarantined |\n|---|---|---|---|\n"
                + "\n".join(f"| {f.file} | {f.status} | {f.rows_loaded} | {f.rows_quarantined} |" for f in report.files)
            ),
        }
    )
