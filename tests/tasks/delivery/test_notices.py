"""Alerts told as they happen: once per state change and channel, routed, quiet at night."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.config import Config, parse_config
from tasks.checks.run import run_checks
from tasks.delivery.notices import notify_alerts
from tasks.delivery.outbox import deliver
from tasks.delivery.routes import routes
from tasks.delivery.transports import transports
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import upsert
from tests.fakes.slack import BOT_TOKEN, FakeSlack, fake_slack
from tests.fakes.slack import TOKEN_ENV as SLACK_TOKEN_ENV
from tests.tasks.checks.test_alerts import AS_OF, DAY, SHOP, _row, seed_history


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    monkeypatch.setenv(SLACK_TOKEN_ENV, BOT_TOKEN)
    with fake_slack() as server:
        yield server


def config(slack: FakeSlack, checks: dict[str, object] | None = None, **channel: object) -> Config:
    ops = slack.channel(mention=["S0ONCALL"], timezone="America/New_York") | channel
    return parse_config({"stores": [SHOP], "channels": [ops], "checks": checks or {}})


def recover_next_day(url: str) -> datetime:
    """The day after ``DAY`` is ordinary again; returns the next morning's run time."""
    day = DAY + timedelta(days=1)
    values = {"sessions": 3000.0, "purchases": 90.0, "orders": 90.0, "conversion_rate": 0.03}
    rows = [_row(m, day, value=v, now=AS_OF) for m, v in values.items()]
    rows.append(_row("net_sales", day, minor=720000, now=AS_OF))
    with get_engine(url).begin() as conn:
        upsert(conn, tables.metric_values, rows)
    return AS_OF + timedelta(days=1)


def test_alerts_are_told_once_and_their_recovery_edits_the_original(
    warehouse_url: str, slack: FakeSlack
) -> None:
    cfg = config(slack)
    seed_history(warehouse_url, conversion_on_day=0.012)
    checked = run_checks(cfg, warehouse_url, as_of=AS_OF)
    assert checked.changes and len(checked.changes.opened) >= 3

    told = notify_alerts(cfg, warehouse_url, now=AS_OF)
    assert told.delivery.sent == [m.key for m in told.reports] and len(told.reports) == 1
    (opening,) = slack.state.messages
    text = str(opening.blocks)
    assert "Conversion rate" in text and "expected 3.0%" in text
    assert "<!subteam^S0ONCALL>" in text  # a critical alert calls the on-call group

    assert not notify_alerts(cfg, warehouse_url, now=AS_OF).reports  # a rerun says nothing
    run_checks(cfg, warehouse_url, as_of=AS_OF)  # nor do checks re-run for the same day
    assert not notify_alerts(cfg, warehouse_url, now=AS_OF + timedelta(hours=1)).reports

    later = recover_next_day(warehouse_url)
    run_checks(cfg, warehouse_url, as_of=later)
    resolved = notify_alerts(cfg, warehouse_url, now=later)
    assert len(resolved.reports) == 1 and len(slack.state.messages) == 2
    assert "Resolved" in str(slack.state.messages[-1].blocks)
    (edit,) = slack.state.updates
    assert edit.ts == opening.ts and "Resolved" in str(edit.blocks[0])
    assert not notify_alerts(cfg, warehouse_url, now=later).reports


def test_quiet_hours_hold_warnings_but_not_critical_alerts(
    warehouse_url: str, slack: FakeSlack
) -> None:
    seed_history(warehouse_url, conversion_on_day=0.016)  # orders: a warning; sales: critical
    orders_only = {"watch": [{"metric": "orders", "min_volume": 5}], "rules": []}
    quiet = config(slack, orders_only, quiet_hours="07:00-10:00")  # AS_OF is 09:00 EDT
    run_checks(quiet, warehouse_url, as_of=AS_OF)
    held = notify_alerts(quiet, warehouse_url, now=AS_OF)
    assert len(held.reports) == 1 and not held.delivery.sent and not slack.state.messages
    assert held.reports[0].not_before == datetime(2026, 3, 11, 14, 0, tzinfo=UTC)  # 10:00 EDT
    after = notify_alerts(quiet, warehouse_url, now=AS_OF + timedelta(minutes=30))
    assert not after.reports  # already queued: the outbox sends it when quiet hours end
    engine = get_engine(warehouse_url)
    assert not deliver(engine, transports(quiet), AS_OF + timedelta(minutes=30)).sent
    assert deliver(engine, transports(quiet), AS_OF + timedelta(hours=1)).sent
    assert "Orders" in str(slack.state.messages[0].blocks)


def test_a_critical_alert_goes_out_in_quiet_hours_and_severity_floors_filter(
    warehouse_url: str, slack: FakeSlack
) -> None:
    seed_history(warehouse_url, conversion_on_day=0.016)
    quiet = config(slack, quiet_hours="07:00-10:00")
    run_checks(quiet, warehouse_url, as_of=AS_OF)
    critical_only = config(slack, name="oncall", channel="#alerts", min_severity="critical")
    told = notify_alerts(critical_only, warehouse_url, now=AS_OF)
    (message,) = slack.state.messages
    assert told.delivery.sent and message.channel == "C0ALERTS"
    assert "Conversion rate" in str(message.blocks) and "Orders" not in str(message.blocks)
    assert notify_alerts(quiet, warehouse_url, now=AS_OF).delivery.sent  # critical: at once


def test_quiet_hours_wrap_midnight(slack: FakeSlack) -> None:
    (route,) = routes(config(slack, quiet_hours="22:00-07:00"), "shop", "alerts")
    night = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 in New York
    assert route.quiet_until(night) == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)  # 07:00 EDT
    assert route.quiet_until(datetime(2026, 3, 11, 16, 0, tzinfo=UTC)) is None  # noon
    assert route.takes("warning") and not route.takes("info")
