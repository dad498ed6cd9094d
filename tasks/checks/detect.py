"""Anomaly detectors over one metric's daily history: pure functions of numbers and dates.

The daily checks use :func:`detect`, a robust seasonal baseline chosen by backtest
(``docs/checks.md``): each point is scored against history that excludes it, in log space
(store series are multiplicative), as

    expected = trailing level (median of the last ``level_points``, de-seasonalised)
               + the point's seasonal phase (median of the same phase over ``seasons`` periods)
    scale    = noise (1.4826 · MAD of de-seasonalised steps half the level's span apart, / √2),
               widened by the error of the expectation itself, floored so flat or sparse
               series do not explode (a fixed floor, and a Poisson floor for counts)
    score    = (log value − expected) / scale

Days on the campaign and holiday calendar are neither scored nor used as history. A slower
companion, the *level* check, compares the last ``level_points`` with the same span
``level_back`` points earlier to catch declines too gradual for a daily score, and only while
the trailing level is also below the level of the whole history.

:func:`zscore` is Elementary's default test (mean and standard deviation of the last 14 points
including the scored one, |z| > 3), kept as the baseline to beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from connectors.vocabulary import Side

MAD_TO_SIGMA = 1.4826
#: The median of k points varies about 1.25·σ/√k.
MEDIAN_ERROR = 1.25


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """How sensitive a check is; the defaults are the backtest's choice for daily store KPIs."""

    #: Robust z (in log space) from which a point is an anomaly.
    threshold: float = 4.0
    #: From this score on the anomaly is critical rather than a warning.
    critical: float = 7.0
    side: Side = "both"
    #: Points per seasonal period (7 for daily data) and periods of history used.
    period: int = 7
    seasons: int = 16
    #: Points in the trailing level; the level check compares it with the same span
    #: ``level_back`` points earlier.
    level_points: int = 14
    level_back: int = 28
    #: Points of history needed before anything is scored.
    min_history: int = 28
    #: Neither the value nor its expectation reaches this: too small to matter (e.g. 5 orders).
    min_volume: float = 0.0
    #: The value differs from expected by less than this share: not worth anyone's time.
    min_change: float = 0.35
    #: The smallest scale in log space (about ±5 %), so a flat series does not alert on noise.
    scale_floor: float = 0.05
    #: Counts (orders, units, sessions) also get the Poisson floor 1/√expected.
    counts: bool = False
    #: The level check looks for declines only: a business growing faster than usual is not
    #: an incident, and a sudden jump is the daily check's to report.
    #: It fires on a relative fall of the trailing level at least this large…
    level_change: float = 0.25
    #: …and this many standard errors of that level (fewer than the daily threshold: the
    #: usual-level condition below also guards against false alarms)…
    level_threshold: float = 3.0
    #: …while the trailing level is at least this share below the median level of the history
    #: (``seasons`` periods): a return to the usual level after a busy spell (December, a good
    #: month) is not an incident.
    level_below_usual: float = 0.15

    def with_(self, **changes: object) -> DetectorSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Scored:
    """Every point of a series with what the detector made of it (NaN where not scored)."""

    value: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    score: np.ndarray
    #: The point is an anomaly (every guard passed).
    flagged: np.ndarray
    #: The trailing level moved beyond the level check's bounds on this point.
    level_flagged: np.ndarray
    #: The level's relative change against ``level_back`` points earlier.
    level_change: np.ndarray
    #: Per point, in log space: the scale a score is measured in, the |score| from which the
    #: point is flagged, and the shift added before the log (so zeros are finite). An expected
    #: value ``e`` and a score ``z`` mean ``log(value + offset) = log(e + offset) + z · scale``.
    scale: np.ndarray
    threshold: np.ndarray
    offset: np.ndarray

    @property
    def any_flag(self) -> np.ndarray:
        return self.flagged | self.level_flagged


