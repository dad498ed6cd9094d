"""The campaign review's lift on generated shops with a known injected lift.

Each shop (``tests/support/campaign_shop.py``) runs a seven-day campaign that multiplies its
orders (and so its sales) by a known factor between 1.1 and 1.6; the review measures the lift
of orders and net sales over the campaign against the checks' own counterfactual. Target: the
measured lift within ±5 percentage points of the injected one.

Beside it, in the same shops, the *oracle*: the lift read against the generator's own mean for
the campaign's days, which no review can know. Its error is the week's own noise alone, so no
counterfactual does better than it.

Shops 0–19 were looked at while the review was built; shops 20–39 are held out
(``--held-out``).

Run: ``python -m benchmarks.review [--held-out] [--orders-per-day 150]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from benchmarks.report import update_section
from tasks.reporting.campaign import build_review, find_campaign
from tasks.warehouse.engine import dispose_engines, get_engine, reading
from tests.support.campaign_shop import (
    CAMPAIGN_DAYS,
    CAMPAIGN_START,
    CampaignShop,
    campaign_config,
    true_counterfactual,
    write_shop,
)

METRICS = ("orders", "net_sales")
SHOPS = 20
TUNING, HELD_OUT = range(SHOPS), range(SHOPS, 2 * SHOPS)


class Measured(NamedTuple):
    """One shop's measure: the injected lift, the review's and the oracle's errors in points,
    and whether the review's interval holds the injected lift."""

    truth: float
    error: float
    oracle_error: float
    covered: bool


def measure(args: argparse.Namespace, folder: Path) -> dict[str, list[Measured]]:
    config = campaign_config()
    store = config.stores[0]
    found: dict[str, list[Measured]] = {m: [] for m in METRICS}
    for seed in HELD_OUT if args.held_out else TUNING:
        injected = random.Random(500 + seed).uniform(1.1, 1.6)
        url = f"sqlite:///{folder / f'review{seed}.db'}"
        shop = CampaignShop(200 + seed, args.orders_per_day, args.history, lift=injected)
        write_shop(url, shop)
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
            oracle = lift.actual / true_counterfactual(shop, metric) - 1
            found[metric].append(
                Measured(
                    truth,
                    (lift.lift - truth) * 100,
                    (oracle - truth) * 100,
                    lift.low <= truth <= lift.high,
                )
            )
        dispose_engines()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--held-out", action="store_true", help="the held-out shops 20–39")
    parser.add_argument("--orders-per-day", type=float, default=150)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found = measure(args, Path(folder))
    result = _markdown(args, found)
    print(result)
    if not args.no_docs:
        update_section("review-heldout" if args.held_out else "review", result)


def _markdown(args: argparse.Namespace, found: dict[str, list[Measured]]) -> str:
    shops = HELD_OUT if args.held_out else TUNING
    which = "held out" if args.held_out else "looked at while building"
    lines = [
        f"### Campaign review lift, shops {shops.start}–{shops.stop - 1} ({which};"
        f" `python -m benchmarks.review{' --held-out' if args.held_out else ''}`)",
        "",
        f"{len(shops)} generated shops of about {args.orders_per_day:.0f} orders a day, each"
        " with a seven-day campaign multiplying orders by a known factor between 1.1 and 1.6.",
        "",
        "| measure | within ±5 pp: review / oracle | median error: review / oracle"
        " | worst error: review / oracle | 95 % interval holds the truth |",
        "|---|---|---|---|---|",
    ]
    for metric, rows in found.items():
        review, oracle = [abs(r.error) for r in rows], [abs(r.oracle_error) for r in rows]
        covered = sum(r.covered for r in rows)
        lines.append(
            f"| {metric} | {_within(review)}/{len(rows)} / {_within(oracle)}/{len(rows)}"
            f" | {statistics.median(review):.1f} / {statistics.median(oracle):.1f} pp"
            f" | {max(review):.1f} / {max(oracle):.1f} pp | {covered}/{len(rows)} |"
        )
    return "\n".join(lines)


def _within(errors: list[float]) -> int:
    return sum(e <= 5 for e in errors)


if __name__ == "__main__":
    main()
