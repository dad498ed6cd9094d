"""Today's expected cumulative curve: the day's expectation spread over the day by the
hour-of-day profile of comparable past days, with a band from how far those days strayed
from their own profile.

Times are minutes since store-local midnight (wall clock, so a DST day's profile is read by
the clock, as shoppers live by it). For each past day ``d`` with ``n_d`` orders, ``F_d(m)`` is
the share of its orders placed before minute ``m``; the profile ``p(m)`` pools the days
(``Σ count_d(m) / Σ n_d``). The curve is ``μ(m) = E · p(m)`` for the day's expectation ``E``.

The band is read in log terms around ``log(μ + 1)`` with the scale

    s(m) = √(σ_day² + σ_shape(m)²)

where ``σ_day`` is the day expectation's own scale and ``σ_shape(m)`` is the spread, over the
past days, of ``log(count_d(m) + 1) − log(n_d · p(m) + 1)``: how far a day that knew its own
total missed its count at ``m`` by following the profile (the Poisson noise of a partial count
is in it). ``lower(m) = (μ(m) + 1) · e^(−z·s(m)) − 1``, floored at zero. For a count of
orders the lower edge is also never above the count a Poisson process with mean ``μ(m)`` falls
below with the band's own tail probability: at a handful of expected orders the log band is too
tight (no order by 01:00 when five were expected happens one night in 150).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Profile:
    """The cumulative share of a day's orders placed before each minute (index 0…1440)."""

    share: np.ndarray
    #: σ_shape at each minute, in log terms.
    spread: np.ndarray
    days: int

    def at(self, minute: float) -> float:
        return float(np.interp(minute, np.arange(MINUTES + 1), self.share))

    def spread_at(self, minute: float) -> float:
        return float(np.interp(minute, np.arange(MINUTES + 1), self.spread))


def learn_profile(days: Mapping[date, Sequence[float]]) -> Profile | None:
    """The profile of past days, each given as the minutes its orders were placed at.

    Returns None without two days that had orders (no shape to learn).
    """
    counts = [np.sort(np.asarray(m, float)) for m in days.values() if len(m)]
    if len(counts) < 2:
        return None
    grid = np.arange(MINUTES + 1)
    cumulative = np.array([np.searchsorted(m, grid, side="left") for m in counts], float)
    totals = cumulative[:, -1:]
    share = cumulative.sum(axis=0) / totals.sum()
    misses = np.log(cumulative + 1) - np.log(totals * share + 1)
    spread = np.std(misses, axis=0, ddof=1)
    return Profile(share, spread, len(counts))


@dataclass(frozen=True, slots=True)
class Point:
    """The expected cumulative value at a moment, and its band."""

    expected: float
    lower: float
    upper: float


def expected_at(
    profile: Profile, day_expected: float, day_scale: float, minute: float, z: float
) -> Point:
    """The cumulative value expected by ``minute`` for a day expected at ``day_expected`` (its
    log scale ``day_scale``), with the band ``z`` scales either side."""
    mu = day_expected * profile.at(minute)
    s = float(np.hypot(day_scale, profile.spread_at(minute)))
    centre = np.log(mu + 1)
    return Point(mu, max(0.0, float(np.exp(centre - z * s) - 1)), float(np.exp(centre + z * s) - 1))


def counted(point: Point, z: float) -> Point:
    """``point`` for a count of orders: its lower edge no higher than the Poisson count below
    which a day following the curve falls as rarely as the band's ``z`` says."""
    tail = 0.5 * math.erfc(z / math.sqrt(2))  # Φ(−z)
    return replace(point, lower=min(point.lower, float(poisson_quantile(point.expected, tail))))


def poisson_quantile(mean: float, tail: float) -> int:
    """The smallest ``k`` with P(X ≤ k) ≥ ``tail`` for X ~ Poisson(``mean``)."""
    if mean <= 0:
        return 0
    total, k = 0.0, 0
    while True:
        total += math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
        if total >= tail:
            return k
        k += 1
