"""Benchmark suite: SYNTHETIC inputs at scale (:mod:`.generate`) and the measurements (:mod:`.run`).

Run it with ``python -m orchestration.bench.run`` (``--help`` lists the parameters). Every generated
file is labelled SYNTHETIC; nothing here is ever written into the checkout's ``raw/``.
"""
