"""The corridor report: one self-contained HTML page per reporter–partner pair that works offline.

Charts are Vega-Lite specs built with altair (tooltips on every mark, a CSV download each), drawn in
the browser by Vega's JavaScript, which is inlined in the page (see :mod:`.vega`). The claims table
sorts and filters with a small inline script. Each section is one function (:mod:`.charts`,
:mod:`.claims_table`, registered in :mod:`.blocks`) reading named queries (``queries.sql``) and the
one mapping of source ids to names (the dbt seed ``marts.dim_sources``). Sections whose marts are
not in the warehouse are left out.
"""

from orchestration.lib.report import charts, claims_table  # noqa: F401  (registers the sections, in page order)
from orchestration.lib.report.page import build_report, write_report

__all__ = ["build_report", "write_report"]
