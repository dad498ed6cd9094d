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
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np

from connectors.vocabulary import Side
from tasks.checks.tails import median, robust_sigma, tail_threshold

#: The median of k points varies about 1.25·σ/√k.
MEDIAN_ERROR = 1.25


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """How sensitive a check is; the defaults are the backtest's choice for daily store KPIs."""

    #: Robust z (in log space) from which a point is an anomaly. ``None`` (the default): each
    #: side's threshold is calibrated on the series' own history to ``false_alerts_per_month``.
    threshold: float | None = None
    #: The false alert episodes a month this metric may cost, all its checks together (its
    #: share of the store's budget). The one-day check takes ``1 - cumulative_share`` of it,
    #: split between the sides it watches, the cumulative check the rest.
    false_alerts_per_month: float = 0.125
    points_per_month: float = 30.44
    #: Calibrated thresholds never fall below this, and hold at ``default_threshold`` until
    #: ``min_calibration`` calm scored points exist.
    min_threshold: float = 3.0
    default_threshold: float = 4.0
    min_calibration: int = 28
    #: Calm scored points (in no spell and no lower level) a threshold is calibrated on, and
    #: how many points' worth of weight ``default_threshold`` keeps in a single day's threshold.
    calibration_points: int = 365
    prior_points: int = 120
    #: Calm points a single day's threshold may leave above it (a year's one-day incidents).
    tolerated: int = 3
    #: From this score on the anomaly is critical rather than a warning.
    critical: float = 7.0
    side: Side = "both"
    #: Points per seasonal period (7 for daily data) and periods of history used: half a year,
    #: so each weekday's place in the profile is read from 26 of its days (with sixteen, the
    #: profile's own error was a third of a day's noise).
    period: int = 7
    seasons: int = 26
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
    #: The cumulative check: the last k scored points, all on the worse side of expected, their
    #: scores summed (each clipped to ±``cumulative_clip``, so one wild day cannot make a
    #: spell) over √k, for each k here.
    cumulative_days: tuple[int, ...] = (2, 3, 5)
    cumulative_share: float = 0.4
    cumulative_clip: float = 3.0
    #: The k points together moved at least this share from what was expected of them.
    cumulative_change: float = 0.2
    #: The level check looks for declines only: a business growing faster than usual is not
    #: an incident, and a sudden jump is the daily check's to report.
    #: It fires on a relative fall of the trailing level at least this large…
    level_change: float = 0.3
    #: …and this many standard errors of that level (fewer than the daily threshold: the
    #: usual-level condition below also guards against false alarms)…
    level_threshold: float = 3.0
    #: …while the trailing level is at least this share below the median level of the history
    #: (``seasons`` periods): a return to the usual level after a busy spell (December, a good
    #: month) is not an incident.
    level_below_usual: float = 0.2

    def with_(self, **changes: object) -> DetectorSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def sides(self) -> tuple[int, ...]:
        """The score signs the one-day check watches (+1 spikes, -1 drops)."""
        return {"both": (1, -1), "spike": (1,), "drop": (-1,)}[self.side]

    @property
    def worse(self) -> int:
        """The direction the cumulative check watches: drops, unless only spikes matter."""
        return 1 if self.side == "spike" else -1

    def rate(self, check: str) -> float:
        """The share of points one threshold of ``check`` may be exceeded on."""
        per_point = self.false_alerts_per_month / self.points_per_month
        if check == "cumulative":
            return per_point * self.cumulative_share / len(self.cumulative_days)
        return per_point * (1 - self.cumulative_share) / len(self.sides)


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
    #: point is flagged (on the side the score fell), and the shift added before the log (so
    #: zeros are finite). An expected value ``e`` and a score ``z`` mean
    #: ``log(value + offset) = log(e + offset) + z · scale``.
    scale: np.ndarray
    threshold: np.ndarray
    offset: np.ndarray
    #: The last k points together moved beyond their own calibrated range (``spell``).
    cumulative_flagged: np.ndarray
    spell: tuple[Spell | None, ...] = ()
    #: The thresholds as calibrated after the last point, for people to read.
    calibration: dict[str, Any] = field(default_factory=dict)

    @property
    def any_flag(self) -> np.ndarray:
        return self.flagged | self.level_flagged | self.cumulative_flagged


