"""Metrics of the local store against an independent recomputation from Shopify's raw JSON,
and the properties every computation must keep (weeks add up, engines agree, runs are
incremental)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from connectors.config import StoreConfig
from connectors.sandbox import DemoStore
from flows.cli import app
from tasks.metrics import compute, registry
from tasks.metrics.compare import compare
from tasks.metrics.compute import refresh
from tasks.metrics.movers import product_moves, risers_and_fallers, top_products
from tasks.metrics.registry import METRICS
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, get_engine
from tests.conftest import SMALL_SPEC, store_config, write_config
from tests.support.helpers import a_moment_later, run_sync
from tests.tasks.ingest.test_sync import platform_orders

NY = ZoneInfo("America/New_York")
END = SMALL_SPEC.end_date
START = END - timedelta(days=SMALL_SPEC.days - 1)
ZERO = Decimal(0)


def local_day(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(NY).date()


def shop_money(value: dict[str, Any]) -> Decimal:
    return Decimal(value["shop_money"]["amount"])


def oracle(orders: list[dict[str, Any]]) -> dict[date, dict[str, Any]]:
    """The sales stack and counts per store-local day, straight from the REST payloads."""
    days: dict[date, dict[str, Any]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    live = [o for o in orders if not o["test"]]
    first: dict[int, tuple[str, int]] = {}
    for o in live:
        if o["customer"]:
            key = (datetime.fromisoformat(o["processed_at"]).astimezone(NY).isoformat(), o["id"])
            first[o["customer"]["id"]] = min(first.get(o["customer"]["id"], key), key)
    for o in live:
        day = days[local_day(o["processed_at"])]
        day["orders"] += 1
        day["gross"] += Decimal(o["total_line_items_price"])
        day["discounts"] += Decimal(o["total_discounts"])
        day["shipping"] += shop_money(o["total_shipping_price_set"])
        day["taxes"] += Decimal(o["total_tax"])
        day["units"] += sum(line["quantity"] for line in o["line_items"])
        if o["customer"] and first[o["customer"]["id"]][1] == o["id"]:
            day["new_customers"] += 1
        for refund in o["refunds"]:
            back = days[local_day(refund["processed_at"])]
            for line in refund["refund_line_items"]:
                back["returns"] += shop_money(line["subtotal_set"])
                back["taxes"] -= shop_money(line["total_tax_set"])
            for adjustment in refund["order_adjustments"]:
                if adjustment["kind"] == "shipping_refund":
                    back["shipping"] += Decimal(adjustment["amount"])  # negative on refunds
                    back["taxes"] += Decimal(adjustment["tax_amount"])
        if o["financial_status"] == "voided" and not o["refunds"]:
            back = days[local_day(o["cancelled_at"])]
            back["returns"] += Decimal(o["total_line_items_price"]) - Decimal(o["total_discounts"])
            back["shipping"] -= shop_money(o["total_shipping_price_set"])
            back["taxes"] -= Decimal(o["total_tax"])
    for day in days.values():
        day["net"] = day["gross"] - day["discounts"] - day["returns"]
        day["total"] = day["net"] + day["shipping"] + day["taxes"]
    return days


def cli_metrics(
    store: DemoStore, url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, *args: str
) -> list[dict[str, Any]]:
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    path = write_config(tmp_path, store.url)
    result = CliRunner().invoke(
        app,
        [
            "metrics",
            "--config",
            str(path),
            "--from",
            str(START),
            "--to",
            str(END),
            "--format",
            "json",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_every_day_matches_an_independent_recomputation_to_the_cent(
    shop: DemoStore,
    config: StoreConfig,
    sqlite_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_sync(config, sqlite_url)
    rows = cli_metrics(shop, sqlite_url, tmp_path, monkeypatch)
    ours: dict[date, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        if "dimension" not in row:
            ours[date.fromisoformat(row["period_start"])][row["metric"]] = row["value"]
    truth = oracle(platform_orders(shop))
    names = {
        "orders": "orders",
        "gross_sales": "gross",
        "discounts": "discounts",
        "returns": "returns",
        "net_sales": "net",
        "shipping": "shipping",
        "taxes": "taxes",
        "total_sales": "total",
        "units": "units",
        "new_customers": "new_customers",
    }
    assert len(ours) == SMALL_SPEC.days  # every day, zero-order days included
    checked = 0
    for day in (START + timedelta(days=n) for n in range(SMALL_SPEC.days)):
        for ours_name, truth_name in names.items():
            expected = truth.get(day, {}).get(truth_name, ZERO)
            assert Decimal(str(ours[day][ours_name])) == expected, (day, ours_name)
            checked += 1
    assert checked == SMALL_SPEC.days * len(names)
    assert sum(truth[d]["returns"] for d in truth) > 0  # the store has refunds to get right


def test_a_weeks_additive_metrics_are_the_sums_of_its_days(
    config: StoreConfig, sqlite_url: str
) -> None:
    run_sync(config, sqlite_url)
    refresh(config, sqlite_url, today=END + timedelta(days=1))
    days_sum: dict[tuple[Any, ...], float] = defaultdict(float)
    weeks: dict[tuple[Any, ...], float] = {}
    additive = {m.name for m in METRICS if m.additive}
    for (metric, grain, start, dimension, key), (minor, value) in _stored(sqlite_url).items():
        if metric not in additive:
            continue
        number = minor if minor is not None else value
        monday = start - timedelta(days=start.weekday())
        if grain == "day":
            days_sum[(metric, monday, dimension, key)] += number or 0
        else:
            weeks[(metric, start, dimension, key)] = number or 0
    whole_weeks = [k for k in weeks if k[1] >= START and k[1] + timedelta(days=6) <= END]
    assert len({k[1] for k in whole_weeks}) >= 11
    for key in whole_weeks:
        assert math.isclose(weeks[key], days_sum[key], abs_tol=1e-6), key


def _stored(url: str) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    mv = tables.metric_values.c
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(
                mv.metric,
                mv.grain,
                mv.period_start,
                mv.dimension,
                mv.dimension_value,
                mv.value_minor,
                mv.value,
            )
        ).all()
    return {tuple(r[:5]): (r.value_minor, r.value) for r in rows}


def test_sqlite_and_postgresql_compute_the_same_values(
    config: StoreConfig, sqlite_url: str, postgres_url: str
) -> None:
    values = []
    for url in (sqlite_url, postgres_url):
        run_sync(config, url)
        refresh(config, url, today=END + timedelta(days=1))
        values.append(_stored(url))
    lite, pg = values
    assert lite.keys() == pg.keys()
    for key, (minor, value) in lite.items():
        assert minor == pg[key][0], key
        if value is None:
            assert pg[key][1] is None, key
        else:
            assert math.isclose(value, pg[key][1], rel_tol=1e-9, abs_tol=1e-9), key


def test_a_late_refund_reopens_only_its_days_and_weeks(
    shop: DemoStore, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing else writes here, so rows need no grace period to finish committing.
    monkeypatch.setattr(compute, "IN_FLIGHT", timedelta(0))
    config = store_config(shop.url, sync={"safety_lag_seconds": 0})
    run_sync(config, sqlite_url)
    today = datetime.now(NY).date()
    refresh(config, sqlite_url, today=today)
    before = _stored(sqlite_url)
    old = next(
        o
        for o in platform_orders(shop)
        if o["financial_status"] == "paid"
        and local_day(o["processed_at"]) < END - timedelta(days=20)
    )
    shop.refund_order(old["id"])
    run_sync(config, sqlite_url, now=a_moment_later())
    result = refresh(config, sqlite_url, today=today)
    order_day = local_day(old["processed_at"])
    assert not result.full
    assert result.start == today - timedelta(days=today.weekday())  # the refund's own week
    assert order_day < result.start  # the order's day is left alone: only its refund is new
    after = _stored(sqlite_url)
    untouched = [k for k in before if k[2] < result.start]
    assert untouched and all(after[k] == before[k] for k in untouched)
    returns_today = after[("returns", "day", today, "", "")][0]
    assert returns_today >= int(Decimal(old["current_subtotal_price"]) * 100)
    full = sqlite_url.replace("warehouse.db", "full.db")
    run_sync(config, full, now=a_moment_later())  # the refund may be of this very second
    refresh(config, full, today=today)
    assert _stored(full) == after  # incremental equals a full recomputation


def test_a_new_definition_version_recomputes_everything(
    config: StoreConfig, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sync(config, sqlite_url)
    assert refresh(config, sqlite_url).full
    assert not refresh(config, sqlite_url).full
    aov = registry.REGISTRY["aov"]
    monkeypatch.setattr(
        registry,
        "METRICS",
        tuple(m if m.name != "aov" else type(m)(**{**aov.__dict__, "version": 2}) for m in METRICS),
    )
    monkeypatch.setattr(compute, "METRICS", registry.METRICS)
    result = refresh(config, sqlite_url)
    assert result.full and result.start is not None


def test_comparisons_say_na_over_zero_and_compare_partial_weeks_fairly(
    config: StoreConfig, sqlite_url: str
) -> None:
    run_sync(config, sqlite_url)
    refresh(config, sqlite_url, today=END + timedelta(days=1))  # a whole day is read as stored
    wednesday = date(2026, 3, 25)
    with get_engine(sqlite_url).connect() as conn:
        week = {c.metric: c for c in compare(conn, "demo", "week", date(2026, 3, 23), wednesday)}
        first_day = {
            c.metric: c for c in compare(conn, "demo", "day", START, START + timedelta(days=1))
        }
    orders = week["orders"]
    assert orders.partial and orders.end == date(2026, 3, 24)  # Monday and Tuesday so far
    assert (
        orders.previous.base is not None
        and orders.previous.base < 3 * SMALL_SPEC.orders_per_day * 2
    )
    assert first_day["orders"].number and first_day["orders"].value_minor is None  # a count
    assert first_day["orders"].previous.base == 0  # before the shop's first day: a zero day
    assert first_day["orders"].previous.ratio is None  # n/a, not 0 % or infinity
    assert first_day["aov"].previous.base is None
    assert first_day["net_sales"].value_minor is not None and first_day["net_sales"].number is None


def test_top_products_risers_and_fallers_come_from_product_sales(
    config: StoreConfig, sqlite_url: str
) -> None:
    run_sync(config, sqlite_url)
    refresh(config, sqlite_url, today=END + timedelta(days=1))
    week = END - timedelta(days=END.weekday() + 7)
    with get_engine(sqlite_url).connect() as conn:
        moves = product_moves(conn, "demo", "week", week)
        net = (
            conn.execute(
                select(tables.metric_values.c.value_minor).where(
                    tables.metric_values.c.metric == "product_sales",
                    tables.metric_values.c.grain == "week",
                    tables.metric_values.c.period_start == week,
                )
            )
            .scalars()
            .all()
        )
    top = top_products(moves, 3)
    risers, fallers = risers_and_fallers(moves, 3)
    assert len(top) == 3 and top[0].sales >= top[1].sales >= top[2].sales > 0
    assert all(not m.title.isdigit() for m in top)  # named, not numbered
    assert sum(m.sales for m in moves) * 100 == sum(net)
    assert risers and all(m.change > 0 for m in risers)
    assert fallers and all(m.change < 0 for m in fallers)
    assert risers[0].change >= risers[-1].change


def test_a_product_missing_from_the_catalogue_is_named_by_its_order_lines(
    config: StoreConfig, sqlite_url: str
) -> None:
    run_sync(config, sqlite_url)
    refresh(config, sqlite_url, today=END + timedelta(days=1))
    week = END - timedelta(days=END.weekday() + 7)
    engine = get_engine(sqlite_url)
    with engine.connect() as conn:
        best = top_products(product_moves(conn, "demo", "week", week), 1)[0]
    with engine.begin() as conn:  # the product was deleted from the shop
        p = tables.products.c
        conn.execute(tables.products.delete().where(p.product_id == int(best.product)))
    with engine.connect() as conn:
        again = top_products(product_moves(conn, "demo", "week", week), 1)[0]
        lines = (
            conn.execute(
                select(tables.order_lines.c.title).where(
                    tables.order_lines.c.product_id == int(best.product)
                )
            )
            .scalars()
            .all()
        )
    assert again.product == best.product and again.title in lines
    assert not again.title.isdigit()
