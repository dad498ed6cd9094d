"""A labelled benchmark made from the local store: real generated shops, injected anomalies.

Each seed gives a shop (its own size, growth, weekly rhythm, promotions and holidays) twice:
once clean, to count false alerts, and once with one anomaly of every kind at random dates —
a spike, a drop, a level shift, a slow drift, a conversion drop with steady traffic and a data
outage. The daily series the checks watch are read straight from the shop's orders and traffic.
Seeds 1–12 tune the detector; seeds 13–24 are held out and are what ``storepulse backtest``
reports.
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import orjson

from connectors.config import CampaignConfig
from connectors.sandbox import Anomaly, StoreSpec, prepare_shop_file
from connectors.sandbox.catalog import Calendar
from connectors.sandbox.generator import CHANNELS, DEMAND_SHAPE, ONLINE
from tasks.checks.calendar import special_days
from tasks.checks.evaluation.backtest import Event

TUNING_SEEDS = range(1, 13)
HELD_OUT_SEEDS = range(13, 25)
END = date(2026, 6, 30)
DAYS = 456  # 15 months: three of history, then a year scored
SCORED_DAYS = 365
#: Sustained kinds: (smallest, largest) share of the level lost, and how many days it lasts.
SUSTAINED: dict[str, tuple[float, float, int]] = {
    "level_shift": (0.3, 0.45, 21),
    "drift": (0.45, 0.6, 28),
    "outage": (1.0, 1.0, 1),
}
#: One-day kinds: (smallest, largest) size in multiples of the day-to-day noise of the series
#: the kind moves most cleanly, in log terms (``noise_unit``). Normal traffic strays 3.6 units up
#: and 4.4 down once in ten thousand days, so every event lies beyond the shop's normal range.
#: Traffic's unit is the same in every generated shop (its demand shock); conversion's depends on
#: the shop's size, so a conversion drop is large in a small, noisy shop and modest in a large
#: one. ``benchmarks/anomalies.py`` also measures recall at smaller sizes.
ONE_DAY: dict[str, tuple[float, float]] = {
    "spike": (5.0, 8.0),
    "drop": (5.0, 8.0),
    "conversion_drop": (5.0, 8.0),
}
#: Every kind, in the order seeds draw them.
KINDS = ("spike", "drop", "level_shift", "drift", "conversion_drop", "outage")
#: A level shift or drift ends when the store recovers; alerts on the recovery count for nothing.
RECOVERY_DAYS = 7
#: What each metric is and whether it counts things (the detector's Poisson floor).
METRICS = {"orders": True, "sales": False, "sessions": True, "conversion_rate": False}


@dataclass(frozen=True, slots=True)
class LabelledStore:
    name: str
    days: list[date]
    series: dict[str, np.ndarray]
    events: list[Event]
    excluded: np.ndarray
    #: The first position that is scored (before it: history only).
    first_scored: int

    @property
    def months(self) -> float:
        return (len(self.days) - self.first_scored) / 30.44


def store_spec(seed: int, injected: bool) -> StoreSpec:
    rng = random.Random(seed * 7919)
    spec = StoreSpec(
        seed=seed,
        days=DAYS,
        orders_per_day=rng.choice([20.0, 40.0, 80.0, 160.0]),
        end_date=END,
        timezone=rng.choice(["America/New_York", "Europe/London", "Asia/Shanghai"]),
        products=40,
    )
    if not injected:
        return spec
    return replace(spec, anomalies=anomalies_for(seed, spec.orders_per_day))


def anomalies_for(seed: int, orders_per_day: float) -> tuple[Anomaly, ...]:
    """One anomaly of each kind in its own ~50-day slot (no two overlap, recovery included),
    clear of holidays and campaigns where the slot allows, and never starting on one."""
    rng = random.Random(seed)
    first = END - timedelta(days=SCORED_DAYS - 14)
    busy = set(_special(first - timedelta(days=30), END))
    kinds = list(KINDS)
    rng.shuffle(kinds)
    chosen: list[Anomaly] = []
    slot = (SCORED_DAYS - 60) // len(kinds)
    for index, kind in enumerate(kinds):
        days = SUSTAINED[kind][2] if kind in SUSTAINED else 1
        fallback = None
        for _ in range(200):
            start = first + timedelta(days=index * slot + rng.randrange(max(1, slot - days - 10)))
            span = {start + timedelta(days=d) for d in range(days + RECOVERY_DAYS)}
            if not span & busy:
                break
            fallback = fallback or (start if start not in busy else None)
        else:  # a long drift near December cannot miss every holiday; those days go unscored
            start = fallback or start
        size = _size(kind, rng, orders_per_day)
        chosen.append(Anomaly(start, kind, size, days))  # type: ignore[arg-type]
    return tuple(chosen)


def _size(kind: str, rng: random.Random, orders_per_day: float) -> float:
    if kind in SUSTAINED:
        return round(rng.uniform(*SUSTAINED[kind][:2]), 2)
    change = rng.uniform(*ONE_DAY[kind]) * noise_unit(kind, orders_per_day)
    return round(math.expm1(change) if kind == "spike" else -math.expm1(-change), 2)


def noise_unit(kind: str, orders_per_day: float) -> float:
    """The day-to-day noise, in log terms, of the series the kind moves most cleanly.

    Traffic carries the day's demand shock (a gamma of shape ``DEMAND_SHAPE``); conversion
    carries the sampling noise of the day's online orders and the generator's ±7 % swing (a
    uniform of standard deviation 0.04), leaving out the 5 % noise of sessions themselves.
    """
    if kind != "conversion_drop":
        return math.sqrt(1 / DEMAND_SHAPE)
    online = orders_per_day * sum(CHANNELS[name] for name in ONLINE)
    return math.sqrt(0.04**2 + 1 / online)


def load_store(seed: int, injected: bool, data_dir: Path) -> LabelledStore:
    """Generate (or reuse) the shop and read its daily series and labels."""
    spec = store_spec(seed, injected)
    path = prepare_shop_file(spec, data_dir)
    days = [END - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    series = _read_series(path, ZoneInfo(spec.timezone), days)
    special = _special(days[0], days[-1])
    excluded = np.array([d in special for d in days])
    events = [_event(a, days[0]) for a in spec.anomalies]
    name = f"seed {seed} ({'injected' if injected else 'clean'})"
    return LabelledStore(name, days, series, events, excluded, DAYS - SCORED_DAYS)


def campaigns(first: date, last: date) -> list[CampaignConfig]:
    """The local store's promotions, as its team would list them in the configuration."""
    spans = Calendar.for_years(range(first.year, last.year + 1)).campaigns()
    return [CampaignConfig(name=code, start=start, end=end) for code, start, end in spans]


