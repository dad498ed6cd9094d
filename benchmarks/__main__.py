"""Run every benchmark and refresh docs/benchmarks.md: ``python -m benchmarks``."""

from __future__ import annotations

from benchmarks import sync_throughput

if __name__ == "__main__":
    sync_throughput.main()