class Spell(NamedTuple):
    """The run of points that tripped the cumulative check: k points ending at this one."""

    days: int
    actual: float
    expected: float
    score: float
    threshold: float


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
    flags = {k: np.zeros(n, bool) for k in ("anomaly", "level", "cumulative")}
    spells: list[Spell | None] = [None] * n
    memory = _Memory(n, settings)
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
        limits = {side: memory.threshold(side) for side in (1, -1)}
        out["expected"][i], out["score"][i] = point.expected, point.score
        out["scale"][i], out["offset"][i] = point.scale, point.offset
        out["lower"][i] = max(0.0, point.bound(-limits[-1]))
        out["upper"][i] = point.bound(limits[1])
        out["threshold"][i] = limits[1 if point.score >= 0 else -1]
        flags["anomaly"][i] = _is_anomaly(x[i], point, out["threshold"][i], settings)
        change = _level_change(x, usable, phases, i, settings)
        out["change"][i] = change[0]
        memory.note(i, point)
        # An open spell goes on while the day still falls short and the store's recent level
        # stays as far down as a spell must be: a drift that continues is one alert that
        # updates, not a page a day.
        short = settings.worse * point.score > 0
        continues = short and settings.worse * change[0] >= settings.cumulative_change
        spells[i] = memory.spell(i, x, continues)
        flags["cumulative"][i] = spells[i] is not None
        level = change[1] and _below_usual(point.level_gap, settings)
        flags["level"][i] = level and not flags["cumulative"][i]
        # A day the one-day check flagged stays in the calibration: such days are what the
        # series' tails are made of. Days in a spell or a lower level are an incident's.
        memory.settle(i, calm=not (flags["cumulative"][i] or flags["level"][i]))
    return Scored(
        x,
        out["expected"],
        out["lower"],
        out["upper"],
        out["score"],
        flags["anomaly"],
        flags["level"],
        out["change"],
        out["scale"],
        out["threshold"],
        out["offset"],
        flags["cumulative"],
        tuple(spells),
        memory.calibration(),
    )


class Point(NamedTuple):
    """What the detector made of one point, against the history before it."""

    expected: float
    score: float
    #: The trailing level against the median level of the history, in log terms.
    level_gap: float
    scale: float
    offset: float
    #: The expected value in log space (``log(expected + offset)``).
    centre: float

    def bound(self, score: float) -> float:
        """The value that would score ``score``."""
        return float(np.exp(self.centre + score * self.scale) - self.offset)


class _Memory:
    """The scores seen so far, and the thresholds calibrated on the calm ones (those in no
    spell and no lower level: a sustained incident the checks saw does not widen the range
    for the next one)."""

    def __init__(self, n: int, settings: DetectorSettings) -> None:
        self.settings = settings
        self.scored: list[int] = []
        self.scores = np.full(n, np.nan)
        self.expected = np.full(n, np.nan)
        #: What the point would be expected at the history's usual level, not its recent one.
        self.usual = np.full(n, np.nan)
        self.calm = np.zeros(n, bool)
        #: Where the open spell began (None: none open), and the threshold it opened beyond.
        self.opened: int | None = None
        self.opened_threshold = 0.0
        #: k -> the clipped sum of the last k scores over √k, per point.
        self.sums = {k: np.full(n, np.nan) for k in settings.cumulative_days}

    def calibration(self) -> dict[str, Any]:
        s = self.settings
        limits = {"spike": self.threshold(1), "drop": self.threshold(-1)}
        for k in s.cumulative_days:
            limits[f"{k} days"] = self._spell_limit(k)
        calm = int(self.calm.sum())
        return {"thresholds": {k: round(v, 2) for k, v in limits.items()}, "calm_points": calm}

    def threshold(self, side: int) -> float:
        s = self.settings
        if s.threshold is not None:
            return s.threshold
        return self._calibrated(self.scores, side, s.rate("anomaly"))

    def note(self, i: int, point: Point) -> None:
        self.scores[i], self.expected[i] = point.score, point.expected
        self.usual[i] = point.bound(-point.level_gap / point.scale)

    def spell(self, i: int, x: np.ndarray, continues: bool) -> Spell | None:
        """The spell this point is in: a run of the last k points (this one noted) beyond its
        calibrated threshold and ``cumulative_change`` from what was expected of them, or the
        open one, told since its start, when a new run is found or ``continues``."""
        found = self._new_spell(i, x)
        if found is not None:
            self.opened_threshold = found.threshold
        if self.opened is None or not (found or continues):
            self.opened = None if found is None else [*self.scored, i][-found.days]
            return found
        since = [j for j in [*self.scored, i] if j >= self.opened]
        actual, expected = float(x[since].sum()), float(self.expected[since].sum())
        return Spell(len(since), actual, expected, self._sum(since), self.opened_threshold)

    def _new_spell(self, i: int, x: np.ndarray) -> Spell | None:
        s = self.settings
        found: Spell | None = None
        for k in s.cumulative_days:
            recent = [*self.scored[len(self.scored) - k + 1 :], i] if k > 1 else [i]
            if len(recent) < k:
                continue
            total = self.sums[k][i] = self._sum(recent)
            if np.any(s.worse * self.scores[recent] <= 0):
                continue  # a spell is a run of points that all fell short, not one bad day
            limit = self._spell_limit(k)
            actual, expected = float(x[recent].sum()), float(self.expected[recent].sum())
            usual = float(self.usual[recent].sum())
            if s.worse * total < limit or not (
                _moved(actual, expected, s) and _moved(actual, usual, s)
            ):
                continue  # too small a change, or a return to the usual level after a busy spell
            if found is None or abs(total) / limit > abs(found.score) / found.threshold:
                found = Spell(k, actual, expected, total, limit)
        return found

    def _sum(self, points: list[int]) -> float:
        """The points' scores, each clipped to ±``cumulative_clip``, summed over √(their count)."""
        clip = self.settings.cumulative_clip
        return float(np.clip(self.scores[points], -clip, clip).sum() / np.sqrt(len(points)))

    def _spell_limit(self, k: int) -> float:
        s = self.settings
        return self._calibrated(self.sums[k], s.worse, s.rate("cumulative"), tail=False)

    def settle(self, i: int, calm: bool) -> None:
        """Point ``i`` is done: later points count from it, and calibrate on it when calm."""
        self.scored.append(i)
        self.calm[i] = calm

    def _calibrated(self, values: np.ndarray, side: int, rate: float, tail: bool = True) -> float:
        """The threshold for ``side * values`` of the calm points: from their tail for single
        days, from their robust spread for sums (near-Gaussian, and overlapping, so their tail
        holds few independent points)."""
        s = self.settings
        calm = values[self.calm]
        calm = side * calm[~np.isnan(calm)][-s.calibration_points :]
        if len(calm) < s.min_calibration:
            return s.default_threshold
        if tail:
            # A tail read from few points is noisy: trust it more as they grow. Days far out
            # that came often (bulk orders, naturally busy days) are the series' nature, not
            # incidents: the threshold clears all but ``tolerated`` of them.
            weight = len(calm) / (len(calm) + s.prior_points)
            frequent = np.sort(calm)[-s.tolerated - 1] if len(calm) > s.tolerated else -np.inf
            return max(s.min_threshold, tail_threshold(calm, rate, weight), float(frequent))
        spread = float(median(calm)) + robust_sigma(calm) * NormalDist().inv_cdf(1 - rate)
        return max(s.min_threshold, spread)


