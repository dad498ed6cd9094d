"""Why a metric moved: its drivers and the slice of the business that moved most.

Drivers split a metric into factors that multiply back to it: sales = orders × sales per order,
orders = sessions × orders per session, conversion = purchases ÷ sessions. Each factor's change
against its own expected value (the same detector) is given in log terms (negated for a
divisor), so the shares add up.
The slice is the channel or customer type (new vs returning) whose value moved furthest from the
median of its last four same weekdays, in the direction of the change.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tasks.checks.detect import DetectorSettings, detect
from tasks.checks.history import History

#: metric -> its factors, each with its power (-1: a divisor); "a/b" is a ratio of two series
DRIVERS: dict[str, tuple[tuple[str, int], ...]] = {
    "net_sales": (("orders", 1), ("net_sales/orders", 1)),
    "total_sales": (("orders", 1), ("total_sales/orders", 1)),
    "gross_sales": (("orders", 1), ("gross_sales/orders", 1)),
    "orders": (("sessions", 1), ("orders/sessions", 1)),
    "conversion_rate": (("purchases", 1), ("sessions", -1)),
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


def explain(history: History, metric: str, position: int, excluded: np.ndarray) -> dict[str, Any]:
    """Drivers and the top slice for ``metric`` on the day at ``position``."""
    out: dict[str, Any] = {}
    drivers = _drivers(history, metric, position, excluded)
    if drivers:
        out["drivers"] = drivers
        out["main_driver"] = max(drivers, key=lambda d: abs(d["log_change"]))["factor"]
    top = _top_slice(history, metric, position)
    if top:
        out["top_slice"] = top
    return out


def _drivers(
    history: History, metric: str, position: int, excluded: np.ndarray
) -> list[dict[str, Any]]:
    if metric not in DRIVERS:
        return []
    factors: list[dict[str, Any]] = []
    for name, power in DRIVERS[metric]:
        series = _factor(history, name)
        if series is None or np.isnan(series[position]):
            return []
        scored = detect(series, DetectorSettings(), excluded)
        actual, expected = float(series[position]), float(scored.expected[position])
        if math.isnan(expected) or actual <= 0 or expected <= 0:
            return []
        factors.append(
            {
                "factor": name,
                "actual": actual,
                "expected": expected,
                "log_change": power * math.log(actual / expected),
            }
        )
    total = sum(f["log_change"] for f in factors)
    for f in factors:
        f["share"] = f["log_change"] / total if total else None
    return factors


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
