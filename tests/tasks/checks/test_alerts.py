"""Checks over a warehouse history: alerts that explain themselves and never repeat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from connectors.config import Config, StoreConfig, parse_config
from connectors.sandbox import DemoStore
from reports.content.alerts import alert_text
from reports.i18n import Locale
from reports.media.text import daily_text
from tasks.checks.business import SUSTAINED_CHECKS
from tasks.checks.findings import Finding
from tasks.checks.lifecycle import apply
from tasks.checks.run import run_checks
from tasks.reporting.daily import build_daily
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import upsert
from tests.conftest import store_config

DAY = date(2026, 3, 10)  # a Tuesday, the report day
AS_OF = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)  # 09:00 in New York (EDT), the next morning


#: A store known only through its metric history (nothing is synced from it).
SHOP = {
    "name": "shop",
    "platform": "shopify",
    "url": "http://127.0.0.1:1",
    "timezone": "America/New_York",
    "currency": "USD",
    "token_env": "X",
}


def config(**checks: object) -> Config:
    return parse_config({"stores": [SHOP], "checks": checks})


def seed_history(
    url: str, conversion_on_day: float = 0.03, orders_on_day: float | None = None
) -> None:
    """120 days of a steady shop; on ``DAY`` conversion (and so orders) is as given."""
    rng = np.random.default_rng(2)
    rows = []
    now = datetime.now(UTC)
    for back in range(120):
        day = DAY - timedelta(days=back)
        sessions = round(3000 * (1.3 if day.weekday() >= 5 else 1) * rng.lognormal(0, 0.05))
        conversion = conversion_on_day if day == DAY else 0.03 * rng.lognormal(0, 0.04)
        orders = (
            round(sessions * conversion) if orders_on_day is None or day != DAY else orders_on_day
        )
        sales_minor = orders * 8000
        values = {
            "sessions": sessions,
            "purchases": orders,
            "orders": orders,
            "conversion_rate": orders / sessions,
        }
        for metric, value in values.items():
            rows.append(_row(metric, day, value=float(value), now=now))
        rows.append(_row("net_sales", day, minor=sales_minor, now=now))
    with get_engine(url).begin() as conn:
        upsert(conn, tables.metric_values, rows)
        upsert(
            conn,
            tables.sync_state,
            [{"store": "shop", "resource": "orders", "cursor": AS_OF, "last_success_at": AS_OF}],
        )


def _row(
    metric: str, day: date, now: datetime, value: float | None = None, minor: int | None = None
) -> dict[str, object]:
    return {
        "store": "shop",
        "metric": metric,
        "grain": "day",
        "period_start": day,
        "dimension": "",
        "dimension_value": "",
        "value_minor": minor,
        "value": value,
        "currency": "USD" if minor is not None else None,
        "complete": True,
        "definition_version": 1,
        "computed_at": now,
    }


def open_alerts(url: str) -> list[object]:
    with get_engine(url).connect() as conn:
        return list(conn.execute(select(tables.alerts).where(tables.alerts.c.status == "open")))


def test_a_conversion_drop_opens_explained_alerts_once(warehouse_url: str) -> None:
    seed_history(warehouse_url, conversion_on_day=0.012)
    run = run_checks(config(), warehouse_url, as_of=AS_OF, sources=None)
    assert run.days == {"shop": DAY}
    by_metric = {f.metric: f for f in run.findings}
    assert {"orders", "conversion_rate", "net_sales"} <= set(by_metric)
    conversion = by_metric["conversion_rate"]
    assert conversion.actual == pytest.approx(0.012, rel=0.05)
    assert conversion.expected == pytest.approx(0.03, rel=0.1)
    assert conversion.kind == "business" and "expected 3.0%" in conversion.message
    orders = by_metric["orders"].explanation
    assert orders["main_driver"] == "orders/sessions"  # traffic was normal: conversion fell
    sales = by_metric["net_sales"].explanation
    assert sales["main_driver"] == "orders"
    assert run.changes is not None and len(run.changes.opened) == len(open_alerts(warehouse_url))

    again = run_checks(config(), warehouse_url, as_of=AS_OF)  # a rerun of the same day
    assert again.changes is not None and not again.changes.opened and not again.changes.updated
    assert len(open_alerts(warehouse_url)) == len(run.changes.opened)
    with get_engine(warehouse_url).connect() as conn:
        findings = conn.execute(select(func.count()).select_from(tables.check_findings)).scalar()
    assert findings == len(run.findings)


def test_recovery_is_announced_once_and_past_days_only_record(warehouse_url: str) -> None:
    seed_history(warehouse_url, conversion_on_day=0.012)
    first = run_checks(config(), warehouse_url, as_of=AS_OF)
    assert first.changes and first.changes.opened
    next_day = DAY + timedelta(days=1)
    with get_engine(warehouse_url).begin() as conn:
        rows = [
            _row(m, next_day, value=v, now=AS_OF)
            for m, v in (
                ("sessions", 3000.0),
                ("purchases", 90.0),
                ("orders", 90.0),
                ("conversion_rate", 0.03),
            )
        ]
        upsert(
            conn,
            tables.metric_values,
            [*rows, _row("net_sales", next_day, minor=720000, now=AS_OF)],
        )
    later = AS_OF + timedelta(days=1)
    second = run_checks(config(), warehouse_url, as_of=later)
    assert second.changes and sorted(second.changes.resolved) == sorted(first.changes.opened)
    third = run_checks(config(), warehouse_url, as_of=later)
    assert third.changes and not third.changes.resolved
    backfill = run_checks(config(), warehouse_url, as_of=later, report_date=DAY)
    assert backfill.changes is None and backfill.findings  # found again, paged nobody
    assert not open_alerts(warehouse_url)


def test_silenced_alerts_are_recorded_not_announced(sqlite_url: str) -> None:
    seed_history(sqlite_url, conversion_on_day=0.012)
    quiet = config(silence=[{"store": "shop", "metric": "conversion_rate"}])
    run_checks(quiet, sqlite_url, as_of=AS_OF)
    silenced = {a.metric: a.silenced for a in open_alerts(sqlite_url)}
    assert silenced["conversion_rate"] is True and silenced["orders"] is False


def test_no_orders_at_all_is_a_data_problem(sqlite_url: str) -> None:
    seed_history(sqlite_url, orders_on_day=0)
    run = run_checks(config(), sqlite_url, as_of=AS_OF)
    volume = [f for f in run.findings if f.check == "volume"]
    assert len(volume) == 1 and volume[0].kind == "data" and volume[0].severity == "critical"
    params = volume[0].explanation["params"]
    assert params["day"] == "2026-03-10" and params["typical"] == volume[0].expected
    assert volume[0].message.startswith("No orders recorded on 2026-03-10 where")
    with get_engine(sqlite_url).connect() as conn:  # the alert it opened carries them too
        (line,) = [a for a in build_daily(conn, "shop", "USD", DAY).alerts if a.check == "volume"]
    assert line.params == params and alert_text(line, Locale("en")) == volume[0].message
    assert alert_text(line, Locale("zh-CN")).startswith("2026-03-10 没有记录到任何订单")


def test_a_stale_sync_is_a_data_problem(sqlite_url: str) -> None:
    seed_history(sqlite_url)
    run = run_checks(
        config(freshness_hours=12), sqlite_url, as_of=AS_OF + timedelta(days=2), report_date=DAY
    )
    stale = [f for f in run.findings if f.check == "freshness"]
    assert len(stale) == 1 and "last synced 48 h ago" in stale[0].message
    with get_engine(sqlite_url).connect() as conn:  # each reader's digest words it
        digest = build_daily(conn, "shop", "USD", DAY)
    (problem,) = digest.data_problems
    assert (problem.check, problem.params["allowed"]) == ("freshness", 12)
    en, zh = (daily_text(digest, Locale(language)) for language in ("en", "zh-CN"))
    assert "Orders are stale: last synced 48 h ago (allowed: 12 h)" in en
    assert "订单数据已过期：上次同步在 48 小时前（允许 12 小时）" in zh and "Orders" not in zh


def test_rules_need_their_consecutive_days(sqlite_url: str) -> None:
    seed_history(sqlite_url, conversion_on_day=0.012)
    one_day = config(rules=[{"metric": "conversion_rate", "below": 0.015}])
    two_days = config(rules=[{"metric": "conversion_rate", "below": 0.015, "consecutive": 2}])
    assert [f.check for f in run_checks(one_day, sqlite_url, as_of=AS_OF).findings].count(
        "rule"
    ) == 1
    assert [f.check for f in run_checks(two_days, sqlite_url, as_of=AS_OF).findings].count(
        "rule"
    ) == 0


def test_relative_rules_compare_with_the_same_weekday_last_week(sqlite_url: str) -> None:
    seed_history(sqlite_url, conversion_on_day=0.012)
    falls = config(rules=[{"metric": "orders", "falls_by": 0.4}])
    rule = [f for f in run_checks(falls, sqlite_url, as_of=AS_OF).findings if f.check == "rule"]
    assert len(rule) == 1 and "down 40% or more on the same day last week" in rule[0].message
    with get_engine(sqlite_url).connect() as conn:
        (line,) = [a for a in build_daily(conn, "shop", "USD", DAY).alerts if a.check == "rule"]
    assert alert_text(line, Locale("en"), "USD") == rule[0].message
    zh = alert_text(line, Locale("zh-CN"), "USD")
    assert "订单数" in zh and "较上周同日" in zh and "下降 40% 或以上" in zh and "down" not in zh
    rises = config(rules=[{"metric": "orders", "rises_by": 0.4}])
    assert not [f for f in run_checks(rises, sqlite_url, as_of=AS_OF).findings if f.check == "rule"]


@pytest.fixture
def config_store(shop: DemoStore) -> StoreConfig:
    return store_config(shop.url)


def test_warehouse_counts_are_checked_against_the_platform(
    config_store: StoreConfig, sqlite_url: str
) -> None:
    from connectors.stores import open_store
    from tasks.checks.health import platform_count
    from tests.support.helpers import run_sync

    run_sync(config_store, sqlite_url)  # the local store, all of its orders
    settings = config().checks
    source = open_store(config_store)
    with get_engine(sqlite_url).begin() as conn:
        assert platform_count(conn, config_store.name, DAY, source, settings) == []
        o = tables.orders.c
        some = conn.execute(select(o.order_id).limit(25)).scalars().all()
        conn.execute(tables.orders.delete().where(o.order_id.in_(some)))  # lost in the warehouse
        found = platform_count(conn, config_store.name, DAY, source, settings)
    assert len(found) == 1 and found[0].kind == "data"
    assert found[0].expected == found[0].actual + 25
    params = found[0].explanation["params"]
    assert (params["ours"], params["theirs"]) == (found[0].actual, found[0].expected)


def test_a_spell_stays_one_alert_across_a_holiday(sqlite_url: str) -> None:
    spell = Finding(
        "shop", DAY, "orders", "cumulative", "business", "warning", "short", 300.0, 500.0
    )
    engine = get_engine(sqlite_url)
    checked = {"shop": DAY}
    with engine.begin() as conn:
        opened = apply(conn, [spell], checked, AS_OF).opened
    holiday, after = DAY + timedelta(days=1), DAY + timedelta(days=2)
    with engine.begin() as conn:  # Black Friday: the multi-day checks did not run
        held = apply(conn, [], {"shop": holiday}, AS_OF, unchecked={"shop": SUSTAINED_CHECKS})
    assert not held.resolved and len(open_alerts(sqlite_url)) == 1
    with engine.begin() as conn:  # an ordinary day on which the spell is over
        over = apply(conn, [], {"shop": after}, AS_OF)
    assert over.resolved == opened and not open_alerts(sqlite_url)
