"""Orchestration overhead: a daily run for 100 stores through Prefect, against the same work as
plain function calls.

Baseline (*plain calls*, measured in the same run): each store's sync as plain calls, the
stores side by side in a thread pool the size of the flow's task runner, then metrics, checks
and the digest, into a fresh PostgreSQL warehouse. Measured the same way, each into its own
fresh warehouse:

- *one machine*: the ``daily-ops`` flow for all stores, in-process, against a Prefect server;
- *two workers*: ``prefect deploy`` of the generated prefect.yaml and two process workers,
  each taking a ``daily-ops`` run for half of the stores.

The share of wall time spent in orchestration is ``1 − plain / measured``. Every store reads
the same local shop (a week of its orders), which serves 50 times Shopify Plus's rate so the
API's pace does not hide the orchestration's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import prefect
import yaml
from prefect.settings import PREFECT_API_URL, temporary_settings

from benchmarks.report import update_section
from connectors.sandbox import DemoStore, StoreSpec
from connectors.stores import open_store
from deployments.build import prefect_yaml
from flows.cli import PREFECT_DEFAULTS
from flows.steps.sync_store import SYNC_THREADS
from tasks.checks.run import run_checks
from tasks.delivery.publish import publish_report
from tasks.ingest.run import sync_store_windows
from tasks.metrics.run import refresh_metrics
from tasks.settings import load_settings
from tasks.warehouse.engine import DATABASE_URL_ENV, dispose_engines
from tests.support.processes import (
    deploy_to_pool,
    prefect_server,
    run_all,
    scratch_database,
    workers,
)

SPEC = StoreSpec(seed=3, days=90, orders_per_day=25, end_date=date(2026, 3, 31))
DAY = date(2026, 3, 30)
HISTORY_START = "2026-03-24"
TOKEN = "shpat_benchmark"
TOKEN_ENV = "STOREPULSE_BENCH_TOKEN"
REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "out" / "bench-cache" / "orchestration"
#: Flow runs each worker runs at once: one Python process each, on a 2-core machine.
WORKER_LIMIT = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    os.environ[TOKEN_ENV] = TOKEN
    for key, value in PREFECT_DEFAULTS.items():  # the console quiet, as the CLI keeps it
        os.environ.setdefault(key, value)
    work = Path(tempfile.mkdtemp(prefix="storepulse-orchestration-"))
    os.environ["STOREPULSE_OUTBOX_DIR"] = str(work / "outbox")
    CACHE.mkdir(parents=True, exist_ok=True)
    results: dict[str, float] = {}
    with (
        DemoStore.start(SPEC, token=TOKEN, plan="plus", time_scale=50, data_dir=CACHE) as shop,
        scratch_database("storepulse_bench") as prefect_db,
        prefect_server(
            work / "prefect",
            PREFECT_SERVER_DATABASE_CONNECTION_URL=(
                f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefect_db}"
            ),
        ) as server,
    ):
        config = config_file(work, shop.url, args.stores)
        for name, measure in (
            ("plain calls", plain_calls),
            ("one machine", one_machine),
            ("two workers", two_workers),
        ):
            with scratch_database("storepulse_bench") as database:
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
                print(f"{name}…", flush=True)
                results[name] = measure(config, url, server.api_url, work)
                dispose_engines()
                print(f"  {results[name]:.1f} s", flush=True)
    markdown = render(results, args.stores)
    print(markdown)
    if not args.no_docs:
        update_section("orchestration", markdown)


def config_file(directory: Path, url: str, stores: int) -> Path:
    entries = [
        {
            "name": f"shop{i:03d}",
            "platform": "shopify",
            "url": url,
            "timezone": "America/New_York",
            "currency": "USD",
            "token_env": TOKEN_ENV,
            "sync": {"history_start": HISTORY_START},
        }
        for i in range(stores)
    ]
    path = directory / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": entries}), encoding="utf-8")
    return path


def plain_calls(config_path: Path, url: str, api_url: str, work: Path) -> float:
    config = load_settings(config_path)
    started = time.perf_counter()
    with ThreadPoolExecutor(SYNC_THREADS) as pool:
        list(pool.map(lambda store: sync_store_windows(store, url), config.stores))
    refresh_metrics(config, url)
    sources = {s.name: open_store(s) for s in config.stores}
    run_checks(config, url, report_date=DAY, sources=sources)
    publish_report("daily", config, url, period=DAY)
    return time.perf_counter() - started


def one_machine(config_path: Path, url: str, api_url: str, work: Path) -> float:
    from flows.daily_ops import daily_ops

    os.environ[DATABASE_URL_ENV] = url
    started = time.perf_counter()
    with temporary_settings({PREFECT_API_URL: api_url}):
        daily_ops(report_date=DAY, config_path=str(config_path))
    return time.perf_counter() - started


def two_workers(config_path: Path, url: str, api_url: str, work: Path) -> float:
    env = os.environ | {
        "PREFECT_API_URL": api_url,
        "STOREPULSE_HOME": str(REPO),
        DATABASE_URL_ENV: url,
    }
    config = load_settings(config_path)
    prefect_file = work / "prefect.yaml"
    prefect_file.write_text(prefect_yaml(config, config_path, prefect.__version__))
    deploy_to_pool(prefect_file, "storepulse", env, REPO)
    subprocess.run(
        [sys.executable, "-m", "flows.cli", "db", "upgrade"], env=env, check=True, timeout=300
    )
    names = [s.name for s in config.stores]
    halves = [names[: len(names) // 2], names[len(names) // 2 :]]  # one run per worker
    runs: list[dict[str, Any]] = [{"stores": half, "report_date": str(DAY)} for half in halves]
    logs = [work / f"worker{i}.log" for i in (1, 2)]
    with workers("storepulse", env, logs, REPO, limit=WORKER_LIMIT):
        started = time.perf_counter()
        states = run_all(api_url, "daily-ops/daily-ops", runs, seconds=3600)
        elapsed = time.perf_counter() - started
    failed = [s for s in states.values() if s != "COMPLETED"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(states)} runs did not complete: {failed[:3]}")
    return elapsed


def render(results: dict[str, float], stores: int) -> str:
    plain = results["plain calls"]
    rows = [
        f"| {name} | {seconds:.1f} | {seconds / plain:.2f} | "
        + ("—" if name == "plain calls" else f"**{max(0.0, 1 - plain / seconds):.0%}**")
        + " |"
        for name, seconds in results.items()
    ]
    return "\n".join(
        [
            f"### A daily run for {stores} stores (`benchmarks/orchestration.py`)",
            "",
            "| how | wall s | ÷ plain calls | share in orchestration |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d}; each store syncs a week of the local shop's "
            "orders, then metrics, checks (with the platform count) and the digest in two "
            "languages into the outbox. Warehouse and Prefect server on PostgreSQL.",
        ]
    )


if __name__ == "__main__":
    main()
