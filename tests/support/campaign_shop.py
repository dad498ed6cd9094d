"""A generated shop for the intraday watch: orders straight into a warehouse, with the daily
``orders`` and ``net_sales`` values the watch's day expectation reads.

Weekly seasonality, the local store's hour-of-day weights, day-to-day noise, and the same
seven-day campaign last year and this year (orders lifted ``lift``×). Orders placed inside a
``silent`` span (store-local, half-open) are never placed: a broken checkout.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.config import Config, parse_config
from connectors.sandbox.generator import HOUR_WEIGHTS
from tasks.metrics.registry import REGISTRY
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import insert

ZONE = "America/New_York"
#: The campaign's first day this year (a Monday) and its length.
CAMPAIGN_START = date(2026, 11, 2)
CAMPAIGN_DAYS = 7
WEEKDAY = (1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.15)
#: A day's demand noise (log-normal σ) and an order's amount in minor units (log-normal μ, σ).
DAY_NOISE = 0.08
AMOUNT = (8.3, 0.5)
SYNCED = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CampaignShop:
    seed: int = 1
    orders_per_day: float = 150.0
    history_days: int = 500
    #: How much the campaign lifts orders; by default drawn between 2 and 3.
    lift: float | None = None
    #: A store-local span with no orders (a broken checkout), half-open.
    silent: tuple[datetime, datetime] | None = None


def campaign_config(**extra: Any) -> Config:
    """One store, ``shop``, with the campaign last year and this year."""
    last_year = CAMPAIGN_START - timedelta(days=364)
    return parse_config(
        {
            "stores": [
                {
                    "name": "shop",
                    "platform": "shopify",
                    "url": "http://127.0.0.1:1",
                    "timezone": ZONE,
                    "currency": "USD",
                    "token_env": "X",
                }
            ],
            "campaigns": [
                {"name": "Autumn sale", "start": str(d), "end": str(d + timedelta(days=6))}
                for d in (last_year, CAMPAIGN_START)
            ],
        }
        | extra
    )


def campaign_days() -> set[date]:
    days = {CAMPAIGN_START + timedelta(days=i) for i in range(CAMPAIGN_DAYS)}
    return days | {d - timedelta(days=364) for d in days}


def true_counterfactual(shop: CampaignShop, metric: str) -> float:
    """What this year's campaign days would have held on average without the campaign: the
    generator's own means, which no review can know (``orders``, or ``net_sales`` in dollars)."""
    days = [CAMPAIGN_START + timedelta(days=i) for i in range(CAMPAIGN_DAYS)]
    orders = sum(shop.orders_per_day * WEEKDAY[d.weekday()] for d in days)
    orders *= math.exp(DAY_NOISE**2 / 2)
    if metric == "orders":
        return orders
    mu, sigma = AMOUNT
    cents = math.exp(mu + sigma**2 / 2) - 0.5  # amounts are floored to whole cents
    return orders * cents / 100


def write_shop(url: str, shop: CampaignShop) -> None:
    """Write the shop's orders through the campaign's last day, and their daily values."""
    rng = random.Random(shop.seed)
    zone = ZoneInfo(ZONE)
    lift = shop.lift if shop.lift is not None else rng.uniform(2.0, 3.0)
    campaign = campaign_days()
    first = CAMPAIGN_START - timedelta(days=shop.history_days)
    orders, values = [], []
    for offset in range(shop.history_days + CAMPAIGN_DAYS):
        day = first + timedelta(days=offset)
        mean = shop.orders_per_day * WEEKDAY[day.weekday()] * (lift if day in campaign else 1)
        placed = []
        for _ in range(_poisson(rng, mean * rng.lognormvariate(0, DAY_NOISE))):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
            amount = int(rng.lognormvariate(*AMOUNT))
            if shop.silent is None or not shop.silent[0] <= local < shop.silent[1]:
                placed.append((local.replace(tzinfo=zone).astimezone(UTC), amount))
        for at, amount in placed:
            orders.append(_order(len(orders) + 1, at, day, amount))
        values.append(_value("orders", day, len(placed)))
        values.append(_value("net_sales", day, sum(a for _, a in placed)))
    with get_engine(url).begin() as conn:
        conn.execute(
            tables.stores.insert().values(
                store="shop",
                platform="shopify",
                timezone=ZONE,
                currency="USD",
                currency_exponent=2,
                synced_at=SYNCED,
            )
        )
        insert(conn, tables.orders, orders)
        insert(conn, tables.metric_values, values)


def _order(order_id: int, at: datetime, day: date, amount: int) -> dict[str, Any]:
    return {
        "store": "shop",
        "order_id": order_id,
        "name": f"#{order_id}",
        "created_at": at,
        "updated_at": at,
        "processed_at": at,
        "local_date": day,
        "local_week": day - timedelta(days=day.weekday()),
        "currency": "USD",
        "test": False,
        "taxes_included": False,
        "line_items_minor": amount,
        "discounts_minor": 0,
        "subtotal_minor": amount,
        "shipping_minor": 0,
        "tax_minor": 0,
        "total_minor": amount,
        "tags": "",
        "synced_at": SYNCED,
    }


def _value(metric: str, day: date, value: int) -> dict[str, Any]:
    money = metric == "net_sales"
    return {
        "store": "shop",
        "metric": metric,
        "grain": "day",
        "period_start": day,
        "dimension": "",
        "dimension_value": "",
        "value_minor": value if money else None,
        "value": None if money else float(value),
        "currency": "USD" if money else None,
        "complete": True,
        "definition_version": REGISTRY[metric].version,
        "computed_at": SYNCED,
    }


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count, total = count + 1, total + rng.expovariate(1.0)
    return count
