"""The campaign review's lift on generated shops with a known injected lift.

Each shop (``tests/support/campaign_shop.py``) runs a seven-day campaign that multiplies its
orders (and so its sales) by a known factor between 1.1 and 1.6; the review measures the lift
of orders and net sales over the campaign against the checks' own counterfactual. Target: the
measured lift within ±5 percentage points of the injected one.

Run: ``python -m benchmarks.review [--shops 20] [--orders-per-day 150]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks.report import update_section
from tasks.reporting.campaign import build_review, find_campaign
from tasks.warehouse.engine import dispose_engines, get_engine, reading
from tests.support.campaign_shop import (
    CAMPAIGN_DAYS,
    CAMPAIGN_START,
    CampaignShop,
    campaign_config,
    write_shop,
)

METRICS = ("orders", "net_sales")


def measure(args: argparse.Namespace, folder: Path) -> dict[str, list[tuple[float, float, bool]]]:
    """Per measure: (injected lift, error in points, whether the interval holds the injected)."""
    config = campaign_config()
    store = config.stores[0]
    found: dict[str, list[tuple[float, float, bool]]] = {m: [] for m in METRICS}
    for seed in range(args.shops):
        injected = random.Random(500 + seed).uniform(1.1, 1.6)
        url = f"sqlite:///{folder / f'review{seed}.db'}"
        write_shop(url, CampaignShop(200 + seed, args.orders_per_day, args.history, lift=injected))
        after = CAMPAIGN_START + timedelta(days=CAMPAIGN_DAYS)
        with reading(get_engine(url)) as conn:
            review = build_review(
                conn, config, store, find_campaign(config, store, "Autumn sale", after)
            )
        for metric in METRICS:
            lift = next((x for x in review.lifts if x.metric == metric), None)
            if lift is None or lift.lift is None or lift.low is None or lift.high is None:
                continue
            truth = injected - 1
            found[metric].append((truth, (lift.lift - truth) * 100, lift.low <= truth <= lift.high))
        dispose_engines()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--orders-per-day", type=float, default=150)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found = measure(args, Path(folder))
    result = _markdown(args, found)
    print(result)
    if not args.no_docs:
        update_section("review", result)


def _markdown(args: argparse.Namespace, found: dict[str, list[tuple[float, float, bool]]]) -> str:
    lines = [
        "### Campaign review lift (`python -m benchmarks.review`)",
        "",
        f"{args.shops} generated shops of about {args.orders_per_day:.0f} orders a day, each with"
        " a seven-day campaign multiplying orders by a known factor between 1.1 and 1.6.",
        "",
        "| measure | within ±5 pp | median / worst error | 95 % interval holds the truth |",
        "|---|---|---|---|",
    ]
    for metric, rows in found.items():
        errors = [abs(e) for _, e, _ in rows]
        within = sum(e <= 5 for e in errors)
        covered = sum(c for _, _, c in rows)
        lines.append(
            f"| {metric} | {within}/{len(rows)} | {statistics.median(errors):.1f} pp /"
            f" {max(errors):.1f} pp | {covered}/{len(rows)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
