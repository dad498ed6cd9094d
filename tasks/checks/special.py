"""The expectation of a special day (a built-in retail day or a campaign day) for one metric.

A special day sells unlike an ordinary one, so it is expected from the same event before: the
*lift* of each earlier occurrence (how far its value stood above or below its own ordinary
expectation, in log terms) is applied to this year's ordinary expectation. The ordinary
expectation already carries the store's current level (its trailing weeks), so the event is
scaled by how the store is doing now against how it did then.

The range, in log space around that centre, uses the scale

    max(ordinary scale, spread of the past lifts) · √(1 + 1/k)

over k past occurrences: the day's own noise or, from two occurrences on, how far the past
occurrences missed each other when that is wider; widened for the error of the lift itself
(one occurrence's lift carries one day's noise: √2 times the ordinary scale). The day is then
scored with the ordinary thresholds (each side's), so a special day is flagged as rarely as an
ordinary one.

Without an earlier occurrence of the same event, a campaign day is expected from the store's
*most similar past campaign* instead (source ``similar_campaign``): another configured campaign
(never a retail holiday: Christmas sells unlike a sale), over before this one began, whose
length in days is closest to this one's and at most twice or half of it; of equally close runs
the latest. Its day at the same relative place (first for first, last for last) lends its lift.
A retail holiday has no similar campaign. Without one, the day keeps the ordinary expectation
(source ``ordinary_days``), and the checks say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np

from tasks.checks.calendar import RETAIL_DAYS
from tasks.checks.detect import DetectorSettings, Scored, detect

#: Where a special day's expectation came from.
Source = Literal["same_event", "similar_campaign", "ordinary_days"]
#: A similar campaign lasts at most this many times as long as the day's own, or as short.
SIMILAR_LENGTH_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class SpecialExpectation:
    """A special day's expected value and range for one metric (log space as in ``Scored``:
    ``log(value + offset) = log(expected + offset) + score · scale``)."""

    expected: float
    lower: float
    upper: float
    score: float
    scale: float
    #: The |score| from which the day is flagged on the side its score fell, and each side's
    #: (the detector may calibrate them apart): the range is the values inside both.
    threshold: float
    offset: float
    source: Source
    drop_threshold: float
    spike_threshold: float
    #: Positions (in the history) of the past occurrences whose lift was used.
    past: tuple[int, ...] = ()
    #: Their mean lift over their own ordinary expectation, in log terms.
    lift: float = 0.0


def past_occurrences(days: Sequence[date], events: Mapping[date, str], day: date) -> list[int]:
    """Positions in ``days`` of the same event's earlier occurrences, oldest first.

    An event is a run of consecutive days with the same name (a campaign, "BFCM weekend"); the
    same day of each earlier run is taken (the third day of last year's campaign for the third
    day of this one). A run that starts on the first day of the history may be cut short and
    is left out, as is a run too short to have the day.
    """
    name = events.get(day)
    if name is None or not days:
        return []
    first = _run_start(events, day)
    index = (day - first).days
    found = []
    for start in _run_starts(events, name):
        occurrence = start + timedelta(days=index)
        if start >= first or start <= days[0] or events.get(occurrence) != name:
            continue
        if _run_start(events, occurrence) == start:  # the run lasts that long
            found.append((occurrence - days[0]).days)
    return [p for p in found if p < len(days)]


@dataclass(frozen=True, slots=True)
class Reference:
    """The past days a special day is expected from: the same event's, the most similar past
    campaign's, or none (``ordinary_days``)."""

    source: Source
    positions: tuple[int, ...] = ()
    #: The event the positions belong to (the similar campaign's name for ``similar_campaign``).
    event: str = ""


def reference_days(days: Sequence[date], events: Mapping[date, str], day: date) -> Reference:
    """Where the special day ``day`` is expected from: its event's earlier occurrences, else
    the most similar past campaign's day at the same relative place (see the module)."""
    same = past_occurrences(days, events, day)
    if same:
        return Reference("same_event", tuple(same), events[day])
    similar = similar_run(days, events, day)
    if similar is None:
        return Reference("ordinary_days")
    name, start, length = similar
    first = _run_start(events, day)
    own = _run_length(events, first)
    index = (day - first).days
    at = round(index * (length - 1) / (own - 1)) if own > 1 else 0
    position = (start + timedelta(days=at) - days[0]).days
    return Reference("similar_campaign", (position,), name)


def similar_run(
    days: Sequence[date], events: Mapping[date, str], day: date
) -> tuple[str, date, int] | None:
    """The most similar past campaign to the campaign ``day`` belongs to: (name, first day,
    length); None for a retail holiday, or when no other campaign of a close enough length
    ended before this one began (within the history, not cut short by its start)."""
    name = events.get(day)
    if name is None or name in RETAIL_DAYS or not days:
        return None
    first = _run_start(events, day)
    own = _run_length(events, first)
    found = []
    for other in set(events.values()) - {name} - RETAIL_DAYS:
        for start in _run_starts(events, other):
            length = _run_length(events, start)
            ended = start + timedelta(days=length - 1)
            if start <= days[0] or ended >= first:
                continue
            if max(length, own) / min(length, own) > SIMILAR_LENGTH_RATIO:
                continue
            found.append((abs(length - own), -start.toordinal(), other, start, length))
    if not found:
        return None
    _, _, other, start, length = min(found)
    return other, start, length


