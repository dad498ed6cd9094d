"""Special days expected from the same event before, and drivers that add up to the alert."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from connectors.config import CampaignConfig, WatchConfig
from reports.content.alerts import why_text
from reports.i18n import Locale
from tasks.checks.business import anomaly_findings
from tasks.checks.calendar import special_days, special_days_through
from tasks.checks.detect import DetectorSettings, detect
from tasks.checks.history import History
from tasks.checks.special import (
    Reference,
    past_occurrences,
    reference_days,
    side_thresholds,
    similar_run,
    special_expectation,
)

WEEKLY = np.array([1.0, 0.9, 0.9, 0.95, 1.1, 1.4, 1.3])  # Monday … Sunday
CYBER_MONDAY = date(2026, 11, 30)
DAYS = [CYBER_MONDAY - timedelta(days=489 - i) for i in range(490)]
EVENTS = special_days("shop", DAYS[0], DAYS[-1])
EXCLUDED = np.array([d in EVENTS for d in DAYS])
SETTINGS = DetectorSettings(counts=True)


def orders(lift: float = 2.5, seed: int = 1) -> np.ndarray:
    """A year and more of daily orders growing 30 % a year; every Cyber Monday ``lift`` times
    an ordinary Monday."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(DAYS))
    weekday = np.array([d.weekday() for d in DAYS])
    x = 400 * 1.3 ** (t / 364) * WEEKLY[weekday] * rng.lognormal(0, 0.06, len(DAYS))
    for i, day in enumerate(DAYS):
        if EVENTS.get(day) == "Cyber Monday":
            x[i] *= lift
    return np.round(x)


def test_the_same_event_last_year_is_found_on_the_same_day_of_its_run() -> None:
    assert [DAYS[p] for p in past_occurrences(DAYS, EVENTS, CYBER_MONDAY)] == [date(2025, 12, 1)]
    saturday = CYBER_MONDAY - timedelta(days=2)  # "BFCM weekend", its first day
    assert [DAYS[p] for p in past_occurrences(DAYS, EVENTS, saturday)] == [date(2025, 11, 29)]
    assert past_occurrences(DAYS, EVENTS, CYBER_MONDAY - timedelta(days=7)) == []  # ordinary
    campaign = {DAYS[0] + timedelta(days=i): "SALE" for i in (0, 1, 2, 100, 101, 102, 200, 201)}
    later = DAYS[0] + timedelta(days=202)  # the third day of a campaign whose last run had two
    on_day_two = DAYS[0] + timedelta(days=201)
    assert past_occurrences(DAYS, campaign, later) == []  # and the first run may be cut short
    assert past_occurrences(DAYS, campaign, on_day_two) == [101]


def test_a_special_day_is_expected_at_last_years_lift_on_this_years_level() -> None:
    x = orders(lift=2.5)
    position, past = len(DAYS) - 1, past_occurrences(DAYS, EVENTS, CYBER_MONDAY)
    ordinary = detect(x, SETTINGS, EXCLUDED & (np.arange(len(DAYS)) != position))
    e = special_expectation(x, position, EXCLUDED, past, SETTINGS)
    assert e is not None and e.source == "same_event" and e.past == tuple(past)
    assert e.lift == pytest.approx(math.log(2.5), abs=0.15)
    assert e.expected / ordinary.expected[position] == pytest.approx(2.5, rel=0.15)
    assert x[position] / e.expected == pytest.approx(1, abs=0.15)  # the lift is expected
    assert abs(e.score) < e.threshold and e.lower < x[position] < e.upper
    # One past occurrence: the day's noise and last year's, √2 the ordinary scale.
    assert e.scale == pytest.approx(math.sqrt(2) * ordinary.scale[position])


def test_each_side_keeps_its_own_threshold() -> None:
    x = orders()
    scored = detect(x, SETTINGS.with_(threshold=4.0))
    i = 300
    centre = np.log(scored.expected[i] + scored.offset[i])
    upper = scored.upper.copy()  # as if the spike side had been calibrated to 6
    upper[i] = np.exp(centre + 6 * scored.scale[i]) - scored.offset[i]
    assert side_thresholds(replace(scored, upper=upper), i) == pytest.approx((4, 6))
    assert side_thresholds(scored, i) == pytest.approx((4, 4))


def test_without_a_past_occurrence_the_ordinary_expectation_stands() -> None:
    x = orders()
    position = len(DAYS) - 1
    e = special_expectation(x, position, EXCLUDED, [], SETTINGS)
    ordinary = detect(x, SETTINGS, EXCLUDED & (np.arange(len(DAYS)) != position))
    assert e is not None and e.source == "ordinary_days" and e.past == ()
    assert (e.expected, e.upper) == pytest.approx((ordinary.expected[-1], ordinary.upper[-1]))


