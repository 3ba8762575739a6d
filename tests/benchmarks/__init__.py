"""Benchmark suite (not part of the installed package): SYNTHETIC inputs at scale (:mod:`.generate`),
the analyst's pandas + openpyxl baseline (:mod:`.analyst_baseline`) and the measurements (:mod:`.run`).

Run it with ``make bench`` or ``python -m tests.benchmarks.run`` (``--help`` lists the parameters).
Every generated file is labelled SYNTHETIC; nothing here is ever written into the checkout's ``raw/``.
"""
