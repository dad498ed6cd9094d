"""How fast are marketplace exports parsed and loaded into the warehouse?

One 抖店 order export (UTF-8 with BOM, tab-wrapped values, one row per sub-order) of N rows is
imported into a fresh SQLite warehouse: sniffed, its header found, every cell cleaned, rows
grouped into orders, turned into canonical orders and loaded with their lines and refunds, in
one transaction with the file's hash. Baseline: a plain ``pandas.read_csv`` of the same file
(every column as text), which reads the file and nothing more. Target: 50,000 rows/s.

Run: ``python -m benchmarks.imports [--rows 100000] [--repeats 3] [--no-docs]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

from benchmarks.report import update_section
from connectors.config import parse_config
from connectors.marketplaces import read_export
from tasks.ingest.imports import import_files
from tasks.warehouse.engine import dispose_engines, get_engine
from tests.support.exports import douyin_export

TARGET_ROWS_PER_S = 50_000


def measure(rows: int, repeats: int) -> dict[str, float]:
    """The best of ``repeats`` runs of each: pandas' read, storepulse's read, its import."""
    folder = Path(tempfile.mkdtemp(prefix="storepulse-bench-imports-"))
    path = folder / "orders.csv"
    path.write_bytes(douyin_export(rows, 1, datetime(2026, 6, 1)))
    store = parse_config(
        {"stores": [{"name": "bench", "platform": "douyin", "import_dir": str(folder)}]}
    ).stores[0]
    pandas_s, read_s, import_s = [], [], []
    for run in range(repeats):
        tick = time.perf_counter()
        pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        pandas_s.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        read_export(path.read_bytes(), path.name, "douyin", store.zone, store.currency)
        read_s.append(time.perf_counter() - tick)
        url = f"sqlite:///{folder / f'warehouse{run}.db'}"
        get_engine(url)  # the schema is created before the clock starts
        tick = time.perf_counter()
        import_files(store, [path], url)
        import_s.append(time.perf_counter() - tick)
        dispose_engines()
    return {
        "rows": rows,
        "bytes": path.stat().st_size,
        "pandas_s": min(pandas_s),
        "read_s": min(read_s),
        "import_s": min(import_s),
    }


def render(r: dict[str, float]) -> str:
    rows = r["rows"]
    rate = rows / r["import_s"]
    lines = [
        f"### One 抖店 export of {rows:,.0f} rows ({r['bytes'] / 1e6:.1f} MB), best of the runs",
        "",
        "| step | seconds | rows/s | vs pandas.read_csv |",
        "|---|---:|---:|---:|",
        f"| `pandas.read_csv` (baseline: read only) | {r['pandas_s']:.3f} "
        f"| {rows / r['pandas_s']:,.0f} | 1.00 |",
        f"| storepulse read (sniff, header, clean, canonical orders) | {r['read_s']:.3f} "
        f"| {rows / r['read_s']:,.0f} | {r['pandas_s'] / r['read_s']:.2f} |",
        f"| storepulse import (read + load into SQLite, one transaction) | {r['import_s']:.3f} "
        f"| **{rate:,.0f}** | {r['pandas_s'] / r['import_s']:.2f} |",
        "",
        f"Target {TARGET_ROWS_PER_S:,} rows/s parsed and loaded: "
        + (
            "**met**."
            if rate >= TARGET_ROWS_PER_S
            else f"**not met** ({rate / TARGET_ROWS_PER_S:.2f} of it)."
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    result = measure(args.rows, args.repeats)
    markdown = render(result)
    print(markdown)
    Path("out/benchmarks").mkdir(parents=True, exist_ok=True)
    Path("out/benchmarks/imports.json").write_text(json.dumps(result, indent=2))
    if not args.no_docs:
        update_section("imports", markdown)


if __name__ == "__main__":
    main()
