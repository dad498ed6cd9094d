"""Money stays exact from load to the report: integer minor units in the warehouse and through
the comparisons, one conversion to Decimal where a report is built, for currencies with 2, 0
and 3 decimals. The digest's headline is the stored value, not a second computation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.config import CampaignConfig, parse_config
from reports.i18n import Locale
from reports.media.text import daily_text
from tasks.metrics.compare import compare
from tasks.metrics.compute import refresh
from tasks.metrics.query import metric_rows
from tasks.metrics.registry import HEADLINE, REGISTRY
from tasks.metrics.values import format_value
from tasks.reporting.daily import build_daily
from tasks.reporting.weekly import build_weekly
from tasks.warehouse.engine import get_engine
from tests.tasks.metrics.fixtures import load, order

TODAY = date(2026, 3, 20)
DAY = date(2026, 3, 9)
#: (store, currency, one order's price, orders on DAY, net sales in minor units)
STORES = [
    ("dimes", "USD", "0.10", 30, 300),  # thirty 0.10s: 3.0000000000000013 as floats
    ("tokyo", "JPY", "1999", 3, 5997),  # no minor unit
    ("kuwait", "KWD", "0.125", 8, 1000),  # three decimals
]


@pytest.fixture
def computed(warehouse_url: str) -> str:
    engine = get_engine(warehouse_url)
    for store, currency, price, count, _ in STORES:
        orders = [
            order(f"2026-03-09T1{i % 10}:00:00+00:00", [(price, 1, "0")], currency=currency)
            for i in range(count)
        ]
        load(engine, store, "UTC", currency, orders)
    config = {
        "stores": [
            {
                "name": store,
                "platform": "shopify",
                "url": f"http://{store}",
                "timezone": "UTC",
                "currency": currency,
                "token_env": "T",
            }
            for store, currency, *_ in STORES
        ]
    }
    for store_config in parse_config(config).stores:  # each alone: no roll-up, no rates
        refresh(store_config, warehouse_url, today=TODAY)
    return warehouse_url


def test_floats_would_drift_where_minor_units_do_not() -> None:
    assert sum([0.10] * 30) != 3.0  # why money is never summed as floats


@pytest.mark.parametrize(("store", "currency", "price", "count", "minor"), STORES)
def test_a_money_kpi_is_exact_from_the_warehouse_to_the_digest(
    computed: str, store: str, currency: str, price: str, count: int, minor: int
) -> None:
    with get_engine(computed).connect() as conn:
        (net,) = compare(conn, store, "day", DAY, TODAY, (REGISTRY["net_sales"],))
        stored = {
            r["metric"]: r["value"]
            for r in metric_rows(conn, store, "day", DAY, DAY, ["net_sales", "aov"])
        }
        digest = build_daily(conn, store, currency, DAY)
    assert (net.value_minor, net.number) == (minor, None)  # integer minor units, not a float
    assert type(net.value_minor) is int
    kpis = {k.metric: k for k in digest.kpis}
    expected = Decimal(price) * count
    assert stored["net_sales"] == expected and str(stored["net_sales"]) == str(expected)
    assert kpis["net_sales"].value == expected and isinstance(kpis["net_sales"].value, Decimal)
    assert kpis["aov"].value == Decimal(price)
    assert kpis["net_sales"].trend[-1] == expected  # the trend ends on the same stored value


def test_the_digest_headline_is_the_stored_value(computed: str) -> None:
    with get_engine(computed).connect() as conn:
        stored = {
            r["metric"]: r["value"]
            for r in metric_rows(conn, "dimes", "day", DAY, DAY, list(HEADLINE))
            if r["dimension"] is None
        }
        digest = build_daily(conn, "dimes", "USD", DAY)
    assert [k.metric for k in digest.kpis] == list(HEADLINE)
    assert {k.metric: k.value for k in digest.kpis} == stored


def test_amounts_are_shown_with_their_currencys_decimals(computed: str) -> None:
    with get_engine(computed).connect() as conn:
        texts = {
            store: daily_text(build_daily(conn, store, currency, DAY), Locale("en"))
            for store, currency, *_ in STORES
        }
    shown = {
        store: next(line for line in text.splitlines() if line.startswith("Net sales")).split()[2]
        for store, text in texts.items()
    }
    assert shown == {"dimes": "$3.00", "tokyo": "¥5,997", "kuwait": "1.000"}
    assert "1.000 KWD" in texts["kuwait"]


@pytest.mark.parametrize(("store", "currency", "price", "count", "minor"), STORES)
def test_the_weekly_review_is_exact_too(
    computed: str, store: str, currency: str, price: str, count: int, minor: int
) -> None:
    campaign = CampaignConfig(name="launch", start=DAY, end=DAY)
    with get_engine(computed).connect() as conn:
        review = build_weekly(conn, store, currency, DAY, [campaign])
    expected = Decimal(price) * count  # every order of the week is on its Monday
    assert {k.metric: k.value for k in review.kpis}["net_sales"] == expected
    assert [(c.channel, c.sales) for c in review.channels] == [("online_store", expected)]
    (launch,) = review.promotions
    assert (launch.sales, launch.before, launch.lift) == (expected, Decimal(0), None)


def test_the_cli_shows_amounts_in_their_currencys_decimals() -> None:
    assert format_value(Decimal("3.00"), "money", "USD") == "3.00 USD"
    assert format_value(Decimal(5997), "money", "JPY") == "5,997 JPY"
    assert format_value(Decimal("1.000"), "money", "KWD") == "1.000 KWD"