def _special(first: date, last: date) -> dict[date, str]:
    return special_days("bench", first, last, campaigns(first, last))


def _event(anomaly: Anomaly, first_day: date) -> Event:
    start = (anomaly.day - first_day).days
    settle = RECOVERY_DAYS if anomaly.days > 1 else 0
    return Event(start, start + anomaly.days - 1, anomaly.kind, settle)


def _read_series(path: Path, zone: ZoneInfo, days: list[date]) -> dict[str, np.ndarray]:
    index = {d: i for i, d in enumerate(days)}
    orders, sales = np.zeros(len(days)), np.zeros(len(days))
    sessions, purchases = np.zeros(len(days)), np.zeros(len(days))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        for processed_at, text in conn.execute("SELECT processed_at, json FROM orders"):
            order = orjson.loads(text)
            day = datetime.fromtimestamp(processed_at, UTC).astimezone(zone).date()
            if order["test"] or day not in index:
                continue
            orders[index[day]] += 1
            sales[index[day]] += float(order["subtotal_price"])
        for day_text, visits, bought in conn.execute(
            "SELECT day, sum(sessions), sum(purchases) FROM traffic GROUP BY day"
        ):
            day = date.fromisoformat(day_text)
            if day in index:
                sessions[index[day]], purchases[index[day]] = visits, bought
    conversion = np.divide(purchases, sessions, out=np.full(len(days), np.nan), where=sessions > 0)
    return {"orders": orders, "sales": sales, "sessions": sessions, "conversion_rate": conversion}
