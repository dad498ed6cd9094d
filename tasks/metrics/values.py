"""A computed metric value, before it is stored, in the units ``metric_values`` keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from connectors.money import currency_exponent
from tasks.metrics.registry import REGISTRY


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One value of one metric; exactly one of ``value_minor`` and ``number`` is set, unless
    the value is "n/a" (both None)."""

    metric: str
    grain: str
    period_start: date
    dimension: str
    dimension_value: str
    #: Money: whole minor units of the store's currency (cents, yen, fils).
    value_minor: int | None
    #: Everything else: counts, rates as fractions, days, hours.
    number: float | None
    complete: bool

    @property
    def amount(self) -> float | None:
        """The value in the registry's units (minor units for money), whichever column holds it."""
        return self.number if self.value_minor is None else self.value_minor


def metric_value(
    metric: str,
    grain: str,
    period_start: date,
    dimension: str,
    dimension_value: str,
    value: float | None,
    complete: bool,
) -> MetricValue:
    """A computed value in its column: money rounded to whole minor units (half to even, for a
    money ratio such as an average order value), everything else as a float."""
    money = REGISTRY[metric].unit == "money"
    return MetricValue(
        metric,
        grain,
        period_start,
        dimension,
        dimension_value,
        None if value is None or not money else round(value),
        None if value is None or money else float(value),
        complete,
    )


def format_value(value: Any, unit: str, currency: str | None = None) -> str:
    """A value as people read it: n/a, money with its currency, percentages, counts.

    Money is in major units (a Decimal from :func:`tasks.metrics.query.metric_rows`)."""
    if value is None:
        return "n/a"
    if unit == "money":  # in the currency's own decimals: 2 for USD, 0 for JPY, 3 for KWD
        decimals = currency_exponent(currency) if currency else 2
        return f"{value:,.{decimals}f} {currency or ''}".strip()
    if unit == "ratio":
        return f"{value:.1%}" if abs(value) < 10 else f"{value:,.2f}"
    if unit in ("days", "hours"):
        return f"{value:,.1f}"
    if unit == "multiple":
        return f"{value:,.2f}x"
    return f"{value:,.0f}"
