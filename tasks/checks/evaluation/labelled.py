"""A labelled benchmark made from the local store: real generated shops, injected incidents.

Each seed gives a shop twice: once clean, to count false alerts, and once with one incident of
every kind at random dates. Incident sizes are fixed in the terms a manager cares about (a day
at 1.8–2.5 times normal, a drop to 35–55 %, …) and are never resized toward the detector.

Shops come in two sizes, reported apart: small (20–100 orders a day, whose sales are mostly
noise) and big (150–400). Both twins of a shop live the same ordinary life, none of it labelled:
bulk orders worth 10–50 times a usual basket, days that are naturally about twice as busy (a
newsletter, a post that took off), and in half of the shops a slow decline of 15–30 % over two
to four months. The daily series the checks watch are read straight from the shop's orders and
traffic. Seeds 1–12 tune the detector; seeds 13–24 are held out and are what
``storepulse backtest`` reports.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import orjson

from connectors.config import CampaignConfig
from connectors.sandbox import Anomaly, StoreSpec, prepare_shop_file
from connectors.sandbox.catalog import Calendar
from connectors.vocabulary import Side
from tasks.checks.calendar import special_days
from tasks.checks.evaluation.backtest import Event

TUNING_SEEDS = range(1, 13)
HELD_OUT_SEEDS = range(13, 25)
END = date(2026, 6, 30)
DAYS = 456  # 15 months: three of history, then a year scored
SCORED_DAYS = 365
#: Orders a day, by shop size.
SHOP_SIZES: dict[str, tuple[float, float]] = {"small": (20.0, 100.0), "big": (150.0, 400.0)}


@dataclass(frozen=True, slots=True)
class Kind:
    """An incident kind: the generator's anomaly, its size range and its length in days."""

    anomaly: str
    #: (smallest, largest) ``Anomaly.size``: the share lost (a drop) or gained (a spike).
    size: tuple[float, float]
    days: tuple[int, int] = (1, 1)


#: Every incident kind, in the order seeds draw them, at fixed sizes.
INCIDENTS: dict[str, Kind] = {
    "spike": Kind("spike", (0.8, 1.5)),  # a day at 1.8–2.5 times normal
    "drop": Kind("drop", (0.45, 0.65)),  # a day at 35–55 % of normal
    "conversion_drop": Kind("conversion_drop", (0.35, 0.5)),  # traffic steady
    "outage": Kind("outage", (1.0, 1.0)),
    "multi_day_drop": Kind("level_shift", (0.4, 0.6), (2, 5)),  # 2–5 days at 40–60 %
    "level_shift": Kind("level_shift", (0.3, 0.45), (21, 21)),
    "drift": Kind("drift", (0.45, 0.6), (28, 28)),  # sliding to 40–55 % over four weeks
}
KINDS = tuple(INCIDENTS)
#: A sustained incident ends when the store recovers; alerts on the recovery count for nothing.
RECOVERY_DAYS = 7
#: Naturally busy days (unlabelled): how many a month a shop has, and how busy they are.
BUSY_DAYS_PER_MONTH = (0.0, 0.5)
BUSY_DAY_SIZE = (0.7, 1.3)  # 1.7–2.3 times a usual day
#: A slow decline (unlabelled) in half the shops: share lost, and over how many days.
DECLINE_SIZE = (0.15, 0.3)
DECLINE_DAYS = (60, 120)
BULK_SHARE = (0.002, 0.015)


class Watched(NamedTuple):
    """How a metric is watched: whether it counts things (the Poisson floor) and its side."""

    counts: bool
    side: Side = "both"


#: The metrics watched, as the daily checks' default configuration watches them.
METRICS: dict[str, Watched] = {
    "orders": Watched(counts=True),
    "sales": Watched(counts=False, side="drop"),
    "sessions": Watched(counts=True),
    "conversion_rate": Watched(counts=False),
}


@dataclass(frozen=True, slots=True)
class LabelledStore:
    name: str
    #: "small" or "big" (``SHOP_SIZES``).
    size: str
    days: list[date]
    series: dict[str, np.ndarray]
    events: list[Event]
    excluded: np.ndarray
    #: The first position that is scored (before it: history only).
    first_scored: int

    @property
    def months(self) -> float:
        return (len(self.days) - self.first_scored) / 30.44

    def checked(self, flags: np.ndarray) -> np.ndarray:
        """A copy of ``flags`` on the days that are scored: none in the history before the
        scored year, none on holidays and campaigns (they are not checked)."""
        kept = np.array(flags, dtype=bool)
        kept[: self.first_scored] = False
        kept[self.excluded] = False
        return kept


def size_class(seed: int) -> str:
    return "small" if seed % 2 else "big"


