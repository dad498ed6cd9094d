"""Scale-out as docs/deploy.md sets it up: a Prefect server on PostgreSQL, the warehouse in
another PostgreSQL database, `prefect deploy --all` of the generated prefect.yaml into a process
work pool, and two workers taking twenty store runs at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import prefect
import pytest
import yaml
from sqlalchemy import func, select

from connectors.config import load_config
from connectors.sandbox import DemoStore
from deployments.build import prefect_yaml
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import TOKEN, TOKEN_ENV, postgres_database, store_entry
from tests.support.processes import deploy_to_pool, prefect_server, run_all, workers

pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.postgres]

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
            prefect_server(
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
    deploy_to_pool(prefect_file, "storepulse", env, REPO)
    for command in (["db", "upgrade"], ["prefect-setup", "--config", str(config)]):
        # once, as docs/deploy.md says, before the workers start: the runs then sync under
        # the per-store concurrency limits
        subprocess.run(
            [sys.executable, "-m", "flows.cli", *command], env=env, check=True, timeout=120
        )
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    runs = [{"stores": [f"shop{i:02d}"], "report_date": DAY} for i in range(STORES)]
    with workers("storepulse", env, logs, REPO):
        states = run_all(env["PREFECT_API_URL"], "daily-ops/daily-ops", runs, seconds=900)
    assert [s for s in states.values() if s != "COMPLETED"] == [], states
    taken = {log.stem: log.read_text().count("submitted to infrastructure") for log in logs}
    assert sum(taken.values()) == STORES and all(taken.values()), taken  # both workers worked
    with get_engine(postgres_url).connect() as conn:
        digests = conn.execute(select(func.count()).select_from(tables.outbox)).scalar_one()
    assert digests == 2 * STORES  # each store's digest, in both languages
