"""What one watch run finds for one store, from numbers already read (no warehouse, no Prefect).

- ``watch_stopped`` (critical): no order for a span so long that a working checkout leaves
  one that long only rarely enough for the false-alert budget (``stopped_level``). The span's
  expectation comes from the curve, scaled by the day's own pace so far (a day running at 0.7×
  its curve expects 0.7× the orders in a silence), and the chance of the silence counts the
  doubt left in that pace.
- ``watch_band`` (warning): today's running order count below the curve's lower band on this
  run and the one before (one low reading is noise more often than not).
- ``watch_pace`` (warning): the campaign's orders or sales to date below ``PACE_FLOOR`` of the
  target's pace (the target spread over the campaign's days by the hour-of-day profile).

Each finding is for the store-local day of the run; the lifecycle resolves it when a later run
of the same day no longer finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tasks.campaigns.curve import Point
from tasks.checks.findings import Finding

#: False stopped-orders alerts a store's clean week may cost: the week's runs share it, so a
#: run calls orders stopped only on a silence this budget / runs-a-week likely by luck.
STOPPED_FALSE_ALERTS_PER_WEEK = 0.5
#: The least doubt granted to a day's expectation (a log scale): a history so steady that its
#: scale is near zero must not make the day's pace ignore today's own orders.
MIN_DAY_SCALE = 0.05
#: The band's half-width in scales: a running total this far below the curve is unusual.
BAND_Z = 3.0
#: The share of the target's pace under which the pace is slipping.
PACE_FLOOR = 0.9
#: The pace is judged once this share of the campaign has passed (its first hours say little).
PACE_FROM = 0.1


@dataclass(frozen=True, slots=True)
class Today:
    """A store's day so far at a watch run (store-local minutes since midnight)."""

    store: str
    day: date
    minute: float
    orders: int
    sales: float
    #: The minute of the last order so far today (None: none yet).
    last_order_minute: float | None
    orders_curve: Point
    #: The curve's expected count at the last order (or at the watch's start of day).
    expected_at_last: float
    #: The log scale of the day's expectation: how far a day strays from it.
    day_scale: float
    sales_curve: Point | None = None
    sessions: float | None = None
    #: Whether the previous run of the day had the order count below the band.
    was_below: bool = False


@dataclass(frozen=True, slots=True)
class Pace:
    """A campaign's progress toward one target."""

    campaign: str
    metric: str  # orders or net_sales
    target: float
    actual: float
    #: The share of the campaign's expected volume that has passed (0…1).
    elapsed: float


@dataclass(slots=True)
class WatchFindings:
    findings: list[Finding] = field(default_factory=list)
    below_band: bool = False


def watch_findings(
    today: Today, paces: Sequence[Pace] = (), every_minutes: float = 15
) -> WatchFindings:
    """The findings of one watch run for one store, the watch running every ``every_minutes``."""
    result = WatchFindings()
    stopped = stopped_finding(today, stopped_level(every_minutes))
    if stopped is not None:
        result.findings.append(stopped)
    result.below_band = today.orders < today.orders_curve.lower
    if result.below_band and today.was_below:
        result.findings.append(_band_finding(today))
    result.findings += [f for p in paces if (f := pace_finding(today, p)) is not None]
    return result


def stopped_level(every_minutes: float) -> float:
    """The chance of a silence by luck below which a run calls orders stopped: the week's
    budget of false alerts shared by the week's runs."""
    runs_a_week = 7 * 24 * 60 / every_minutes
    return STOPPED_FALSE_ALERTS_PER_WEEK / runs_a_week


def day_pace(today: Today) -> tuple[float, float]:
    """What the day's orders so far say of its multiplier on the curve, as a gamma's (shape,
    rate): a prior of mean 1 as doubtful as the day's expectation (shape = rate = 1/scale²),
    updated by the orders up to the last one against the curve's count there. Its mean
    ``shape / rate`` stays near 1 while little of the day has passed."""
    prior = 1 / max(today.day_scale, MIN_DAY_SCALE) ** 2
    return prior + today.orders, prior + today.expected_at_last


