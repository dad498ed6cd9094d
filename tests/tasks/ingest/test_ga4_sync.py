"""GA4 traffic through the sync: per channel in the warehouse, the last three days re-read,
GA4 winning over the CSV, and the funnel metrics by channel — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.sandbox import DemoStore
from connectors.sandbox.db import ShopData
from connectors.sandbox.ga4 import Ga4Sandbox, Property, traffic_rows
from tasks.metrics.compute import refresh
from tasks.metrics.query import metric_rows
from tasks.reporting.daily import build_daily
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import SMALL_SPEC, store_config
from tests.support.helpers import run_sync

KEY_ENV = "STOREPULSE_TEST_GA4_KEY"
PROPERTY = "271828"
LAST = SMALL_SPEC.end_date
assert LAST is not None
#: The morning after the shop's last day (store-local 07:00).
NOW = datetime(2026, 4, 1, 11, 0, tzinfo=UTC)


@pytest.fixture
def ga4(shop: DemoStore) -> Iterator[Ga4Sandbox]:
    rows = traffic_rows(shop.shop().data, SMALL_SPEC.timezone)
    with Ga4Sandbox.serving({PROPERTY: Property(rows, timezone=SMALL_SPEC.timezone)}) as sandbox:
        os.environ[KEY_ENV] = sandbox.key_json
        yield sandbox


def ga4_store(shop: DemoStore, ga4: Ga4Sandbox, **overrides: object) -> StoreConfig:
    return store_config(
        shop.url,
        ga4_property=PROPERTY,
        ga4_credentials_env=KEY_ENV,
        ga4_endpoint=ga4.endpoint,
        **overrides,
    )


def traffic(url: str) -> dict[tuple[date, str], tuple[int, int, int, int, str]]:
    t = tables.traffic_daily.c
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(
                t.local_date,
                t.channel,
                t.sessions,
                t.add_to_carts,
                t.checkouts,
                t.purchases,
                t.source,
            )
        ).all()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}  # type: ignore[misc]


def expected(ga4: Ga4Sandbox) -> dict[tuple[date, str], tuple[int, int, int, int, str]]:
    """The stand-in's rows, as the warehouse should hold them (all-zero rows are not sent)."""
    return {
        (r["day"], r["channel"]): (
            r["sessions"],
            r["add_to_carts"],
            r["checkouts"],
            r["purchases"],
            "ga4",
        )
        for r in ga4.state.properties[PROPERTY].rows
        if r["sessions"] or r["purchases"]
    }


def test_ga4_traffic_and_the_funnel_by_channel_match_the_property(
    shop: DemoStore, ga4: Ga4Sandbox, warehouse_url: str
) -> None:
    store = ga4_store(shop, ga4)
    summary = run_sync(store, warehouse_url, now=NOW)
    assert traffic(warehouse_url) == expected(ga4)
    assert "GA4 quota left" in summary.to_markdown()
    refresh(store, warehouse_url, today=LAST + timedelta(days=1))
    with get_engine(warehouse_url).connect() as conn:
        values = metric_rows(conn, "demo", "day", LAST, LAST, ["channel_conversion_rate"])
    by_channel = {r["dimension_value"]: r["value"] for r in values}
    rows = [r for r in ga4.state.properties[PROPERTY].rows if r["day"] == LAST]
    assert by_channel == pytest.approx({r["channel"]: r["purchases"] / r["sessions"] for r in rows})
    assert len(by_channel) == 6
    with get_engine(warehouse_url).connect() as conn:
        funnel = build_daily(conn, "demo", "USD", LAST).traffic
    assert funnel is not None and funnel.source == "ga4"
    assert {c.channel: c.conversion for c in funnel.channels} == pytest.approx(by_channel)
    assert {c.channel: c.sessions for c in funnel.channels} == {
        r["channel"]: r["sessions"] for r in rows
    }


