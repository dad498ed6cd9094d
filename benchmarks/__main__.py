"""Run every benchmark and refresh docs/benchmarks.md: ``python -m benchmarks``."""

from __future__ import annotations

import sys

from benchmarks import anomalies, metrics, orchestration, sync_throughput, watch

if __name__ == "__main__":
    for benchmark in (sync_throughput, metrics, anomalies, orchestration, watch):
        sys.argv = [benchmark.__name__]
        benchmark.main()