def test_past_lifts_that_disagree_widen_the_range() -> None:
    x = orders(lift=1.0)
    starts = [150, 220, 290, 360]  # a campaign four times a year, each on a Wednesday
    events = {DAYS[s]: "SALE" for s in starts}
    excluded = np.array([d in events for d in DAYS])
    position = 430  # also a Wednesday
    events[DAYS[position]] = "SALE"
    excluded[position] = True
    past = past_occurrences(DAYS, events, DAYS[position])
    assert past == starts

    def expectation(lifts: list[float]) -> tuple[float, float]:
        y = x.copy()
        y[starts] *= lifts
        e = special_expectation(y, position, excluded, past, SETTINGS)
        assert e is not None and e.source == "same_event"
        return e.lift, e.scale

    steady_lift, steady_scale = expectation([2.0, 2.0, 2.0, 2.0])
    mixed_lift, mixed_scale = expectation([1.2, 3.3, 1.5, 2.6])
    assert steady_lift == pytest.approx(math.log(2), abs=0.1)
    assert mixed_lift == pytest.approx(np.log([1.2, 3.3, 1.5, 2.6]).mean(), abs=0.1)
    assert mixed_scale > 2 * steady_scale  # past occurrences that missed each other


def shop(conversion_today: float) -> History:
    """Sessions and purchases of a shop whose Cyber Monday brings 2.2× the visitors converting
    1.2× as well; today, Cyber Monday, conversion is ``conversion_today`` of that."""
    rng = np.random.default_rng(5)
    weekday = np.array([d.weekday() for d in DAYS])
    sessions = np.round(3000 * WEEKLY[weekday] * rng.lognormal(0, 0.08, len(DAYS)))
    conversion = 0.03 * rng.lognormal(0, 0.05, len(DAYS))
    for i, day in enumerate(DAYS):
        if EVENTS.get(day) == "Cyber Monday":
            sessions[i], conversion[i] = sessions[i] * 2.2, conversion[i] * 1.2
    conversion[-1] *= conversion_today
    purchases = np.round(sessions * conversion)
    series = {
        "sessions": sessions,
        "purchases": purchases,
        "orders": purchases,
        "conversion_rate": purchases / sessions,
    }
    return History(DAYS, series, {})


WATCH = [WatchConfig(metric=m) for m in ("orders", "sessions", "conversion_rate")]


def test_a_checkout_collapse_on_cyber_monday_is_told_by_purchases_not_sessions() -> None:
    found = anomaly_findings("shop", "USD", shop(0.2), CYBER_MONDAY, WATCH, EXCLUDED, EVENTS)
    by_metric = {f.metric: f for f in found}
    assert set(by_metric) == {"orders", "conversion_rate"}  # sessions were as busy as expected
    conversion = by_metric["conversion_rate"]
    assert conversion.explanation["main_driver"] == "purchases"
    drivers = {d["factor"]: d for d in conversion.explanation["drivers"]}
    assert drivers["sessions"]["held"] and not drivers["purchases"]["held"]
    assert conversion.explanation["expectation"]["code"] == "same_event"
    # The drivers are read against the alert's own expectation, so they add up to it exactly.
    assert drivers["purchases"]["expected"] / drivers["sessions"]["expected"] == pytest.approx(
        conversion.expected
    )
    assert sum(d["log_change"] for d in drivers.values()) == pytest.approx(
        math.log(conversion.actual / conversion.expected)
    )
    assert by_metric["orders"].explanation["main_driver"] == "orders/sessions"


def test_a_good_cyber_monday_is_quiet_and_a_great_one_is_news() -> None:
    assert anomaly_findings("shop", "USD", shop(1.0), CYBER_MONDAY, WATCH, EXCLUDED, EVENTS) == []
    great = anomaly_findings("shop", "USD", shop(3.0), CYBER_MONDAY, WATCH, EXCLUDED, EVENTS)
    assert {f.metric for f in great} == {"orders", "conversion_rate"}
    assert all(f.score is not None and f.score > 0 for f in great)


def recent(history: History, days: int = 200) -> History:
    """The last ``days`` of ``history``: last year's Cyber Monday is not in it."""
    series = {name: values[-days:] for name, values in history.series.items()}
    return History(history.days[-days:], series, {})