def test_each_run_reads_the_last_three_days_again(
    shop: DemoStore, ga4: Ga4Sandbox, sqlite_url: str
) -> None:
    store = ga4_store(shop, ga4)
    run_sync(store, sqlite_url, now=NOW)
    ga4.revise(PROPERTY, LAST - timedelta(days=2), 2.0)  # GA4 reprocessed a recent day
    ga4.revise(PROPERTY, LAST - timedelta(days=5), 2.0)  # and, unusually, an older one
    ga4.state.requests.clear()
    run_sync(store, sqlite_url, now=NOW + timedelta(hours=1))
    starts = {r["dateRanges"][0]["startDate"] for r in ga4.state.requests}
    assert starts == {"2026-03-29"}  # three days before the run's store-local day, 04-01
    held = traffic(sqlite_url)
    truth = expected(ga4)
    recent = LAST - timedelta(days=2)
    assert {k: v for k, v in held.items() if k[0] == recent} == {
        k: v for k, v in truth.items() if k[0] == recent
    }
    older = LAST - timedelta(days=5)
    assert all(held[k][0] < truth[k][0] for k in truth if k[0] == older and truth[k][0] > 1)


def test_a_channel_ga4_no_longer_reports_for_a_day_it_revised_leaves_the_warehouse(
    shop: DemoStore, ga4: Ga4Sandbox, sqlite_url: str
) -> None:
    store = ga4_store(shop, ga4)
    run_sync(store, sqlite_url, now=NOW)
    recent = LAST - timedelta(days=1)
    rows = ga4.state.properties[PROPERTY].rows
    dropped = next(r for r in rows if r["day"] == recent and r["sessions"])
    with ga4.state.lock:  # GA4 reprocessed the day and no longer reports that channel
        rows.remove(dropped)
    run_sync(store, sqlite_url, now=NOW + timedelta(hours=1))
    held = {k: v for k, v in traffic(sqlite_url).items() if k[0] == recent}
    assert (recent, dropped["channel"]) not in held
    assert held == {k: v for k, v in expected(ga4).items() if k[0] == recent}


def test_ga4_wins_over_the_csv_for_the_days_it_covers(
    shop: DemoStore, ga4: Ga4Sandbox, sqlite_url: str, tmp_path: Path
) -> None:
    csv = tmp_path / "traffic.csv"
    csv.write_text(shop.traffic_csv().replace("Organic Search", "organic"), encoding="utf-8")
    ga4_days = {LAST - timedelta(days=d) for d in range(10)}
    prop = ga4.state.properties[PROPERTY]
    prop.rows = [r for r in prop.rows if r["day"] in ga4_days]
    store = ga4_store(shop, ga4, traffic_csv=str(csv))
    run_sync(store, sqlite_url, now=NOW)
    run_sync(store, sqlite_url, now=NOW + timedelta(hours=1))  # the CSV is read again after GA4
    held = traffic(sqlite_url)
    by_day: dict[date, set[str]] = {}
    for (day, _), values in held.items():
        by_day.setdefault(day, set()).add(values[4])
    assert {d: s for d, s in by_day.items() if d in ga4_days} == {d: {"ga4"} for d in ga4_days}
    assert all(s == {"csv"} for d, s in by_day.items() if d not in ga4_days)
    assert not any(k[1] == "organic" for k in held if k[0] in ga4_days)
    assert any(k[1] == "organic" for k in held if k[0] not in ga4_days)


def test_a_property_in_another_timezone_is_refused_in_one_sentence(
    shop: DemoStore, ga4: Ga4Sandbox, sqlite_url: str
) -> None:
    ga4.state.properties[PROPERTY].timezone = "Europe/London"
    store = ga4_store(shop, ga4)
    with pytest.raises(
        ConfigError, match="reports in Europe/London but the store's timezone is America/New_York"
    ):
        run_sync(store, sqlite_url, now=NOW)
    assert traffic(sqlite_url) == {}


def test_the_sandbox_traffic_agrees_with_its_orders(shop: DemoStore) -> None:
    data: ShopData = shop.shop().data
    rows = traffic_rows(data, SMALL_SPEC.timezone)
    day = [r for r in rows if r["day"] == LAST]
    assert all(r["users"] <= r["sessions"] for r in rows)
    assert sum(r["revenue"] for r in day) > 0
    assert all((r["revenue"] > 0) == (r["purchases"] > 0) for r in day)
