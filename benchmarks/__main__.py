"""Run every benchmark and refresh docs/benchmarks.md: ``python -m benchmarks``."""

from __future__ import annotations

import sys

from benchmarks import anomalies, imports, metrics, orchestration, sync_throughput

if __name__ == "__main__":
    for benchmark in (sync_throughput, imports, metrics, anomalies, orchestration):
        sys.argv = [benchmark.__name__]
        benchmark.main()
