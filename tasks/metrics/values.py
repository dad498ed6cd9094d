"""A computed metric value, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