def silent_span_expectation(today: Today) -> float:
    """Orders expected since the last order: the curve's span scaled by the day's pace."""
    shape, rate = day_pace(today)
    return _curve_span(today) * shape / rate


def silence_chance(today: Today) -> float:
    """The chance of no order since the last one with the checkout working: the Poisson
    chance ``e^−λ`` averaged over the doubt in the day's pace (a negative binomial's zero)."""
    shape, rate = day_pace(today)
    return float((rate / (rate + _curve_span(today))) ** shape)


def _curve_span(today: Today) -> float:
    return max(0.0, today.orders_curve.expected - today.expected_at_last)


def stopped_finding(today: Today, level: float) -> Finding | None:
    """The stopped-orders finding when the silence is less likely than ``level`` by luck."""
    if silence_chance(today) >= level:
        return None
    expected = silent_span_expectation(today)
    since = _clock(today.last_order_minute) if today.last_order_minute is not None else "00:00"
    params = {"since": since, "expected": round(expected, 1)}
    return Finding(
        today.store,
        today.day,
        "orders",
        "watch_stopped",
        "business",
        "critical",
        f"No orders since {since}; about {expected:.0f} were expected in that time",
        actual=0.0,
        expected=round(expected, 1),
        explanation=_explanation(today, params, silent_expected=expected),
    )


def _band_finding(today: Today) -> Finding:
    curve = today.orders_curve
    params = {
        "orders": today.orders,
        "clock": _clock(today.minute),
        "expected": round(curve.expected),
        "lower": round(curve.lower),
        "upper": round(curve.upper),
    }
    return Finding(
        today.store,
        today.day,
        "orders",
        "watch_band",
        "business",
        "warning",
        f"{today.orders} orders by {_clock(today.minute)}, below the normal range "
        f"({curve.lower:.0f}–{curve.upper:.0f}, expected {curve.expected:.0f}) on two runs running",
        actual=float(today.orders),
        expected=round(curve.expected, 1),
        lower=round(curve.lower, 1),
        upper=round(curve.upper, 1),
        explanation=_explanation(today, params),
    )


def pace_finding(today: Today, pace: Pace) -> Finding | None:
    if pace.elapsed < PACE_FROM:
        return None
    due = pace.target * pace.elapsed
    if pace.actual >= PACE_FLOOR * due:
        return None
    return Finding(
        today.store,
        today.day,
        pace.metric,
        "watch_pace",
        "business",
        "warning",
        f"{pace.campaign}: {pace.actual:,.0f} of a target of {pace.target:,.0f} with "
        f"{pace.elapsed:.0%} of the campaign gone (due by now: {due:,.0f})",
        actual=pace.actual,
        expected=round(due, 2),
        dimension_value=pace.campaign,
        explanation={
            "params": {
                "metric": pace.metric,
                "campaign": pace.campaign,
                "actual": pace.actual,
                "target": pace.target,
                "elapsed": pace.elapsed,
                "due": due,
            }
        },
    )


def _explanation(
    today: Today, params: dict[str, object], silent_expected: float | None = None
) -> dict[str, object]:
    """What the alert says beside its numbers: what moved (purchases: the watch counts orders,
    and a broken checkout moves them whatever traffic does) and the day so far (AOV, and
    conversion where the day's sessions exist)."""
    aov = today.sales / today.orders if today.orders else None
    conversion = today.orders / today.sessions if today.sessions else None
    sales = today.sales_curve
    moved = (
        {"factor": "purchases", "actual": 0, "expected": round(silent_expected, 1)}
        if silent_expected is not None
        else {
            "factor": "purchases",
            "actual": today.orders,
            "expected": round(today.orders_curve.expected, 1),
        }
    )
    return {
        "params": params,
        "main_driver": "purchases",
        "drivers": [moved],
        "today": {
            "as_of": _clock(today.minute),
            "orders": today.orders,
            "sales": round(today.sales, 2),
            "sales_expected": None if sales is None else round(sales.expected, 2),
            "aov": None if aov is None else round(aov, 2),
            "conversion": None if conversion is None else round(conversion, 4),
        },
    }


def _clock(minute: float) -> str:
    whole = int(minute)
    return f"{whole // 60:02d}:{whole % 60:02d}"