def store_spec(seed: int, injected: bool) -> StoreSpec:
    rng = random.Random(seed * 7919)
    spec = StoreSpec(
        seed=seed,
        days=DAYS,
        orders_per_day=round(rng.uniform(*SHOP_SIZES[size_class(seed)])),
        end_date=END,
        timezone=rng.choice(["America/New_York", "Europe/London", "Asia/Shanghai"]),
        products=40,
        bulk_share=round(rng.uniform(*BULK_SHARE), 4),
    )
    incidents = tuple(a for _, a in incidents_for(seed))
    life = ordinary_life(seed, incidents)
    return replace(spec, anomalies=(incidents if injected else ()) + life)


def incidents_for(seed: int) -> list[tuple[str, Anomaly]]:
    """One incident of each kind in its own ~40-day slot (no two overlap, recovery included),
    clear of holidays and campaigns where the slot allows, and never starting on one."""
    rng = random.Random(seed)
    first = END - timedelta(days=SCORED_DAYS - 14)
    busy = set(_special(first - timedelta(days=30), END))
    kinds = list(KINDS)
    rng.shuffle(kinds)
    chosen: list[tuple[str, Anomaly]] = []
    slot = (SCORED_DAYS - 60) // len(kinds)
    for index, name in enumerate(kinds):
        kind = INCIDENTS[name]
        days = rng.randint(*kind.days)
        settle = RECOVERY_DAYS if days > 1 else 0
        fallback = None
        for _ in range(200):
            start = first + timedelta(days=index * slot + rng.randrange(max(1, slot - days - 10)))
            span = {start + timedelta(days=d) for d in range(days + settle)}
            if not span & busy:
                break
            fallback = fallback or (start if start not in busy else None)
        else:  # a long drift near December cannot miss every holiday; those days go unscored
            start = fallback or start
        size = round(rng.uniform(*kind.size), 2)
        chosen.append((name, Anomaly(start, kind.anomaly, size, days)))  # type: ignore[arg-type]
    return chosen


def ordinary_life(seed: int, incidents: tuple[Anomaly, ...]) -> tuple[Anomaly, ...]:
    """What both twins of a shop live through, unlabelled: naturally busy days (never on an
    incident, its recovery or a special day) and, in half the shops, a slow decline."""
    rng = random.Random(seed * 104729)
    first = END - timedelta(days=DAYS - 1)
    taken = set(_special(first, END))
    for incident in incidents:
        taken |= {incident.day + timedelta(days=d) for d in range(-1, incident.days + 8)}
    rate = rng.choice(BUSY_DAYS_PER_MONTH)
    life: list[Anomaly] = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        if rng.random() < rate / 30.44 and day not in taken:
            life.append(Anomaly(day, "spike", round(rng.uniform(*BUSY_DAY_SIZE), 2)))
    if rng.random() < 0.5:
        start = END - timedelta(days=rng.randrange(60, SCORED_DAYS))
        days = rng.randint(*DECLINE_DAYS)
        life.append(Anomaly(start, "decline", round(rng.uniform(*DECLINE_SIZE), 2), days))
    return tuple(life)


def load_store(seed: int, injected: bool, data_dir: Path) -> LabelledStore:
    """Generate (or reuse) the shop and read its daily series and labels."""
    spec = store_spec(seed, injected)
    days = [END - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    series = _cached_series(spec, data_dir, days)
    special = _special(days[0], days[-1])
    excluded = np.array([d in special for d in days])
    events = [_event(a, days[0], kind) for kind, a in incidents_for(seed)] if injected else []
    name = f"seed {seed} ({'injected' if injected else 'clean'}, {size_class(seed)})"
    return LabelledStore(name, size_class(seed), days, series, events, excluded, DAYS - SCORED_DAYS)


def campaigns(first: date, last: date) -> list[CampaignConfig]:
    """The local store's promotions, as its team would list them in the configuration."""
    spans = Calendar.for_years(range(first.year, last.year + 1)).campaigns()
    return [CampaignConfig(name=code, start=start, end=end) for code, start, end in spans]


def _special(first: date, last: date) -> dict[date, str]:
    return special_days("bench", first, last, campaigns(first, last))


def _event(anomaly: Anomaly, first_day: date, kind: str) -> Event:
    start = (anomaly.day - first_day).days
    settle = RECOVERY_DAYS if anomaly.days > 1 else 0
    return Event(start, start + anomaly.days - 1, kind, settle)


def _cached_series(spec: StoreSpec, data_dir: Path, days: list[date]) -> dict[str, np.ndarray]:
    """The shop's daily series, kept beside the generator's cache: a big shop's orders take a
    gigabyte on disk and seconds to read, its series a few kilobytes."""
    saved = data_dir / f"series-{spec.fingerprint()}.npz"
    if saved.exists():
        with np.load(saved) as data:
            return {metric: data[metric] for metric in METRICS}
    path = prepare_shop_file(spec, data_dir)
    series = _read_series(path, ZoneInfo(spec.timezone), days)
    np.savez(saved, **series)  # type: ignore[arg-type]
    for leftover in path.parent.glob(f"{path.name}*"):  # the shop and its journal files
        leftover.unlink()
    return series


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
