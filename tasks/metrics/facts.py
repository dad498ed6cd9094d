"""Base measures held in memory: per store-local day, per dimension value, and per week.

A store's base measures are computed in the warehouse (``tasks.metrics.collect``) and kept here by
(grain, period start, dimension, dimension value). Additive measures of a week are the sums of its
days; measures that hold at a moment take the week's last day; measures a period defines for itself
(distinct customers, medians) are queried per period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

Key = tuple[str, date, str, str]  # (grain, period start, dimension, dimension value)
ACTIVE_WINDOWS = (7, 30, 90)


@dataclass
class Facts:
    """Base measures by (grain, period start, dimension, dimension value)."""

    values: dict[Key, dict[str, float | None]] = field(default_factory=lambda: defaultdict(dict))
    #: The dimension values present for each (grain, period start, dimension).
    keys: dict[tuple[str, date, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, key: Key, measures: dict[str, Any]) -> None:
        bucket = self.values[key]
        self.keys[key[:3]].add(key[3])
        for name, raw in measures.items():
            value = _number(raw)
            known = bucket.get(name)
            bucket[name] = value if known is None or value is None else known + value

    def get(
        self, grain: str, start: date, dimension: str = "", value: str = ""
    ) -> dict[str, float | None]:
        return self.values.get((grain, start, dimension, value), {})

    def dimension_values(self, grain: str, start: date, dimension: str) -> list[str]:
        return sorted(self.keys.get((grain, start, dimension), ()))


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days(start: date, end: date) -> Iterator[date]:
    """Every day from ``start`` to ``end``, both included: the date spine."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


#: Measures that add up over days; a day without data has zero of each.
ADDITIVE = (
    "orders",
    "gross_minor",
    "discounts_minor",
    "shop_discounts_minor",
    "shop_unsaid_orders",
    "platform_discounts_minor",
    "platform_unsaid_orders",
    "shipping_minor",
    "tax_minor",
    "cancelled_orders",
    "code_orders",
    "code_sales_minor",
    "guest_orders",
    "guest_sales_minor",
    "fulfilled_orders",
    "fulfil_hours",
    "units",
    "costed_sales_minor",
    "cogs_minor",
    "returns_minor",
    "refunded_shipping_minor",
    "refunded_tax_minor",
    "new_orders",
    "returning_orders",
    "new_sales_minor",
    "returning_sales_minor",
    "sessions",
    "add_to_carts",
    "checkouts",
    "purchases",
    # ad spend (tasks/metrics/spend_facts.py)
    "spend_minor",
    "valued_spend_minor",
    "conversion_value_minor",
    "ad_conversions",
    "ad_clicks",
    "ad_impressions",
    "unconverted_spend",
)
#: Additive measures only some stores' sources record: a day without them has none (n/a),
#: not zero (``tasks/metrics/attribution_facts.py``).
RECORDED_ONLY = ("attributed_sales_minor",)
#: Measures a period defines itself (queried per period), and measures that hold at a moment
#: (a period takes its last day's): neither is summed over days.
PERIOD_MEASURES = frozenset({"customers", "returning_customers", "median_second_order_days"})
NOT_SUMMED = PERIOD_MEASURES | {
    "units_on_hand",
    "stockouts",
    "at_risk",
    "days_of_cover",
    "unfulfilled",
    *(f"active_{n}d" for n in ACTIVE_WINDOWS),
}


def sum_weeks(facts: Facts) -> None:
    """Weeks: additive measures summed over their days; moment measures from their last day."""
    for (grain, day, dimension, value), measures in sorted(
        list(facts.values.items()), key=lambda item: item[0][1]
    ):
        if grain != "day":
            continue
        week = ("week", week_of(day), dimension, value)
        summed = {k: v for k, v in measures.items() if k not in NOT_SUMMED}
        facts.add(week, summed)
        for name in NOT_SUMMED & measures.keys():
            if name in PERIOD_MEASURES:
                continue  # queried per week
            facts.values[week][name] = measures[name]  # days ascend: the last one wins
            facts.keys[week[:3]].add(week[3])


def sum_range(facts: Facts, start: date, end: date) -> None:
    """The whole range as one period: additive measures summed, moments from the last day."""
    whole = ("range", start, "", "")
    for day in days(start, end):
        measures = facts.get("day", day)
        facts.add(whole, {k: v for k, v in measures.items() if k not in NOT_SUMMED})
        for name in NOT_SUMMED & measures.keys():
            if name in PERIOD_MEASURES or measures[name] is None:
                continue
            facts.values[whole][name] = measures[name]


def periods(facts: Facts, grain: str) -> Iterable[date]:
    return sorted({s for g, s, _, _ in facts.values if g == grain})