def special_expectation(
    series: np.ndarray,
    position: int,
    excluded: np.ndarray,
    past: Sequence[int],
    settings: DetectorSettings,
    source: Source = "same_event",
) -> SpecialExpectation | None:
    """The expectation of the special day at ``position`` from the ``past`` days (the same
    event's earlier occurrences, or a similar campaign's day: ``source``; ``excluded``: the
    special days, never learned from).

    Returns None when the detector cannot score the day at all (too little history); the
    ordinary expectation (source ``ordinary_days``) when no past occurrence can be scored.
    """
    ordinary = _ordinary(series, position, excluded, settings)
    if ordinary is None:
        return None
    lifts = {p: lift for p in past if (lift := _lift(series, p, excluded, settings)) is not None}
    centre = float(np.log(ordinary.expected[position] + ordinary.offset[position]))
    scale = float(ordinary.scale[position])
    if not lifts:
        return _expectation(series[position], centre, scale, ordinary, position, "ordinary_days")
    values = np.array(list(lifts.values()))
    spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    widened = max(scale, spread) * float(np.sqrt(1 + 1 / len(values)))
    lift = float(values.mean())
    found = _expectation(series[position], centre + lift, widened, ordinary, position, source)
    return replace(found, past=tuple(lifts), lift=lift)


def rescored(
    scored: Scored, position: int, expectation: SpecialExpectation, settings: DetectorSettings
) -> Scored:
    """``scored`` with the point at ``position`` scored against ``expectation`` instead, and
    flagged by the same guards as any day (threshold, side, minimum volume and change)."""
    arrays = {
        name: getattr(scored, name).copy()
        for name in ("expected", "lower", "upper", "score", "scale", "threshold", "flagged")
    }
    for name in ("expected", "lower", "upper", "score", "scale", "threshold"):
        arrays[name][position] = getattr(expectation, name)
    arrays["flagged"][position] = _flagged(scored.value[position], expectation, settings)
    return replace(scored, **arrays)


def _flagged(value: float, e: SpecialExpectation, settings: DetectorSettings) -> bool:
    if abs(e.score) < e.threshold or max(value, e.expected) < settings.min_volume:
        return False
    if (settings.side == "drop" and e.score > 0) or (settings.side == "spike" and e.score < 0):
        return False
    return abs(value / e.expected - 1) >= settings.min_change if e.expected > 0 else True


def ordinary_expectation(
    series: np.ndarray, position: int, excluded: np.ndarray, settings: DetectorSettings
) -> tuple[float, float, float] | None:
    """What the day at ``position`` would have been as an ordinary day, from the ordinary days
    before it (``excluded`` days never learned from): (expected, log scale, offset); None when
    the detector cannot score it."""
    scored = _ordinary(series, position, excluded, settings)
    if scored is None:
        return None
    return (
        float(scored.expected[position]),
        float(scored.scale[position]),
        float(scored.offset[position]),
    )


def _ordinary(
    series: np.ndarray, position: int, excluded: np.ndarray, settings: DetectorSettings
) -> Scored | None:
    """The detector run up to ``position`` with that day scored as an ordinary one."""
    mask = np.asarray(excluded[: position + 1], bool).copy()
    mask[position] = False
    scored = detect(series[: position + 1], settings, mask)
    return None if np.isnan(scored.expected[position]) else scored


def _lift(
    series: np.ndarray, position: int, excluded: np.ndarray, settings: DetectorSettings
) -> float | None:
    """How far the day at ``position`` stood from its own ordinary expectation, in log terms."""
    if np.isnan(series[position]):
        return None
    scored = _ordinary(series, position, excluded, settings)
    return None if scored is None else float(scored.score[position] * scored.scale[position])


def _expectation(
    value: float, centre: float, scale: float, ordinary: Scored, position: int, source: Source
) -> SpecialExpectation:
    offset = float(ordinary.offset[position])
    drop, spike = side_thresholds(ordinary, position)
    score = float((np.log(value + offset) - centre) / scale)
    return SpecialExpectation(
        expected=float(np.exp(centre) - offset),
        lower=max(0.0, float(np.exp(centre - drop * scale) - offset)),
        upper=float(np.exp(centre + spike * scale) - offset),
        score=score,
        scale=scale,
        threshold=drop if score < 0 else spike,
        offset=offset,
        source=source,
        drop_threshold=drop,
        spike_threshold=spike,
    )


def side_thresholds(scored: Scored, position: int) -> tuple[float, float]:
    """The (drop, spike) thresholds of the point, read back from its normal range: the
    detector may calibrate each side on its own. A range floored at zero tells nothing of
    the drop side; the point's own threshold stands in then."""
    offset, scale = scored.offset[position], scored.scale[position]
    centre = np.log(scored.expected[position] + offset)
    own = float(scored.threshold[position])
    lower, upper = scored.lower[position], scored.upper[position]
    drop = float((centre - np.log(lower + offset)) / scale) if lower > 0 else own
    spike = float((np.log(upper + offset) - centre) / scale)
    return drop, spike if np.isfinite(spike) else own


def _run_start(events: Mapping[date, str], day: date) -> date:
    name = events[day]
    while events.get(day - timedelta(days=1)) == name:
        day -= timedelta(days=1)
    return day


def _run_length(events: Mapping[date, str], start: date) -> int:
    name, length = events[start], 1
    while events.get(start + timedelta(days=length)) == name:
        length += 1
    return length


def _run_starts(events: Mapping[date, str], name: str) -> list[date]:
    return sorted(
        d for d, n in events.items() if n == name and events.get(d - timedelta(days=1)) != name
    )
