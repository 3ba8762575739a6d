"""A seeded generator of SYNTHETIC company-level registry exports, for tests only.

No company-level registry of foreign-invested companies in Azerbaijan is available (see
``raw/registry_counts/MANIFEST.md``), so tests of the company-level reader and of
:func:`orchestration.lib.registry.counts_from_records` run on generated data. Every generated
company is named "Synthetic Co NNNN" and the file is named ``synthetic_companies_seed<seed>.csv``
so it can never be mistaken for real data.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

COLUMNS = ["company_id", "name", "host_iso3", "origin_iso3", "registered_on", "status", "status_on", "sector"]
ORIGINS = ["CHN", "TUR", "RUS", "GBR", "IRN"]
SECTORS = ["construction", "trade", "manufacturing", "transport", "energy", "ICT", ""]
FIRST_DAY = date(2005, 1, 1)
LAST_DAY = date(2024, 12, 31)


def synthetic_company_rows(seed: int, n: int = 200, host_iso3: str = "AZE") -> list[dict[str, str]]:
    """SYNTHETIC company records (not real data), deterministic for ``seed``."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    rows = []
    for i in range(1, n + 1):
        registered = FIRST_DAY + timedelta(days=rng.randrange(span))
        status = rng.choices(["active", "inactive", "liquidated"], weights=[6, 2, 2])[0]
        if status == "active":
            status_on = "" if rng.random() < 0.5 else registered.isoformat()
        else:
            status_on = (registered + timedelta(days=rng.randrange((LAST_DAY - registered).days + 1))).isoformat()
        rows.append(
            {
                "company_id": f"SYN-{seed}-{i:04d}",
                "name": f"Synthetic Co {i:04d}",
                "host_iso3": host_iso3,
                "origin_iso3": rng.choice(ORIGINS),
                "registered_on": registered.isoformat(),
                "status": status,
                "status_on": status_on,
                "sector": rng.choice(SECTORS),
            }
        )
    return rows


def write_synthetic_companies(directory: Path, seed: int, n: int = 200) -> Path:
    """Write SYNTHETIC company records to ``<directory>/synthetic_companies_seed<seed>.csv``."""
    path = Path(directory) / f"synthetic_companies_seed{seed}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_company_rows(seed, n))
    return path
