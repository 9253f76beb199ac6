"""`make bench`: the figures of the benchmark table (docs/benchmarks.md), each beside its baseline, in one run.

    python -m bench.run [--quick] [--out bench/results.json]

cold start (bench.cold_start), AWS requests per event (bench.calls), throughput against bare calls
(bench.throughput), asset sizes (bench.assets), the soak (tools/harness/soak.py) and the cost estimate
(bench.cost); bench.report turns results.json into that table.
"""

import tools  # noqa: F401  (puts lambdas/ on sys.path: the benchmarks import the functions' package)