def _moved(actual: float, expected: float, s: DetectorSettings) -> bool:
    """``actual`` is at least ``cumulative_change`` worse than ``expected``."""
    return s.worse * (actual / max(expected, 1e-12) - 1) >= s.cumulative_change


def _score_point(
    x: np.ndarray, history: np.ndarray, phases: np.ndarray, i: int, s: DetectorSettings
) -> Point:
    offset = _offset(x[history])
    logs = np.log(x[history] + offset)
    profile = _seasonal_profile(logs, phases[history], s.period)
    flat = logs - profile[phases[history]]
    level = float(median(flat[-s.level_points :]))
    usual = float(median(flat))
    centre = level + profile[phases[i]]
    scale = _noise_scale(flat, s)
    expected = float(np.exp(centre) - offset)
    if s.counts:
        scale = max(scale, 1 / np.sqrt(max(expected, 1.0)))
    scale = max(scale, s.scale_floor)
    score = (np.log(x[i] + offset) - centre) / scale
    return Point(expected, float(score), level - usual, float(scale), offset, float(centre))


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


def _offset(history: np.ndarray) -> float:
    """Shift before the log so zeros are finite: 1 for counts in the tens, 5 % of the median."""
    typical = float(median(history))
    return max(0.05 * typical, 1e-9) if typical > 0 else 1.0


def _seasonal_profile(logs: np.ndarray, phases: np.ndarray, period: int) -> np.ndarray:
    """Each phase's median distance from the overall median; 0 with fewer than 3 points."""
    centre = median(logs)
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
            profile[phase] = median(same) - centre
    return profile


def _consecutive(phases: np.ndarray, period: int) -> bool:
    return bool(np.all(np.diff(phases) % period == 1 % period))


def _is_anomaly(value: float, point: Point, threshold: float, s: DetectorSettings) -> bool:
    if abs(point.score) < threshold or np.sign(point.score) not in s.sides:
        return False
    if max(value, point.expected) < s.min_volume:
        return False
    base = max(abs(point.expected), 1e-12)
    return abs(value - point.expected) / base >= s.min_change


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
    shift = float(median(new) - median(old))
    spread = robust_sigma(old)
    if s.counts:
        spread = max(spread, 1 / np.sqrt(max(float(np.exp(median(old))), 1.0)))
    spread = max(spread, s.scale_floor)
    # Both levels are medians and carry that error.
    stderr = MEDIAN_ERROR * spread * np.sqrt(1 / len(old) + 1 / len(new))
    change = float(np.expm1(shift))
    if change > 0 or s.side == "spike":
        return change, False
    return change, -change >= s.level_change and -shift >= s.level_threshold * stderr


def zscore(
    values: Sequence[float] | np.ndarray,
    days_back: int = 14,
    sensitivity: float = 3.0,
    side: Side = "both",
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
    signs = DetectorSettings(side=side).sides  # Elementary's anomaly_direction
    flagged = (np.abs(np.nan_to_num(score)) > sensitivity) & np.isin(np.sign(score), signs)
    none, unknown = np.zeros(n, bool), np.full(n, np.nan)
    limit = np.where(np.isnan(score), np.nan, sensitivity)
    return Scored(
        x, expected, lower, upper, score, flagged, none, unknown, unknown, limit, unknown, none
    )