def test_with_no_earlier_event_only_a_fall_is_reported_and_the_alert_says_why() -> None:
    great, broken = recent(shop(3.0)), recent(shop(0.1))
    excluded = EXCLUDED[-200:]
    assert anomaly_findings("shop", "USD", great, CYBER_MONDAY, WATCH, excluded, EVENTS) == []
    found = anomaly_findings("shop", "USD", broken, CYBER_MONDAY, WATCH, excluded, EVENTS)
    conversion = next(f for f in found if f.metric == "conversion_rate")
    note = {"code": "ordinary_days", "event": "Cyber Monday"}
    assert conversion.explanation["expectation"] == note


def runs(*spans: tuple[str, int, int]) -> dict[date, str]:
    """Campaign days by name from (name, first position, length) on ``DAYS``."""
    return {DAYS[s + i]: name for name, s, n in spans for i in range(n)}


def test_without_its_own_history_a_campaign_is_expected_from_the_most_similar_past_one() -> None:
    events = runs(
        ("SPRING", 100, 7),  # as long as today's, the earlier of two
        ("SUMMER", 200, 7),  # as long, and later: the one chosen
        ("FLASH", 300, 1),  # too short (more than twice shorter)
        ("LONG", 320, 8),
        ("NEW", 400, 7),
    )
    third = DAYS[402]
    ref = reference_days(DAYS, events, third)
    assert (ref.source, ref.event, ref.positions) == ("similar_campaign", "SUMMER", (202,))
    last = reference_days(DAYS, events, DAYS[406])
    assert last.positions == (206,)  # last day for last day
    assert similar_run(DAYS, events, DAYS[300]) is None  # nothing within twice its length
    long_third = reference_days(DAYS, events | runs(("FORTNIGHT", 430, 14)), DAYS[443])
    assert long_third.event == "LONG" and long_third.positions == (327,)  # day 13 of 14: 7 of 8
    again = events | runs(("SUMMER", 420, 7))
    assert reference_days(DAYS, again, DAYS[422]) == Reference("same_event", (202,), "SUMMER")


def test_a_holiday_is_never_expected_from_a_campaign() -> None:
    events = EVENTS | runs(("SALE", 300, 1))
    assert similar_run(DAYS[-200:], events, CYBER_MONDAY) is None
    assert reference_days(DAYS[-200:], events, CYBER_MONDAY).source == "ordinary_days"
    # and a campaign is never expected from a holiday: only retail days before it
    assert reference_days(DAYS, EVENTS | runs(("SALE", 470, 1)), DAYS[470]).source == (
        "ordinary_days"
    )


def test_a_new_campaign_takes_the_lift_of_the_most_similar_past_one() -> None:
    x = orders(lift=1.0)
    events = runs(("SUMMER", 200, 3), ("NEW", 430, 3))
    for i in range(3):
        x[200 + i] *= 2.0
    excluded = np.array([d in events for d in DAYS])
    ref = reference_days(DAYS, events, DAYS[431])
    e = special_expectation(x, 431, excluded, ref.positions, SETTINGS, ref.source)
    ordinary = special_expectation(x, 431, excluded, (), SETTINGS)
    assert e is not None and ordinary is not None
    assert e.source == "similar_campaign" and e.past == (201,)
    assert e.expected / ordinary.expected == pytest.approx(2.0, rel=0.2)


def test_an_alert_on_a_new_campaign_says_which_past_campaign_it_was_expected_from() -> None:
    history = shop(1.0)
    events = runs(("SUMMER", 300, 1), ("NEW", 489, 1))
    history.series["orders"][300] *= 2.0
    history.series["orders"][489] *= 0.2  # the new campaign's day falls instead
    excluded = np.array([d in events for d in DAYS])
    found = anomaly_findings("shop", "USD", history, DAYS[489], WATCH[:1], excluded, events)
    assert [f.metric for f in found] == ["orders"]
    note = found[0].explanation["expectation"]
    assert note == {
        "code": "similar_campaign",
        "event": "NEW",
        "past": [DAYS[300].isoformat()],
        "similar": "SUMMER",
    }
    english = why_text({"expectation": note}, Locale("en"))
    assert "most similar past campaign, SUMMER on " + DAYS[300].isoformat() in english
    assert "SUMMER" in why_text({"expectation": note}, Locale("zh-CN"))


def test_a_campaign_day_knows_its_campaigns_whole_length() -> None:
    sale = CampaignConfig(name="SALE", start=date(2026, 3, 10), end=date(2026, 3, 16))
    events = special_days_through("shop", date(2026, 1, 1), date(2026, 3, 12), [sale])
    assert max(d for d, n in events.items() if n == "SALE") == date(2026, 3, 16)
    assert date(2026, 3, 17) not in events
