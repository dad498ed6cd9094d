"""Scale-out as docs/deploy.md sets it up: a Prefect server on PostgreSQL, the warehouse in
another PostgreSQL database, `prefect deploy --all` of the generated prefect.yaml into a process
work pool, and two workers taking twenty store runs at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import prefect
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select

from connectors.config import load_config
from connectors.shopify.sandbox import DemoStore
from deployments.build import prefect_yaml
from tasks.warehouse import schema as t
from tasks.warehouse.engine import get_engine
from tests.conftest import TOKEN, TOKEN_ENV, postgres_database, store_entry
from tests.flows.conftest import prefect_server_process

STORES = 20
DAY = "2026-03-30"
REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")


@pytest.fixture
def workers_env(
    shop: DemoStore, tmp_path: Path, postgres_url: str
) -> Iterator[tuple[dict[str, str], Path]]:
    """A Prefect server on PostgreSQL and the environment its workers and deployers share."""
    config = tmp_path / "storepulse.yaml"
    recent = {"history_start": "2026-03-16"}  # two weeks each: the load is in the orchestration
    stores = [store_entry(shop.url, name=f"shop{i:02d}", sync=recent) for i in range(STORES)]
    config.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    with ExitStack() as stack:
        database = stack.enter_context(postgres_database("prefect_test"))
        server = stack.enter_context(
            prefect_server_process(
                tmp_path / "prefect",
                PREFECT_SERVER_DATABASE_CONNECTION_URL=(
                    f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
                ),
            )
        )
        env = os.environ | {
            "PREFECT_API_URL": server.api_url,
            "STOREPULSE_HOME": str(REPO),
            "STOREPULSE_DATABASE_URL": postgres_url,
            "STOREPULSE_OUTBOX_DIR": str(tmp_path / "outbox"),
            TOKEN_ENV: TOKEN,
        }
        yield env, config


def test_two_workers_complete_twenty_store_runs(
    workers_env: tuple[dict[str, str], Path], tmp_path: Path, postgres_url: str
) -> None:
    env, config = workers_env
    prefect_file = tmp_path / "prefect.yaml"
    prefect_file.write_text(prefect_yaml(load_config(config), config, prefect.__version__))
    run = lambda *args: subprocess.run(  # noqa: E731
        [PREFECT, *args], env=env, cwd=REPO, check=True, capture_output=True, timeout=300
    )
    run("work-pool", "create", "storepulse", "--type", "process")
    run("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))
    subprocess.run(  # migrate once, as docs/deploy.md says, before the workers start
        [sys.executable, "-m", "flows.cli", "db", "upgrade"], env=env, check=True, timeout=120
    )
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "storepulse", "--name", log.stem],
            env=env | {"PREFECT_WORKER_QUERY_SECONDS": "1"},
            cwd=REPO,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
            ids = [
                run_deployment(
                    "daily-ops/daily-ops",
                    parameters={"stores": [f"shop{i:02d}"], "report_date": DAY},
                    timeout=0,
                ).id
                for i in range(STORES)
            ]
            states = wait_all(ids, seconds=900)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    assert [s for s in states.values() if s != "COMPLETED"] == [], states
    taken = {log.stem: log.read_text().count("submitted to infrastructure") for log in logs}
    assert sum(taken.values()) == STORES and all(taken.values()), taken  # both workers worked
    with get_engine(postgres_url).connect() as conn:
        digests = conn.execute(select(func.count()).select_from(t.outbox)).scalar_one()
    assert digests == 2 * STORES  # each store's digest, in both languages


def wait_all(ids: list[Any], seconds: int) -> dict[str, str]:
    """Each run's final state name (or its current one when time runs out)."""
    import asyncio

    async def states() -> dict[str, str]:
        async with get_client() as client:
            runs = [await client.read_flow_run(i) for i in ids]
        return {str(r.id): r.state.type.value if r.state else "NONE" for r in runs}

    deadline = time.monotonic() + seconds
    while True:
        current = asyncio.run(states())
        final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
        if all(s in final for s in current.values()) or time.monotonic() > deadline:
            return current
        time.sleep(2)
