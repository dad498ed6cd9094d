"""Benchmarks: each compares storepulse with a named baseline measured in the same run."""
