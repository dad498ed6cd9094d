"""A computed metric value, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class MetricValue:
    metric: str
    grain: str
    period_start: date
    dimension: str
    dimension_value: str
    #: Money in minor units of the store's currency; None means "n/a".
    value: float | None
    complete: bool


def format_value(value: Any, unit: str, currency: str | None = None) -> str:
    """A value as people read it: n/a, money with its currency, percentages, counts."""
    if value is None:
        return "n/a"
    if unit == "money":
        return f"{value:,.2f} {currency or ''}".strip()
    if unit == "ratio":
        return f"{value:.1%}" if abs(value) < 10 else f"{value:,.2f}"
    if unit in ("days", "hours"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"
