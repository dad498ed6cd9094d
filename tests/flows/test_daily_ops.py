"""The scheduled flows on a real Prefect server: the morning loop, its reruns, the backfill,
and deployments served and started through the API the Prefect UI uses."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL
from sqlalchemy import select

from connectors.config import load_config
from connectors.sandbox import DemoStore
from deployments.build import deployment_specs, prefect_yaml
from flows.backfill import backfill
from flows.daily_ops import daily_ops
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, get_engine
from tests.conftest import TOKEN, TOKEN_ENV, store_entry, write_config
from tests.support.helpers import snapshot
from tests.support.processes import storepulse_serving

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]
DAY = date(2026, 3, 30)  # the small shop's last whole day


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return tmp_path


def outbox(url: str) -> list[tuple[Any, ...]]:
    o = tables.outbox.c
    query = select(o.key, o.status, o.attempts, o.sent_at, o.reference).order_by(o.key)
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


async def latest_artifacts(*keys: str) -> list[str]:
    """The newest artifact of each key, as published (tables as JSON)."""
    found = []
    async with get_client() as client:
        for key in keys:
            [artifact] = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            found.append(str(artifact.data))
    return found


def test_daily_ops_runs_the_loop_and_a_rerun_changes_nothing(
    shop: DemoStore, env: Path, sqlite_url: str
) -> None:
    path = str(write_config(env, shop.url))
    first = daily_ops(report_date=DAY, config_path=path)
    assert first["report_days"] == {"demo": str(DAY)} and first["sent"] == 2
    assert first["synced"] > 2000 and first["metric_values"] > 0
    kpis, pages = asyncio.run(latest_artifacts("daily-kpis", "daily-reports"))
    assert '"store": "demo"' in kpis and "Net sales" in kpis
    assert f"storepulse reports show daily/{DAY}/demo --language zh-CN" in pages
    warehouse, messages = snapshot(sqlite_url), outbox(sqlite_url)
    again = daily_ops(report_date=DAY, config_path=path)
    assert again["sent"] == 0 and again["already_sent"] == 2
    assert snapshot(sqlite_url) == warehouse
    assert outbox(sqlite_url) == messages


def test_a_backfill_rechecks_quietly(shop: DemoStore, env: Path, sqlite_url: str) -> None:
    path = str(write_config(env, shop.url))
    done = backfill(date(2026, 3, 27), DAY, config_path=path)
    assert done["days"] == 4 and done["synced"] > 2000
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(select(tables.alerts)).first() is None  # recorded, paged nobody
        days = set(conn.execute(select(tables.check_findings.c.check_day)).scalars())
        assert conn.execute(select(tables.outbox)).first() is None
    assert days <= {date(2026, 3, d) for d in range(27, 31)}


def test_deployments_follow_the_stores_timezones(tmp_path: Path) -> None:
    shanghai = store_entry("http://x", name="cn", timezone="Asia/Shanghai", currency="CNY")
    path = tmp_path / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": [store_entry("http://x"), shanghai]}))
    specs = {s.name: s for s in deployment_specs(load_config(path), path)}
    assert sorted(specs) == [
        "backfill",
        "campaign-watch",
        "daily-ops-america-new-york",
        "daily-ops-asia-shanghai",
        "weekly-review-america-new-york",
        "weekly-review-asia-shanghai",
    ]
    daily = specs["daily-ops-asia-shanghai"]
    assert (daily.cron, daily.timezone) == ("0 8 * * *", "Asia/Shanghai")
    assert daily.parameters == {"config_path": str(path.resolve()), "stores": ["cn"]}
    assert specs["weekly-review-america-new-york"].cron == "0 9 * * 1"
    assert specs["backfill"].cron is None
    watch = specs["campaign-watch"]
    assert (watch.cron, watch.interval_seconds) == (None, 15 * 60)


def test_the_shipped_prefect_yaml_is_generated_from_the_example_config() -> None:
    example = Path("deployments/storepulse.example.yaml")
    shipped = Path("deployments/prefect.yaml").read_text(encoding="utf-8")
    import prefect

    config_path = Path("/etc/storepulse/storepulse.yaml")
    generated = prefect_yaml(load_config(example), config_path, prefect.__version__)
    assert shipped == generated, "regenerate: see deployments/README.md"
    document = yaml.safe_load(shipped)
    daily = next(d for d in document["deployments"] if d["name"] == "daily-ops")
    assert daily["schedules"][0]["timezone"] == "America/New_York"
    assert daily["entrypoint"] == "flows/daily_ops.py:daily_ops"


def test_a_served_deployment_runs_a_custom_run_started_through_the_api(
    shop: DemoStore, env: Path, sqlite_url: str
) -> None:
    path = write_config(env, shop.url)
    log = env / "serve.log"
    with storepulse_serving(path, str(PREFECT_API_URL.value()), log) as server:
        run = wait_for_run("daily-ops/daily-ops", {"report_date": str(DAY)}, server)
    assert run.state is not None and run.state.is_completed(), log.read_text()
    assert "Traceback" not in log.read_text()
    with get_engine(sqlite_url).connect() as conn:
        keys = conn.execute(select(tables.outbox.c.key)).scalars().all()
    assert sorted(keys) == [f"daily/{DAY}/demo/files/en", f"daily/{DAY}/demo/files/zh-CN"]


def wait_for_run(name: str, parameters: dict[str, Any], server: subprocess.Popen[bytes]) -> Any:
    """Start a run once the served deployment exists, and wait for it to finish."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return run_deployment(name, parameters=parameters, timeout=300)
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(1)


def test_a_failed_run_tells_the_ops_channels_once(
    shop: DemoStore, env: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVOKED_TOKEN", "shpat_revoked")
    path = str(write_config(env, shop.url, token_env="REVOKED_TOKEN"))
    state = daily_ops(report_date=DAY, config_path=path, return_state=True)
    assert state.is_failed()
    with get_engine(sqlite_url).connect() as conn:
        rows = conn.execute(select(tables.outbox.c.key, tables.outbox.c.payload)).all()
    assert sorted(key.rsplit("/", 2)[-2:][1] for key, _ in rows) == ["en", "zh-CN"]
    assert all(key.startswith("failure/") for key, _ in rows)
    text = rows[0].payload
    assert "daily-ops run failed" in text and "401" in text and "shpat_revoked" not in text


def test_storepulse_run_runs_a_flow_here_and_now(shop: DemoStore, env: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    path = str(write_config(env, shop.url))
    result = CliRunner().invoke(
        app, ["run", "daily-ops", "--config", path, "--report-date", str(DAY)]
    )
    assert result.exit_code == 0, result.output
    assert f"report_days: {{'demo': '{DAY}'}}" in result.output and "sent: 2" in result.output
    missing = CliRunner().invoke(app, ["run", "backfill", "--config", path])
    assert missing.exit_code == 2 and "backfill needs --from and --to" in missing.output
