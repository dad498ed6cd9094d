"""Reports and alerts through DingTalk, Feishu and WeCom robots (the local stand-ins): in
Chinese, signed, within every limit; a burst over a robot's rate limit delivered later, nothing
twice; a wrong secret shown with its fix, and no secret anywhere."""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.config import Config, StoreConfig, parse_config
from flows.cli import app
from tasks.checks.run import run_checks
from tasks.connections import check_connections
from tasks.delivery.notices import notify_alerts, send_test
from tasks.delivery.outbox import Message, deliver, enqueue, list_outbox
from tasks.delivery.publish import publish_report
from tasks.delivery.transports import RobotTransport
from tasks.warehouse.engine import get_engine
from tests.conftest import SMALL_SPEC
from tests.fakes.robots import FakeRobots, Robot, fake_robots
from tests.tasks.checks.test_alerts import AS_OF, SHOP, seed_history
from tests.tasks.delivery.test_notices import recover_next_day
from tests.tasks.delivery.test_outbox import synced  # noqa: F401 (a fixture)

DING = Robot(
    "dingtalk", "ding-token-5f3a", "SEC5f3a0123456789abcdef", ["店铺日报"], ["13800000000"]
)
FEISHU = Robot("feishu", "feishu-token-77c1", "feishu-secret-77c1")
WECOM = Robot("wecom", "wecom-key-9d2e")
SECRETS = [DING.token, DING.secret, FEISHU.token, FEISHU.secret, WECOM.token]
REPORTS_URL = "http://reports.internal:8765"


