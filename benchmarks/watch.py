"""The intraday watch on generated shops: how fast a broken checkout is alerted, how often a
clean campaign week pages, and what one run costs on SQLite.

Each shop has ``--history`` days of orders (weekly seasonality, the local store's hour-of-day
weights, day-to-day noise), with the same seven-day campaign last year and this year (orders
lifted 2–3×). Its orders go straight into a SQLite warehouse with their daily ``orders`` and
``net_sales`` values (the watch reads both; the metric engine is measured elsewhere). Then:

1. **broken checkout**: on a campaign day the orders stop at a random time between 10:00 and
   18:00; the watch is replayed (``as_of``) on a 15-minute schedule from the break until it
   alerts, and the delay from the break to that run is the latency;
2. **clean weeks**: the watch is replayed every 15 minutes through a whole clean campaign
   week, and every watch alert it opens is a false one;
3. **cost**: the wall time of each run, per store.

Run: ``python -m benchmarks.watch [--shops 6] [--clean-shops 2] [--orders-per-day 150]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.report import update_section
from connectors.config import parse_config
from connectors.sandbox.generator import HOUR_WEIGHTS
from tasks.campaigns.run import run_watch
from tasks.metrics.registry import REGISTRY
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import dispose_engines, get_engine
from tasks.warehouse.upsert import insert

ZONE = "America/New_York"
TODAY = date(2026, 11, 2)  # the campaign's first day this year (a Monday)
CAMPAIGN_DAYS = 7
SCHEDULE = timedelta(minutes=15)
WEEKDAY = (1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.15)


def config(lift_days: list[date]) -> Any:
    last_year = TODAY - timedelta(days=364)
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
                for d in (last_year, TODAY)
            ],
        }
    )


def generate(url: str, seed: int, per_day: float, history: int, stop: datetime | None) -> None:
    """Orders of one shop up to the end of the campaign, stopped from ``stop`` (local) on."""
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    campaign = {TODAY + timedelta(days=i) for i in range(CAMPAIGN_DAYS)}
    campaign |= {d - timedelta(days=364) for d in campaign}
    lift = rng.uniform(2.0, 3.0)
    first = TODAY - timedelta(days=history)
    orders, values, order_id = [], [], 0
    synced = datetime(2026, 12, 1, tzinfo=UTC)
    for offset in range(history + CAMPAIGN_DAYS):
        day = first + timedelta(days=offset)
        mean = per_day * WEEKDAY[day.weekday()] * (lift if day in campaign else 1.0)
        count = _poisson(rng, mean * rng.lognormvariate(0, 0.08))
        placed, sales = 0, 0
        for _ in range(count):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
            if stop is not None and local >= stop:
                continue
            at = local.replace(tzinfo=zone).astimezone(UTC)
            amount = int(rng.lognormvariate(8.3, 0.5))
            order_id += 1
            placed, sales = placed + 1, sales + amount
            orders.append(_order(order_id, at, day, amount, synced))
        for metric, value in (("orders", placed), ("net_sales", sales)):
            values.append(_value(metric, day, value, synced))
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            tables.stores.insert().values(
                store="shop",
                platform="shopify",
                timezone=ZONE,
                currency="USD",
                currency_exponent=2,
                synced_at=synced,
            )
        )
        insert(conn, tables.orders, orders)
        insert(conn, tables.metric_values, values)


def _order(order_id: int, at: datetime, day: date, amount: int, synced: datetime) -> dict[str, Any]:
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
        "synced_at": synced,
    }


def _value(metric: str, day: date, value: int, synced: datetime) -> dict[str, Any]:
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
        "computed_at": synced,
    }


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count, total = count + 1, total + rng.expovariate(1.0)
    return count


def replay(
    url: str, moments: list[datetime], cfg: Any, stop_at_alert: bool
) -> tuple[list[datetime], list[float]]:
    """Run the watch at each moment; return the moments whose run opened an alert, and each
    run's seconds."""
    alerted, costs = [], []
    for moment in moments:
        started = clock.perf_counter()
        run = run_watch(cfg, url, as_of=moment)
        costs.append(clock.perf_counter() - started)
        if run.changes.opened:
            alerted.append(moment)
            if stop_at_alert:
                break
    return alerted, costs


def schedule(start: datetime, end: datetime) -> list[datetime]:
    """The 15-minute schedule's runs from ``start`` (exclusive) to ``end``."""
    first = datetime.combine(start.date(), time.min)
    runs = [first + SCHEDULE * i for i in range(int((end - first) / SCHEDULE) + 1)]
    return [m for m in runs if start < m <= end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shops", type=int, default=6)
    parser.add_argument("--clean-shops", type=int, default=2)
    parser.add_argument("--orders-per-day", type=float, default=150)
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    cfg = config([])
    latencies, missed, costs = [], 0, []
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.shops):
            rng = random.Random(1000 + seed)
            day = TODAY + timedelta(days=rng.randrange(CAMPAIGN_DAYS))
            stop = datetime.combine(day, time(10)) + timedelta(minutes=rng.randrange(8 * 60))
            url = f"sqlite:///{Path(folder) / f'break{seed}.db'}"
            generate(url, seed, args.orders_per_day, args.history, stop)
            alerted, spent = replay(url, schedule(stop, stop + timedelta(hours=3)), cfg, True)
            costs += spent
            if alerted:
                latencies.append((alerted[0] - stop).total_seconds() / 60)
            else:
                missed += 1
            dispose_engines()
        false_alerts = []
        for seed in range(args.clean_shops):
            url = f"sqlite:///{Path(folder) / f'clean{seed}.db'}"
            generate(url, 100 + seed, args.orders_per_day, args.history, None)
            start = datetime.combine(TODAY, time.min)
            end = start + timedelta(days=CAMPAIGN_DAYS) - SCHEDULE
            alerted, spent = replay(url, schedule(start - SCHEDULE, end), cfg, False)
            costs += spent
            false_alerts.append(len(alerted))
            dispose_engines()
    result = _markdown(args, latencies, missed, false_alerts, costs)
    print(result)
    if not args.no_docs:
        update_section("watch", result)


def _markdown(
    args: argparse.Namespace,
    latencies: list[float],
    missed: int,
    false_alerts: list[int],
    costs: list[float],
) -> str:
    median = f"{statistics.median(latencies):.0f} min" if latencies else "n/a"
    worst = f"{max(latencies):.0f} min" if latencies else "n/a"
    return "\n".join(
        [
            "### Intraday watch (`python -m benchmarks.watch`)",
            "",
            f"Generated shops of about {args.orders_per_day:.0f} orders a day ({args.history} days"
            " of history, a seven-day campaign lifting orders 2–3× this year and last), the"
            " watch replayed on a 15-minute schedule.",
            "",
            "| measure | result | target |",
            "|---|---|---|",
            f"| checkout break → watch alert, median ({len(latencies)} breaks, {missed} missed"
            f" within 3 h) | {median} (worst {worst}) | ≤ 30 min |",
            f"| false watch alerts per clean campaign-week ({len(false_alerts)} weeks) |"
            f" {statistics.mean(false_alerts) if false_alerts else float('nan'):.2f} | ≤ 1 |",
            f"| one watch run per store on SQLite, median / max ({len(costs)} runs) |"
            f" {statistics.median(costs):.2f} s / {max(costs):.2f} s | ≤ 10 s |",
        ]
    )


if __name__ == "__main__":
    main()
