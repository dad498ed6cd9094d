"""A robot's rate limit, shared through the warehouse: never more than its count in a window,
however many processes take slots at once, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from tasks.delivery.ratelimit import ROBOT_RATES, Rate, pause, robot_id, take_slot
from tasks.warehouse.engine import get_engine

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
DINGTALK = ROBOT_RATES["dingtalk"]


def test_twenty_a_minute_then_the_next_when_the_first_is_a_window_old(
    warehouse_url: str,
) -> None:
    engine = get_engine(warehouse_url)
    taken = [take_slot(engine, "robot-a", DINGTALK, NOW + timedelta(seconds=n)) for n in range(20)]
    assert taken == [None] * 20
    window = DINGTALK[0].window
    assert take_slot(engine, "robot-a", DINGTALK, NOW + timedelta(seconds=30)) == NOW + window
    assert take_slot(engine, "robot-b", DINGTALK, NOW) is None  # each robot its own limit
    assert take_slot(engine, "robot-a", DINGTALK, NOW + window) is None
    assert take_slot(engine, "robot-a", DINGTALK, NOW + window) == NOW + window + timedelta(
        seconds=1
    )


def test_processes_racing_for_slots_never_exceed_the_limit(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    rates = (Rate(5, timedelta(seconds=2)), Rate(12, timedelta(minutes=1)))  # Feishu's shape
    take_slot(engine, "robot-c", rates, NOW - timedelta(hours=1))  # the slots exist

    def attempt(second: int) -> bool:
        return take_slot(engine, "robot-c", rates, NOW + timedelta(seconds=second)) is None

    taken = []
    with ThreadPoolExecutor(max_workers=6) as pool:
        for second in range(6):  # eight processes at once, each second
            taken.append(sum(pool.map(attempt, [second] * 8)))
    # Five each two seconds, twelve a minute: whoever wins each race.
    assert taken == [5, 0, 5, 0, 2, 0]


def test_a_pause_holds_every_slot_until_it_ends(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    until = NOW + timedelta(minutes=10)
    pause(engine, "robot-d", DINGTALK, until)
    assert take_slot(engine, "robot-d", DINGTALK, NOW + timedelta(minutes=9)) == until
    assert take_slot(engine, "robot-d", DINGTALK, until) is None


def test_a_robot_is_known_by_a_hash_of_its_url_not_the_url() -> None:
    url = SecretStr("https://oapi.dingtalk.com/robot/send?access_token=abc123")
    name = robot_id(url)
    assert len(name) == 64 and "abc123" not in name and name == robot_id(url)
