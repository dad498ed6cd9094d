"""Window planning is pure: cursors and a clock in, windows out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from connectors.base import Window
from tasks.ingest.plan import CursorState, plan_windows
from tests.conftest import store_config

NOW = datetime(2026, 11, 25, 12, 0, 30, 123456, tzinfo=UTC)
SHOP_CREATED = datetime(2024, 11, 1, 14, 0, tzinfo=UTC)


def windows(plans: list, resource: str) -> list[Window]:
    return [p.window for p in plans if p.resource == resource]


def test_a_first_sync_reads_everything_since_the_shop_opened_in_tens_of_windows() -> None:
    plans = plan_windows(store_config("http://x"), SHOP_CREATED, {}, NOW)
    orders = windows(plans, "orders")
    assert orders[0].start == SHOP_CREATED
    assert orders[-1].end == datetime(2026, 11, 25, 11, 58, 30, tzinfo=UTC)  # now − 2 min lag
    assert all(a.end == b.start for a, b in itertools.pairwise(orders))
    assert all(w.end - w.start <= timedelta(days=90) for w in orders)
    assert 8 <= len(orders) <= 10
    assert {p.resource for p in plans} == {
        "products",
        "customers",
        "orders",
        "deletions",
        "inventory",
    }
    assert 30 <= len(plans) <= 45  # a two-year backfill is tens of windows, in one task


def test_later_syncs_start_a_lookback_before_the_cursor() -> None:
    cursor = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    states = {
        r: CursorState(cursor, deep_synced_at=NOW)
        for r in ("products", "customers", "orders", "deletions")
    }
    plans = plan_windows(store_config("http://x"), SHOP_CREATED, states, NOW)
    for resource in ("products", "customers", "orders", "deletions"):
        [window] = windows(plans, resource)
        assert window.start == cursor - timedelta(minutes=30)
    assert not any(p.deep for p in plans)


def test_a_deep_resync_reaches_back_when_it_is_due() -> None:
    cursor = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    states = {"orders": CursorState(cursor, deep_synced_at=NOW - timedelta(days=8))}
    plans = plan_windows(store_config("http://x"), SHOP_CREATED, states, NOW)
    orders = [p for p in plans if p.resource == "orders"]
    assert orders[0].window.start == datetime(2026, 10, 26, 11, 58, 30, tzinfo=UTC)
    assert [p.deep for p in orders] == [False] * (len(orders) - 1) + [True]


def test_a_first_sync_is_a_deep_one_and_the_next_deep_resync_waits_its_period() -> None:
    first = [
        p
        for p in plan_windows(store_config("http://x"), SHOP_CREATED, {}, NOW)
        if p.resource == "orders"
    ]
    assert [p.deep for p in first] == [False] * (len(first) - 1) + [True]
    cursor = first[-1].window.end
    later = NOW + timedelta(hours=1)
    states = {"orders": CursorState(cursor, deep_synced_at=NOW)}
    [window] = [
        p
        for p in plan_windows(store_config("http://x"), SHOP_CREATED, states, later)
        if p.resource == "orders"
    ]
    assert window.window.start == cursor - timedelta(minutes=30) and not window.deep


def test_a_young_shops_first_sync_reads_all_of_it_and_counts_as_deep() -> None:
    opened = NOW - timedelta(days=3)
    [window] = [
        p for p in plan_windows(store_config("http://x"), opened, {}, NOW) if p.resource == "orders"
    ]
    assert window.window.start == opened.replace(microsecond=0) and window.deep


def test_full_ignores_cursors_and_configured_history_start_wins() -> None:
    store = store_config(
        "http://x", sync={"history_start": "2026-01-01"}, traffic_csv="traffic.csv"
    )
    states = {"orders": CursorState(NOW - timedelta(hours=1), NOW)}
    plans = plan_windows(store, SHOP_CREATED, states, NOW, full=True)
    assert windows(plans, "orders")[0].start == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    assert plans[-1].resource == "traffic"


def test_nothing_to_do_means_no_windows() -> None:
    states = {"orders": CursorState(NOW, NOW)}
    store = store_config("http://x", sync={"lookback_minutes": 0, "safety_lag_seconds": 0})
    assert windows(plan_windows(store, SHOP_CREATED, states, NOW), "orders") == []