def detect(
    values: Sequence[float] | np.ndarray,
    settings: DetectorSettings = DetectorSettings(),
    excluded: Sequence[bool] | np.ndarray | None = None,
) -> Scored:
    """Score every point of ``values`` (one per period step, oldest first, NaN for missing).

    ``excluded`` marks points (campaigns, holidays) that are neither scored nor used as history.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    skip = np.zeros(n, bool) if excluded is None else np.asarray(excluded, bool)
    keys = ("expected", "lower", "upper", "score", "change", "scale", "threshold", "offset")
    out = {k: np.full(n, np.nan) for k in keys}
    flagged = np.zeros(n, bool)
    level_flagged = np.zeros(n, bool)
    usable = ~np.isnan(x) & ~skip & (x >= 0)
    window = settings.period * settings.seasons
    phases = np.arange(n) % settings.period
    for i in range(n):
        if skip[i] or np.isnan(x[i]):
            continue
        lo = max(0, i - window)
        history = np.flatnonzero(usable[lo:i]) + lo
        if len(history) < settings.min_history:
            continue
        point = _score_point(x, history, phases, i, settings)
        out["expected"][i], out["lower"][i], out["upper"][i], out["score"][i] = point[:4]
        out["scale"][i], out["offset"][i] = point.scale, point.offset
        out["threshold"][i] = settings.threshold
        flagged[i] = _is_anomaly(x[i], point.expected, point.score, settings)
        change = _level_change(x, usable, phases, i, settings)
        out["change"][i] = change[0]
        level_flagged[i] = change[1] and _below_usual(point.level_gap, settings)
    return Scored(
        x,
        out["expected"],
        out["lower"],
        out["upper"],
        out["score"],
        flagged,
        level_flagged,
        out["change"],
        out["scale"],
        out["threshold"],
        out["offset"],
    )


class Point(NamedTuple):
    """What the detector made of one point, against the history before it."""

    expected: float
    lower: float
    upper: float
    score: float
    #: The trailing level against the median level of the history, in log terms.
    level_gap: float
    scale: float
    offset: float


def _score_point(
    x: np.ndarray, history: np.ndarray, phases: np.ndarray, i: int, s: DetectorSettings
) -> Point:
    offset = _offset(x[history])
    logs = np.log(x[history] + offset)
    profile = _seasonal_profile(logs, phases[history], s.period)
    flat = logs - profile[phases[history]]
    level = float(np.median(flat[-s.level_points :]))
    usual = float(np.median(flat))
    centre = level + profile[phases[i]]
    scale = _noise_scale(flat, s)
    expected = float(np.exp(centre) - offset)
    if s.counts:
        scale = max(scale, 1 / np.sqrt(max(expected, 1.0)))
    scale = max(scale, s.scale_floor)
    score = (np.log(x[i] + offset) - centre) / scale
    lower = max(0.0, float(np.exp(centre - s.threshold * scale) - offset))
    upper = float(np.exp(centre + s.threshold * scale) - offset)
    return Point(expected, lower, upper, float(score), level - usual, scale, offset)


def _noise_scale(flat: np.ndarray, s: DetectorSettings) -> float:
    """How far a point may stray from its expected value: the noise, plus the error of the
    expectation itself (a median level over ``level_points``, a median per phase).

    The noise is read from steps between points half the level's span apart (their MAD over
    √2): a level that moved once inside the window (growth, a busy December) does not inflate
    it, while noise that carries over from one day to the next (weather, an ad budget) is still
    counted in full, as it is in how far the trailing level lags the point.
    """
    lag = max(1, s.level_points // 2)
    steps = flat[lag:] - flat[:-lag]
    if len(steps) < s.min_history // 2:  # too few steps to trust: the spread about the median
        return robust_sigma(flat)
    noise = robust_sigma(steps) / np.sqrt(2)
    level = min(s.level_points, len(flat))
    per_phase = max(1.0, len(flat) / s.period)
    return noise * float(np.sqrt(1 + MEDIAN_ERROR**2 * (1 / level + 1 / per_phase)))


def robust_sigma(values: np.ndarray) -> float:
    """The standard deviation as the median absolute deviation estimates it (outliers ignored)."""
    return MAD_TO_SIGMA * float(np.median(np.abs(values - np.median(values))))


def _offset(history: np.ndarray) -> float:
    """Shift before the log so zeros are finite: 1 for counts in the tens, 5 % of the median."""
    typical = float(np.median(history))
    return max(0.05 * typical, 1e-9) if typical > 0 else 1.0


def _seasonal_profile(logs: np.ndarray, phases: np.ndarray, period: int) -> np.ndarray:
    """Each phase's median distance from the overall median; 0 with fewer than 3 points."""
    centre = np.median(logs)
    profile = np.zeros(period)
    if period == 1:
        return profile
    if len(logs) % period == 0 and len(logs) >= 3 * period and _consecutive(phases, period):
        # Whole periods in order (the usual case): one vectorised median per phase.
        by_phase = np.median(logs.reshape(-1, period), axis=0) - centre
        profile[phases[:period]] = by_phase
        return profile
    for phase in range(period):
        same = logs[phases == phase]
        if len(same) >= 3:
            profile[phase] = np.median(same) - centre
    return profile


