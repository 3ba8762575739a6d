"""What every ingestion asset does with a folder of files: load, log, quarantine, report."""


import json
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.defs.resources import RawFilesResource, WarehouseResource
from orchestration.lib.connectors.http import data_files
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


def fetched_release_files(raw_files: RawFilesResource, folder: str, log) -> tuple[list[Path], list[str]]:
    """The data files of every complete release an API connector saved under ``raw/<folder>/``.

    A release is a sub-folder with a ``manifest.json`` (written by the connector). Releases whose
    manifest says ``"complete": false`` (a fetch that failed part-way), or that have no readable
    manifest, are skipped with a warning: a partial release must not supersede a complete one.
    Returns (data files, skipped release messages)."""
    root = raw_files.path / folder
    files: list[Path] = []
    skipped: list[str] = []
    if not root.is_dir():
        return files, skipped
    for release in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = release / "manifest.json"
        try:
            complete = json.loads(manifest.read_text(encoding="utf-8")).get("complete") is True
        except (OSError, ValueError) as exc:
            skipped.append(f"{folder}/{release.name}: no readable manifest.json ({exc.__class__.__name__}); release skipped")
            continue
        if not complete:
            skipped.append(f"{folder}/{release.name}: manifest says the fetch did not complete; release skipped")
            continue
        files.extend(data_files(release))
    for message in skipped:
        log.warning(message)
    return files, skipped
