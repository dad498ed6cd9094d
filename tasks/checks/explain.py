"""Why a metric moved: its drivers and the slice of the business that moved most.

Drivers split a metric into factors that multiply back to it: sales = orders × sales per order,
orders = sessions × orders per session, conversion = purchases ÷ sessions. They are compared
with the same expectation the alert used: the first factor gets its own expected value by the
same method (the ordinary detector, or the same event before on a special day), and the other
factor the rest of the alert's expected value (conversion's expected × sessions' expected for
purchases). The factors' log changes (negated for a divisor) therefore add up exactly to the
metric's, and the main driver is the factor that really moved. A factor inside its own normal
range (its scale and threshold, about its expected value) *held*.
The slice is the channel or customer type (new vs returning) whose value moved furthest from the
median of its last four same weekdays, in the direction of the change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from tasks.checks.detect import DetectorSettings
from tasks.checks.history import History
from tasks.checks.special import SpecialExpectation, special_expectation
from tasks.metrics.registry import unit_of

#: metric -> its factors, each with its power (-1: a divisor); "a/b" is a ratio of two series.
#: The first factor is expected by itself, the second takes the rest of the metric's expectation.
DRIVERS: dict[str, tuple[tuple[str, int], tuple[str, int]]] = {
    "net_sales": (("orders", 1), ("net_sales/orders", 1)),
    "total_sales": (("orders", 1), ("total_sales/orders", 1)),
    "gross_sales": (("orders", 1), ("gross_sales/orders", 1)),
    "orders": (("sessions", 1), ("orders/sessions", 1)),
    "conversion_rate": (("sessions", -1), ("purchases", 1)),
}
#: metric -> breakdowns whose values add up to it
SLICES: dict[str, tuple[str, ...]] = {
    "net_sales": ("channel_sales", "new_customer_sales", "returning_customer_sales"),
    "orders": ("channel_orders", "new_customer_orders", "returning_customer_orders"),
    "sessions": ("channel_sessions",),
}
#: What explanations need beyond the watched metrics.
NEEDED = ("orders", "sessions", "purchases", "net_sales", "total_sales", "gross_sales")
SLICE_METRICS = tuple(sorted({m for ms in SLICES.values() for m in ms}))


def explain(
    history: History,
    metric: str,
    position: int,
    excluded: np.ndarray,
    expected: float,
    past: Sequence[int] = (),
) -> dict[str, Any]:
    """Drivers and the top slice for ``metric`` on the day at ``position``.

    ``expected`` is the alert's expected value; ``past`` the same event's earlier occurrences
    when the alert was expected from them (a special day), else empty (ordinary days).
    """
    out: dict[str, Any] = {}
    drivers = _drivers(history, metric, position, excluded, expected, past)
    if drivers:
        out["drivers"] = drivers
        out["main_driver"] = max(drivers, key=lambda d: abs(d["log_change"]))["factor"]
    top = _top_slice(history, metric, position)
    if top:
        out["top_slice"] = top
    return out


def _drivers(
    history: History,
    metric: str,
    position: int,
    excluded: np.ndarray,
    expected: float,
    past: Sequence[int],
) -> list[dict[str, Any]]:
    if metric not in DRIVERS or not expected > 0:
        return []
    (first, first_power), (rest, rest_power) = DRIVERS[metric]
    first_seen = _expectation(history, first, position, excluded, past)
    rest_seen = _expectation(history, rest, position, excluded, past)
    if first_seen is None or rest_seen is None or not first_seen[1].expected > 0:
        return []
    # metric = first^p1 · rest^p2, so rest's share of the expectation is (E / first^p1)^(1/p2)
    rest_expected = (expected / first_seen[1].expected ** first_power) ** (1 / rest_power)
    factors = [
        _driver(first, first_power, *first_seen),
        _driver(rest, rest_power, rest_seen[0], _centred_on(rest_seen[1], rest_expected)),
    ]
    total = sum(f["log_change"] for f in factors)
    for f in factors:
        f["share"] = f["log_change"] / total if total else None
    return factors


def _expectation(
    history: History, name: str, position: int, excluded: np.ndarray, past: Sequence[int]
) -> tuple[float, SpecialExpectation] | None:
    """The factor's actual value and its expectation (its own scale, threshold and range)."""
    series = _factor(history, name)
    if series is None or np.isnan(series[position]) or series[position] <= 0:
        return None
    counts = "/" not in name and unit_of(name) in ("count", "units")
    found = special_expectation(series, position, excluded, past, DetectorSettings(counts=counts))
    return None if found is None else (float(series[position]), found)


def _centred_on(e: SpecialExpectation, expected: float) -> SpecialExpectation:
    """``e`` moved to centre on ``expected``: the same scale and thresholds, so the same width."""
    centre = math.log(expected + e.offset)
    lower = max(0.0, math.exp(centre - e.drop_threshold * e.scale) - e.offset)
    upper = math.exp(centre + e.spike_threshold * e.scale) - e.offset
    return replace(e, expected=expected, lower=lower, upper=upper, score=math.nan)


def _driver(name: str, power: int, actual: float, e: SpecialExpectation) -> dict[str, Any]:
    return {
        "factor": name,
        "actual": actual,
        "expected": e.expected,
        "lower": e.lower,
        "upper": e.upper,
        "held": bool(e.lower <= actual <= e.upper),
        "log_change": power * math.log(actual / e.expected),
    }


def _factor(history: History, name: str) -> np.ndarray | None:
    if "/" not in name:
        return history.series.get(name)
    top, bottom = name.split("/")
    numerator, denominator = history.series.get(top), history.series.get(bottom)
    if numerator is None or denominator is None:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _top_slice(history: History, metric: str, position: int) -> dict[str, Any] | None:
    total = history.get(metric)
    weeks = [position - 7 * k for k in range(1, 5) if position - 7 * k >= 0]
    if np.isnan(total[position]) or not weeks:
        return None
    total_change = float(total[position] - np.nanmedian(total[weeks]))
    best: dict[str, Any] | None = None
    for breakdown in SLICES.get(metric, ()):
        keys = [(m, v) for (m, v) in history.breakdowns if m == breakdown]
        series = [(breakdown, v, history.breakdowns[(m, v)]) for m, v in keys]
        if breakdown in history.series:
            series.append((breakdown, "", history.series[breakdown]))
        for source, value, s in series:
            past = s[weeks]
            if np.isnan(s[position]) or np.all(np.isnan(past)):
                continue
            change = float(s[position] - np.nanmedian(past))
            if change * total_change <= 0:
                continue
            if best is None or abs(change) > abs(best["change"]):
                best = {
                    "breakdown": source,
                    "value": value or _customer_type(source),
                    "actual": float(s[position]),
                    "expected": float(np.nanmedian(past)),
                    "change": change,
                    "share_of_change": change / total_change if total_change else None,
                }
    return best


def _customer_type(metric: str) -> str:
    return "new customers" if metric.startswith("new_") else "returning customers"