def _consecutive(phases: np.ndarray, period: int) -> bool:
    return bool(np.all(np.diff(phases) % period == 1 % period))


def _is_anomaly(value: float, expected: float, score: float, s: DetectorSettings) -> bool:
    if abs(score) < s.threshold:
        return False
    if (s.side == "drop" and score > 0) or (s.side == "spike" and score < 0):
        return False
    if max(value, expected) < s.min_volume:
        return False
    base = max(abs(expected), 1e-12)
    return abs(value - expected) / base >= s.min_change


def _below_usual(level_gap: float, s: DetectorSettings) -> bool:
    return float(np.expm1(level_gap)) <= -s.level_below_usual


def _level_change(
    x: np.ndarray, usable: np.ndarray, phases: np.ndarray, i: int, s: DetectorSettings
) -> tuple[float, bool]:
    """The trailing level (this point included) against the level ``level_back`` points before."""
    span = s.level_points
    back = s.level_back
    lo = i - back - span + 1
    if lo < 0:
        return float("nan"), False
    recent = np.flatnonzero(usable[i - span + 1 : i + 1]) + i - span + 1
    before = np.flatnonzero(usable[lo : lo + span]) + lo
    if len(recent) < span // 2 or len(before) < span // 2:
        return float("nan"), False
    both = np.concatenate([before, recent])
    offset = _offset(x[both])
    logs = np.log(x[both] + offset)
    profile = _seasonal_profile(logs, phases[both], s.period)
    flat = logs - profile[phases[both]]
    old, new = flat[: len(before)], flat[len(before) :]
    shift = float(np.median(new) - np.median(old))
    spread = robust_sigma(old)
    if s.counts:
        spread = max(spread, 1 / np.sqrt(max(float(np.exp(np.median(old))), 1.0)))
    spread = max(spread, s.scale_floor)
    # Both levels are medians and carry that error.
    stderr = MEDIAN_ERROR * spread * np.sqrt(1 / len(old) + 1 / len(new))
    change = float(np.expm1(shift))
    if change > 0 or s.side == "spike":
        return change, False
    return change, -change >= s.level_change and -shift >= s.level_threshold * stderr


def zscore(
    values: Sequence[float] | np.ndarray, days_back: int = 14, sensitivity: float = 3.0
) -> Scored:
    """Elementary's default anomaly test, as it ships: the baseline storepulse must beat.

    The training window is the last ``days_back`` points *including* the scored one; a point is
    anomalous when |value − mean| / stddev > ``sensitivity``; stddev 0 scores 0.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    expected, lower, upper, score = (np.full(n, np.nan) for _ in range(4))
    for i in range(days_back - 1, n):
        window = x[i - days_back + 1 : i + 1]
        window = window[~np.isnan(window)]
        if len(window) < days_back or np.isnan(x[i]):
            continue
        mean, std = float(window.mean()), float(window.std(ddof=1))
        expected[i] = mean
        lower[i], upper[i] = mean - sensitivity * std, mean + sensitivity * std
        score[i] = 0.0 if std == 0 else (x[i] - mean) / std
    flagged = np.abs(np.nan_to_num(score)) > sensitivity
    none, unknown = np.zeros(n, bool), np.full(n, np.nan)
    limit = np.where(np.isnan(score), np.nan, sensitivity)
    return Scored(x, expected, lower, upper, score, flagged, none, unknown, unknown, limit, unknown)