class Clock:
    """The robots' and the transports' shared now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRobots]:
    with fake_robots() as server:
        for robot in (DING, FEISHU, WECOM):
            server.add(robot)
            monkeypatch.setenv(f"TEST_{robot.app.upper()}_URL", server.webhook(robot))
        monkeypatch.setenv("TEST_DINGTALK_SECRET", str(DING.secret))
        monkeypatch.setenv("TEST_FEISHU_SECRET", str(FEISHU.secret))
        yield server


def channels(**dingtalk: object) -> list[dict[str, object]]:
    """The three robots, configured as the documentation shows."""
    ding = {
        "name": "ops-dingtalk",
        "type": "dingtalk",
        "url_env": "TEST_DINGTALK_URL",
        "secret_env": "TEST_DINGTALK_SECRET",
        "mention": {"mobiles": ["13800000000"]},
        "keyword": "店铺日报",
    }
    return [
        ding | dingtalk,
        {
            "name": "ops-feishu",
            "type": "feishu",
            "url_env": "TEST_FEISHU_URL",
            "secret_env": "TEST_FEISHU_SECRET",
            "mention": {"user_ids": ["ou_7d8a6e6d"]},
        },
        {
            "name": "ops-wecom",
            "type": "wecom",
            "url_env": "TEST_WECOM_URL",
            "mention": {"user_ids": ["zhangsan"], "mobiles": ["13900000000"]},
        },
    ]


def texts(robots: FakeRobots, app: str) -> str:
    return "\n".join(json.dumps(r.payload, ensure_ascii=False) for r in robots.state.of(app))


def assert_within_limits(robots: FakeRobots) -> None:
    assert not robots.state.refused  # the stand-ins refuse anything over a limit
    for got in robots.state.received:
        if got.app != "wecom":
            assert got.size <= 20_000  # DingTalk's and Feishu's body limit
        elif got.payload["msgtype"] == "markdown":
            assert len(got.payload["markdown"]["content"].encode()) <= 4096


def test_the_demo_reports_arrive_in_all_three_robots_in_chinese_signed_and_within_limits(
    synced: StoreConfig,  # noqa: F811 (the fixture)
    sqlite_url: str,
    robots: FakeRobots,
) -> None:
    config = parse_config(
        {
            "stores": [synced.model_dump(mode="json")],
            "channels": channels(),
            "reports_url": REPORTS_URL,
        }
    )
    day = SMALL_SPEC.end_date - timedelta(days=1)  # type: ignore[operator]
    now = datetime.now(UTC)  # the robots check signatures against the real clock
    daily = publish_report("daily", config, sqlite_url, period=day, as_of=now)
    weekly = publish_report("weekly", config, sqlite_url, as_of=now)
    assert len(daily.delivery.sent) == 3 and len(weekly.delivery.sent) == 3
    assert_within_limits(robots)

    ding = robots.state.of("dingtalk")
    assert all(r.query["sign"] and r.query["timestamp"] for r in ding)  # 加签, verified
    assert all("店铺日报" in json.dumps(r.payload, ensure_ascii=False) for r in ding)  # keyword
    assert "每日简报" in texts(robots, "dingtalk") and "每周复盘" in texts(robots, "dingtalk")
    button = [r.payload["actionCard"] for r in ding if r.payload["msgtype"] == "actionCard"]
    assert button[0]["singleURL"] == f"{REPORTS_URL}/daily/{day}/demo.zh-CN.html"

    cards = [r.payload for r in robots.state.of("feishu")]
    assert all(c["sign"] and c["timestamp"] for c in cards)  # 签名校验, verified
    titles = [c["card"]["header"]["title"]["content"] for c in cards]
    assert any(t.startswith("每日简报") for t in titles)
    assert any(t.startswith("每周复盘") for t in titles)
    assert any(e["tag"] == "column_set" for e in cards[0]["card"]["body"]["elements"])

    wecom = [r.payload for r in robots.state.of("wecom")]
    assert "每日简报" in texts(robots, "wecom") and "<font color=" in texts(robots, "wecom")
    (chart,) = [p["image"] for p in wecom if p["msgtype"] == "image"]
    assert chart["md5"] and len(chart["base64"]) > 1000  # the stand-in checked the MD5

    again = publish_report("daily", config, sqlite_url, period=day, as_of=now)
    assert not again.delivery.sent and len(robots.state.of("wecom")) == len(wecom)


def test_alerts_call_their_people_and_a_resolution_is_a_new_message(
    sqlite_url: str, robots: FakeRobots
) -> None:
    config = parse_config({"stores": [SHOP], "channels": channels()})
    seed_history(sqlite_url, conversion_on_day=0.012)
    run_checks(config, sqlite_url, as_of=AS_OF)
    told = notify_alerts(config, sqlite_url, now=AS_OF)
    assert len(told.delivery.sent) == 3
    (ding,) = robots.state.of("dingtalk")
    assert ding.payload["at"]["atMobiles"] == ["13800000000"]
    assert ding.mentioned == ["13800000000"]  # in `at` and in the text: DingTalk highlights it
    assert "转化率" in ding.payload["markdown"]["text"]
    assert "<at id=ou_7d8a6e6d></at>" in texts(robots, "feishu")
    assert "<@zhangsan>" in texts(robots, "wecom")
    mobiles = [r.payload for r in robots.state.of("wecom") if r.payload["msgtype"] == "text"]
    assert mobiles[0]["text"]["mentioned_mobile_list"] == ["13900000000"]

    later = recover_next_day(sqlite_url)
    run_checks(config, sqlite_url, as_of=later)
    resolved = notify_alerts(config, sqlite_url, now=later)
    assert len(resolved.delivery.sent) == 3
    last = robots.state.of("dingtalk")[-1].payload
    assert "已恢复" in last["markdown"]["text"] and "自 2026年3月10日" in last["markdown"]["text"]
    assert "at" not in last  # a resolution calls nobody
    assert_within_limits(robots)


def digests(count: int, channel: str = "ops-dingtalk") -> list[Message]:
    return [
        Message(
            f"daily/2026-12-{n:02d}/shop/{channel}/{channel}",
            "digest",
            channel,
            channel,
            "zh-CN",
            f"每日简报 {n}",
            {
                "dingtalk": [
                    {"msgtype": "markdown", "markdown": {"title": "日报", "text": f"第 {n} 份"}}
                ]
            },
        )
        for n in range(1, count + 1)
    ]


def robot_transports(config: Config, url: str, clock: Clock) -> dict[str, Any]:
    return {c.name: RobotTransport(c, url, clock) for c in config.channels}  # type: ignore[arg-type]


@contextmanager
def dingtalk_on_a_clock(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeRobots, Clock, dict[str, Any]]]:
    """The DingTalk robot alone, on a clock the test moves, and its transport."""
    clock = Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    with fake_robots(clock.seconds) as server:
        server.add(DING)
        monkeypatch.setenv("TEST_DINGTALK_URL", server.webhook(DING))
        monkeypatch.setenv("TEST_DINGTALK_SECRET", str(DING.secret))
        config = parse_config({"stores": [SHOP], "channels": channels()[:1]})
        yield server, clock, robot_transports(config, url, clock)


def test_a_burst_over_the_rate_limit_goes_out_later_and_nothing_twice(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dingtalk_on_a_clock(warehouse_url, monkeypatch) as (server, clock, senders):
        engine = get_engine(warehouse_url)
        burst = digests(25)
        with engine.begin() as conn:
            enqueue(conn, burst, clock.now)
        first = deliver(engine, senders, clock.now)
        assert len(first.sent) == 20 and len(first.held) == 5 and not first.failed
        with engine.connect() as conn:
            held = [r for r in list_outbox(conn) if r["status"] == "pending"]
        assert len(held) == 5 and all("rate limit" in r["last_error"] for r in held)
        clock.now += timedelta(seconds=30)
        assert not deliver(engine, senders, clock.now).sent  # not yet: still held
        clock.now += timedelta(seconds=40)
        second = deliver(engine, senders, clock.now)
        assert len(second.sent) == 5
        received = [r.payload["markdown"]["text"] for r in server.state.of("dingtalk")]
    assert sorted(received) == sorted(f"第 {n} 份\n\n店铺日报" for n in range(1, 26))
    assert not server.state.refused  # paced: the robot never had to throttle


def test_a_robot_blocked_by_others_holds_the_rest_of_a_message_for_ten_minutes(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dingtalk_on_a_clock(sqlite_url, monkeypatch) as (server, clock, senders):
        parts = [
            {"msgtype": "markdown", "markdown": {"title": "日报", "text": f"第 {n} 部分"}}
            for n in (1, 2, 3)
        ]
        long = replace(digests(1)[0], bodies={"dingtalk": parts})
        engine = get_engine(sqlite_url)
        with engine.begin() as conn:
            enqueue(conn, [long], clock.now)
        server.state.sends[DING.token] = deque([clock.seconds()] * 19)  # another sender's
        first = deliver(engine, senders, clock.now)  # one part fits; the robot blocks the next
        assert first.held == [long.key]
        with engine.connect() as conn:
            (row,) = list_outbox(conn)
        assert row["status"] == "pending" and "error 410100" in row["last_error"]
        clock.now += timedelta(minutes=5)
        assert not deliver(engine, senders, clock.now).sent
        clock.now += timedelta(minutes=6)
        assert deliver(engine, senders, clock.now).sent == [long.key]
        got = [r.payload["markdown"]["text"] for r in server.state.of("dingtalk")]
    assert got == [f"第 {n} 部分\n\n店铺日报" for n in (1, 2, 3)]  # each part once, in order


def test_a_wrong_secret_shows_its_fix_in_the_outbox_and_no_secret_anywhere(
    sqlite_url: str,
    robots: FakeRobots,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("TEST_DINGTALK_SECRET", "SECnot-the-right-one-4242")
    monkeypatch.setenv("STOREPULSE_DATABASE_URL", sqlite_url)
    config = parse_config({"stores": [SHOP], "channels": channels()})
    caplog.set_level(logging.DEBUG)
    engine = get_engine(sqlite_url)
    with engine.begin() as conn:
        enqueue(conn, digests(1), datetime.now(UTC))
    failed = deliver(
        engine, robot_transports(config, sqlite_url, Clock(datetime.now(UTC))), datetime.now(UTC)
    )
    assert len(failed.failed) == 1
    listing = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["outbox"])
    assert listing.exit_code == 0
    assert "error 310000" in listing.output and "secret_env" in listing.output
    with engine.connect() as conn:
        row = json.dumps(list_outbox(conn), default=str)
        payload = conn.exec_driver_sql("select payload from outbox").scalar_one()
    path = tmp_path / "storepulse.yaml"
    path.write_text(json.dumps({"stores": [SHOP], "channels": channels()}), encoding="utf-8")
    sent = CliRunner().invoke(
        app, ["test-send", "--channel", "ops-dingtalk", "--config", str(path)]
    )
    assert sent.exit_code == 1 and "signing secret" in sent.output
    for where in (row, payload, caplog.text, listing.output, sent.output):
        for secret in [*SECRETS, "SECnot-the-right-one-4242"]:
            assert str(secret) not in where


def test_test_send_and_check_config_know_the_robots(
    robots: FakeRobots, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREPULSE_DATABASE_URL", sqlite_url)  # where the rate limit is shared
    config = parse_config({"stores": [SHOP], "channels": channels()})
    checks = {c.what: c for c in check_connections(config)}
    ding, wecom = checks["channel ops-dingtalk (dingtalk)"], checks["channel ops-wecom (wecom)"]
    assert ding.ok and "cannot send it the late-run alert" in ding.detail
    assert wecom.ok and "the Prefect server sends it the late-run alert" in wecom.detail
    now = datetime.now(UTC)
    for name in ("ops-dingtalk", "ops-feishu", "ops-wecom"):
        assert name in send_test(config, name, now)
    assert "storepulse 测试消息" in texts(robots, "feishu")
    assert "店铺日报" in texts(robots, "dingtalk")  # the keyword, added to a short note too


def test_the_transport_adds_keyword_and_page_within_the_limits() -> None:
    ding, feishu, wecom = parse_config({"stores": [SHOP], "channels": channels()}).channels
    full = {"msgtype": "markdown", "markdown": {"content": "字" * 1300}}  # 3,900 bytes
    page = "http://reports.internal:8765/" + "daily/" * 40 + "demo.zh-CN.html"
    (message,) = digests(1)
    bodies = {
        "wecom": [full],
        "feishu": [{"msg_type": "interactive", "card": {"header": {}, "body": {"elements": []}}}],
        "dingtalk": message.bodies["dingtalk"],
        "page_url": page,
    }
    message = replace(message, bodies=bodies)
    parts = RobotTransport(wecom).parts(message)  # type: ignore[arg-type]
    assert parts[0] == full and page in parts[1]["markdown"]["content"]  # no room: its own part
    (card,) = RobotTransport(feishu).parts(message)  # type: ignore[arg-type]
    assert card["card"]["body"]["elements"][-1]["behaviors"][0]["default_url"] == page
    (action,) = RobotTransport(ding).parts(message)  # type: ignore[arg-type]
    assert action["msgtype"] == "actionCard" and action["actionCard"]["singleURL"] == page
    assert action["actionCard"]["text"].endswith("店铺日报")  # the keyword it lacked
