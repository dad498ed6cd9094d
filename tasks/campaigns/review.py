"""What a campaign did: each measure against its counterfactual, the days as they would have
been without the campaign, by the checks' own expectation.

The counterfactual of a campaign day is the detector's ordinary expectation of that day, learned
from the ordinary days before it (campaign and holiday days never learned from,
``tasks/checks/special.py``). Over the campaign's days the lift of an additive measure is

    lift = Σ actual / Σ expected − 1

with a 95 % interval from the days' own scales: in log terms the total's error is about
``√Σ (expected_i · σ_i)² / Σ expected_i`` (each day's error ``σ_i``, independent), so the
interval is ``Σ actual / (Σ expected · e^(±1.96·s)) − 1``. A ratio (AOV, conversion) is the
ratio of its parts' totals, set against the ratio of their counterfactuals.

The pull-forward is the same reading of the week after the campaign (a fall there is sales
the campaign took early).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tasks.checks.detect import DetectorSettings
from tasks.checks.special import ordinary_expectation

#: The measures a review sets against their counterfactual, and how each is made.
ADDITIVE = ("net_sales", "orders", "new_customers", "units", "sessions")
RATIOS = {"aov": ("net_sales", "orders"), "conversion_rate": ("orders", "sessions")}
Z95 = 1.96


@dataclass(frozen=True, slots=True)
class Lift:
    """One measure over a span of days: actual, counterfactual, and the lift with its interval."""

    metric: str
    actual: float
    expected: float
    lift: float | None
    low: float | None
    high: float | None


def span_lift(
    metric: str,
    series: np.ndarray,
    positions: Sequence[int],
    excluded: np.ndarray,
    settings: DetectorSettings,
) -> Lift | None:
    """The lift of an additive ``metric`` over the days at ``positions``; None when a day's
    value is missing or the detector cannot expect a day (too little history)."""
    actual = expected = spread = 0.0
    for position in positions:
        found = ordinary_expectation(series, position, excluded, settings)
        if found is None or np.isnan(series[position]):
            return None
        mu, scale, _ = found
        actual += float(series[position])
        expected += mu
        spread += (mu * scale) ** 2
    return _lift(metric, actual, expected, float(np.sqrt(spread)) / expected if expected else 0)


def ratio_lift(metric: str, parts: Mapping[str, Lift]) -> Lift | None:
    """A ratio's lift from its parts' totals; the interval from both parts' scales."""
    top, bottom = (parts.get(name) for name in RATIOS[metric])
    if top is None or bottom is None or not top.actual or not bottom.actual:
        return None
    if not bottom.expected or not top.expected:
        return None
    actual = top.actual / bottom.actual
    expected = top.expected / bottom.expected
    scale = float(np.hypot(_scale(top), _scale(bottom)))
    return _lift(metric, actual, expected, scale)


def _scale(lift: Lift) -> float:
    """The log scale of a lift's counterfactual, read back from its interval."""
    if lift.low is None or lift.high is None:
        return 0.0
    return float(np.log((1 + lift.high) / (1 + lift.low)) / (2 * Z95))


def _lift(metric: str, actual: float, expected: float, scale: float) -> Lift:
    if expected <= 0:
        return Lift(metric, actual, expected, None, None, None)
    ratio = actual / expected
    return Lift(
        metric,
        actual,
        expected,
        ratio - 1,
        ratio * float(np.exp(-Z95 * scale)) - 1,
        ratio * float(np.exp(Z95 * scale)) - 1,
    )
