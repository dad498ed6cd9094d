"""The late daily run alert: a Prefect automation on a real server posts to the ops channel when
a daily-ops run has not completed by its deadline, and stays quiet for a run that has."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Completed, Pending, Running, Scheduled

from connectors.config import load_config
from connectors.errors import ConfigError
from deployments.automations import DEADLINE_AUTOMATION, prepare_server
from flows.daily_ops import daily_ops
from tests.conftest import store_entry
from tests.fakes.robots import FakeRobots, Robot, fake_robots
from tests.fakes.slack import BOT_TOKEN, TOKEN_ENV, FakeSlack, fake_slack
from tests.support.processes import prefect_server

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

DEADLINE = 10  # seconds: Prefect's shortest proactive trigger
#: Runs fall late a second after their scheduled start, checked every second.
FAST_LATE_RUNS = {
    "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1",
}


WECOM = Robot("wecom", "wecom-late-key")
DINGTALK = Robot("dingtalk", "ding-late-token", "SEClate0123")


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(TOKEN_ENV, BOT_TOKEN)
    with fake_slack() as server:
        yield server


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Any:
    with fake_robots() as server:
        for robot, name in ((WECOM, "WECOM"), (DINGTALK, "DINGTALK")):
            server.add(robot)
            monkeypatch.setenv(f"TEST_LATE_{name}_URL", server.webhook(robot))
        monkeypatch.setenv("TEST_LATE_DINGTALK_SECRET", str(DINGTALK.secret))
        yield server


def config_file(tmp_path: Path, slack: FakeSlack, robots: bool = False) -> Path:
    path = tmp_path / "storepulse.yaml"
    chat = [
        {"name": "ops-wecom", "type": "wecom", "url_env": "TEST_LATE_WECOM_URL"},
        {
            "name": "ops-dingtalk",  # signed: the server cannot sign its fixed request
            "type": "dingtalk",
            "url_env": "TEST_LATE_DINGTALK_URL",
            "secret_env": "TEST_LATE_DINGTALK_SECRET",
        },
    ]
    config = {
        "stores": [store_entry("https://flagship.myshopify.com")],
        "channels": [
            slack.channel(),
            {
                "name": "mail",
                "type": "email",
                "host": "smtp.test",
                "sender": "ops@test",
                "to": ["ops@test"],
            },
            *(chat if robots else []),
        ],
        "schedules": {"daily_deadline": DEADLINE},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def two_runs() -> tuple[str, str]:
    """One daily-ops run nobody takes, and one that finishes at once."""
    async with get_client() as client:
        late = await client.create_flow_run(daily_ops, state=Scheduled())
        done = await client.create_flow_run(daily_ops, state=Scheduled())
        for state in (Pending(), Running(), Completed()):
            await client.set_flow_run_state(done.id, state, force=True)
    return late.name, done.name


def test_a_daily_run_past_its_deadline_tells_the_ops_channel(
    tmp_path: Path, slack: FakeSlack, robots: FakeRobots
) -> None:
    config = load_config(config_file(tmp_path, slack, robots=True))
    with (
        prefect_server(tmp_path / "prefect", **FAST_LATE_RUNS) as server,
        temporary_settings({PREFECT_API_URL: server.api_url}),
    ):
        setup = asyncio.run(prepare_server(config))
        assert setup.alerted == ["ops", "ops-wecom"]
        assert setup.not_alerted == ["mail", "ops-dingtalk"]
        asyncio.run(prepare_server(config))  # a second setup replaces, never duplicates
        assert len(asyncio.run(_automations())) == 1
        late, done = asyncio.run(two_runs())
        deadline = time.monotonic() + 120
        while not (slack.state.messages and robots.state.received) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(DEADLINE)  # long enough for a wrong second alert to arrive
    [message] = slack.state.messages
    assert message.channel == "C0OPS"
    assert late in message.text and "has not completed within 10 s" in message.text
    assert done not in message.text
    assert BOT_TOKEN not in message.text and "None" not in message.text
    (robot,) = robots.state.received  # the WeCom robot, in Chinese by default
    assert robot.app == "wecom" and late in robot.payload["text"]["content"]
    assert "在 10 s 内未完成" in robot.payload["text"]["content"]


async def _automations() -> list[Any]:
    async with get_client() as client:
        return list(await client.read_automations_by_name(DEADLINE_AUTOMATION))


def test_the_deadline_is_read_from_the_schedules(tmp_path: Path, slack: FakeSlack) -> None:
    config = load_config(config_file(tmp_path, slack))
    assert config.schedules.daily_deadline == timedelta(seconds=DEADLINE)
    path = tmp_path / "short.yaml"
    raw = yaml.safe_load(config_file(tmp_path, slack).read_text())
    raw["schedules"]["daily_deadline"] = 5
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match="at least 10 seconds"):
        load_config(path)
