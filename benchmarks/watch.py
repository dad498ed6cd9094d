"""The intraday watch on generated shops: how fast a broken checkout is alerted, how often a
clean campaign week pages, and what one run costs on SQLite.

Each shop (``tests/support/campaign_shop.py``) has ``--history`` days of orders with the same
seven-day campaign last year and this year (orders lifted 2–3×), loaded into SQLite with their
daily ``orders`` and ``net_sales`` values (the metric engine is measured elsewhere). Then:

1. **broken checkout**: on a random campaign day the orders stop at a random minute between
   10:00 and 18:00; the watch is replayed (``as_of``) on a 15-minute schedule from the break
   until it alerts; the delay from the break to that run is the latency;
2. **clean weeks**: the watch is replayed every 15 minutes through a whole clean campaign week;
   every watch alert it opens is a false one;
3. **cost**: the wall time of each run, for one store.

The shops come from one of two disjoint seed sets: ``tuning`` (the default), on which the
watch's method is developed, and ``heldout``, of the same size and kind, run only to confirm a
final method on shops it was not tuned on. Each set writes its own section of the docs.

Run: ``python -m benchmarks.watch [--seeds tuning|heldout] [--shops 12] [--clean-shops 2]
[--orders-per-day 150]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time as clock
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from benchmarks.report import update_section
from connectors.config import Config
from tasks.campaigns.run import run_watch
from tasks.warehouse.engine import dispose_engines
from tests.support.campaign_shop import (
    CAMPAIGN_DAYS,
    CAMPAIGN_START,
    CampaignShop,
    campaign_config,
    write_shop,
)

SCHEDULE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Seeds:
    """Where a seed set's shops and break times start; shop ``i`` of a kind takes start + i."""

    name: str
    break_shops: int
    break_times: int
    clean_shops: int
    #: The docs section its figures go to.
    section: str


SEED_SETS = {
    "tuning": Seeds("tuning", 0, 1000, 100, "watch"),
    # Far from every seed the benchmarks use, so no shop is in both sets.
    "heldout": Seeds("heldout", 10_000, 11_000, 12_000, "watch-heldout"),
}


def replay(
    url: str, moments: list[datetime], config: Config, stop_at_alert: bool
) -> tuple[list[datetime], list[float]]:
    """Run the watch at each moment; return the moments whose run opened an alert, and the
    seconds each run took."""
    alerted, costs = [], []
    for moment in moments:
        started = clock.perf_counter()
        run = run_watch(config, url, as_of=moment)
        costs.append(clock.perf_counter() - started)
        if run.changes.opened:
            alerted.append(moment)
            if stop_at_alert:
                break
    return alerted, costs


def schedule(after: datetime, through: datetime) -> list[datetime]:
    """The 15-minute schedule's runs after ``after``, through ``through``."""
    midnight = datetime.combine(after.date(), time.min)
    count = int((through - midnight) / SCHEDULE) + 1
    return [m for m in (midnight + SCHEDULE * i for i in range(count)) if after < m <= through]


def breaks(
    args: argparse.Namespace, seeds: Seeds, folder: Path, config: Config
) -> tuple[list[float], int, list[float]]:
    latencies, missed, costs = [], 0, []
    for seed in range(args.shops):
        rng = random.Random(seeds.break_times + seed)
        day = CAMPAIGN_START + timedelta(days=rng.randrange(CAMPAIGN_DAYS))
        stop = datetime.combine(day, time(10)) + timedelta(minutes=rng.randrange(8 * 60))
        url = f"sqlite:///{folder / f'break{seed}.db'}"
        silent = (stop, datetime.combine(day + timedelta(days=1), time.min))
        shop = CampaignShop(
            seeds.break_shops + seed, args.orders_per_day, args.history, silent=silent
        )
        write_shop(url, shop)
        alerted, spent = replay(url, schedule(stop, stop + timedelta(hours=3)), config, True)
        costs += spent
        if alerted:
            latencies.append((alerted[0] - stop).total_seconds() / 60)
        else:
            missed += 1
        dispose_engines()
    return latencies, missed, costs


def clean_weeks(
    args: argparse.Namespace, seeds: Seeds, folder: Path, config: Config
) -> tuple[list[int], list[float]]:
    false_alerts, costs = [], []
    for seed in range(args.clean_shops):
        url = f"sqlite:///{folder / f'clean{seed}.db'}"
        write_shop(url, CampaignShop(seeds.clean_shops + seed, args.orders_per_day, args.history))
        start = datetime.combine(CAMPAIGN_START, time.min)
        runs = schedule(start, start + timedelta(days=CAMPAIGN_DAYS) - SCHEDULE)
        alerted, spent = replay(url, runs, config, False)
        false_alerts.append(len(alerted))
        costs += spent
        dispose_engines()
    return false_alerts, costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", choices=sorted(SEED_SETS), default="tuning")
    parser.add_argument("--shops", type=int, default=12)
    parser.add_argument("--clean-shops", type=int, default=2)
    parser.add_argument("--orders-per-day", type=float, default=150)
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    seeds = SEED_SETS[args.seeds]
    config = campaign_config()
    with tempfile.TemporaryDirectory() as folder:
        latencies, missed, break_costs = breaks(args, seeds, Path(folder), config)
        false_alerts, clean_costs = clean_weeks(args, seeds, Path(folder), config)
    result = _markdown(args, seeds, latencies, missed, false_alerts, break_costs + clean_costs)
    print(result)
    if not args.no_docs:
        update_section(seeds.section, result)


def _markdown(
    args: argparse.Namespace,
    seeds: Seeds,
    latencies: list[float],
    missed: int,
    false_alerts: list[int],
    costs: list[float],
) -> str:
    median = f"{statistics.median(latencies):.0f} min" if latencies else "n/a"
    worst = f"{max(latencies):.0f} min" if latencies else "n/a"
    per_week = f"{statistics.mean(false_alerts):.2f}" if false_alerts else "n/a"
    return "\n".join(
        [
            f"### Intraday watch, {seeds.name} seeds (`python -m benchmarks.watch"
            f" --seeds {seeds.name}`)",
            "",
            f"Generated shops of about {args.orders_per_day:.0f} orders a day ({args.history}"
            " days of history, a seven-day campaign lifting orders 2–3× this year and last),"
            " the watch replayed (`as_of`) on a 15-minute schedule.",
            "",
            "| measure | result | target |",
            "|---|---|---|",
            f"| checkout break → first watch alert, median ({len(latencies)} breaks,"
            f" {missed} not alerted within 3 h) | {median} (worst {worst}) | ≤ 30 min |",
            f"| false watch alerts per clean campaign-week ({len(false_alerts)} weeks,"
            f" {CAMPAIGN_DAYS * 96} runs each) | {per_week} | ≤ 1 |",
            f"| one watch run for one store on SQLite, median / max ({len(costs)} runs) |"
            f" {statistics.median(costs):.2f} s / {max(costs):.2f} s | ≤ 10 s |",
        ]
    )


if __name__ == "__main__":
    main()
