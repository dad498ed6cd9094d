"""Run every benchmark and refresh docs/benchmarks.md: ``python -m benchmarks``."""

from __future__ import annotations

import sys

from benchmarks import (
    anomalies,
    imports,
    metrics,
    orchestration,
    review,
    sync_throughput,
    watch,
)

if __name__ == "__main__":
    for benchmark in (sync_throughput, imports, metrics, anomalies, orchestration, watch, review):
        sys.argv = [benchmark.__name__]
        benchmark.main()
