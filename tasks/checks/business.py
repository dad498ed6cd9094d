"""Business checks on one store-local day: anomalies in watched metrics, and fixed rules.

An anomaly carries its numbers, a level shift and a broken rule their parameters
(``explanation["params"]``), so each language words them (``reports/i18n.py``); ``message``
is the English wording, for logs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date

import numpy as np

from connectors.config import RuleConfig, WatchConfig
from reports.content.alerts import anomaly_text, idle_spend_text, rule_text
from reports.i18n import Locale, Params
from tasks.checks.detect import DetectorSettings, Scored, detect
from tasks.checks.explain import explain
from tasks.checks.findings import Finding, Severity
from tasks.checks.history import History
from tasks.checks.special import (
    Reference,
    SpecialExpectation,
    reference_days,
    rescored,
    special_expectation,
)
from tasks.metrics.registry import REGISTRY, unit_of

ENGLISH = Locale("en")
#: The false alert episodes a month a store's watched metrics may cost together.
DEFAULT_BUDGET = 0.5
#: The checks that follow a store over several days, and do not run on a special day.
SUSTAINED_CHECKS = ("level", "cumulative")
#: A spell this many times beyond its threshold is critical (as a score of 7 is against 4).
CRITICAL_SPELL = 1.75


def metric_dimension(metric: str) -> str | None:
    """The breakdown a metric is computed by, if any (``traffic_channel`` for conversion by
    channel)."""
    found = REGISTRY.get(metric)
    return found.dimension if found else None


def settings_for(watch: WatchConfig, budget: float, parts: int = 1) -> DetectorSettings:
    """The detector's defaults, with what the configuration overrides; ``budget`` is the false
    alerts a month this metric may cost unless its entry sets its own, split among its
    ``parts`` (a broken-down metric's channels)."""
    unit = unit_of(watch.metric)
    default = DetectorSettings(counts=unit in ("count", "units"))
    return replace(
        default,
        side=watch.side or default.side,
        threshold=watch.threshold,
        false_alerts_per_month=(watch.false_alerts_per_month or budget) / max(parts, 1),
        min_volume=default.min_volume if watch.min_volume is None else watch.min_volume,
        min_change=default.min_change if watch.min_change is None else watch.min_change,
    )


def metric_budget(watch: list[WatchConfig], store_budget: float) -> float:
    """Each watched metric's share of the store's false alerts a month: what the entries that
    set their own leave, split evenly among the others."""
    own = sum(w.false_alerts_per_month or 0 for w in watch)
    shared = [w for w in watch if w.false_alerts_per_month is None]
    return max(store_budget - own, 0.0) / len(shared) if shared else store_budget


def recorded_parts(history: History, watch: list[WatchConfig]) -> Counter[int]:
    """How many series of each watched entry (by ``id``) the store has any history of: one for
    a plain metric, one per channel for a broken-down one, none for what the store does not
    record (a store that does not advertise keeps its whole budget for what it does)."""
    return Counter(
        id(item) for item, _, series in watched_series(history, watch) if np.isfinite(series).any()
    )


def anomaly_findings(
    store: str,
    currency: str,
    history: History,
    day: date,
    watch: list[WatchConfig],
    excluded: np.ndarray,
    events: Mapping[date, str] | None = None,
    *,
    budget: float = DEFAULT_BUDGET,
) -> list[Finding]:
    """Anomalies on ``day`` for each watched metric.

    ``excluded`` marks the campaign and holiday days, ``events`` names them. Such a day is
    scored against the same event before, or the most similar past campaign
    (``tasks/checks/special.py``), rises and falls alike; with neither in the history, against
    the ordinary days around it, where a lift
    is expected: only a fall below the normal range is reported then (a conversion collapse on
    Black Friday matters more than on any other day), and the explanation says so.
    """
    position = history.position(day)
    special = bool(excluded[position])
    baseline = excluded.copy()
    baseline[position] = False  # the day itself is scored; it is never its own history
    reference = (
        reference_days(history.days, history.recorded_events(events or {}), day)
        if special
        else None
    )
    past = reference.positions if reference else ()
    findings = []
    parts = recorded_parts(history, watch)
    share = metric_budget([item for item in watch if parts[id(item)]], budget)
    for item, part, series in watched_series(history, watch):
        # A broken-down metric's channels share its entry's budget, so more channels do not
        # mean more false alerts.
        settings = settings_for(item, share, parts[id(item)])
        if np.isnan(series[position]):
            continue
        scored = detect(series, settings, baseline)
        expectation = (
            special_expectation(series, position, excluded, past, settings, reference.source)
            if reference
            else None
        )
        from_event = expectation.past if expectation else ()  # empty: ordinary days
        if expectation and from_event:
            scored = rescored(scored, position, expectation, settings)
        for check, flagged in (
            ("anomaly", scored.flagged),
            ("level", scored.level_flagged),
            ("cumulative", scored.cumulative_flagged),
        ):
            score = scored.score[position]
            if special and not _reported_on_special_day(check, bool(from_event), score):
                continue
            if flagged[position]:
                finding = _anomaly(store, currency, day, item.metric, check, scored, position, part)
                expected = float(scored.expected[position])
                explanation = explain(
                    history, item.metric, position, baseline, expected, from_event
                )
                if reference:
                    event = (events or {}).get(day, "")
                    explanation["expectation"] = expectation_note(
                        history.days, event, reference, expectation
                    )
                if part:
                    explanation["breakdown"] = part
                findings.append(_with(finding, explanation))
    return findings


def watched_series(
    history: History, watch: list[WatchConfig]
) -> Iterator[tuple[WatchConfig, str, np.ndarray]]:
    """Each watched metric's daily series; a broken-down metric (conversion by channel) is
    watched per value, each value its own series and its own alert, with the entry's
    settings. The values share the entry's budget of false alerts."""
    for item in watch:
        if metric_dimension(item.metric) is None:
            yield item, "", history.get(item.metric)
            continue
        parts = sorted(v for m, v in history.breakdowns if m == item.metric)
        for part in parts:
            yield item, part, history.breakdowns[(item.metric, part)]


def _reported_on_special_day(check: str, from_event: bool, score: float) -> bool:
    """Only the daily check runs on a special day; against ordinary days only a fall counts."""
    return check not in SUSTAINED_CHECKS and (from_event or score < 0)


def expectation_note(
    days: list[date],
    event: str,
    reference: Reference,
    expectation: SpecialExpectation | None,
) -> dict[str, object]:
    """What a special day was compared with, for the explanation: the event and, when it had
    them, the past days its lift came from and the similar campaign they belong to
    (``reports/i18n.py`` words it)."""
    if expectation is None or expectation.source == "ordinary_days":
        return {"code": "ordinary_days", "event": event}
    past = [days[p].isoformat() for p in expectation.past]
    note: dict[str, object] = {"code": expectation.source, "event": event, "past": past}
    if expectation.source == "similar_campaign":
        note["similar"] = reference.event
    return note


def _anomaly(
    store: str, currency: str, day: date, metric: str, check: str, s: Scored, i: int, part: str
) -> Finding:
    unit = unit_of(metric)
    params: Params = {}
    actual, expected = float(s.value[i]), float(s.expected[i])
    if check == "anomaly":
        severity: Severity = (
            "critical" if abs(s.score[i]) >= DetectorSettings().critical else "warning"
        )
        band = (_number(s.lower[i]), _number(s.upper[i]))
        message = anomaly_text(metric, unit, currency, actual, expected, band, ENGLISH, part)
    elif check == "level":
        severity = "warning"
        params = {"metric": metric, "fall": -float(s.level_change[i]), **_part(part)}
        message = ENGLISH.finding("level", params)
    else:
        spell = s.spell[i]
        assert spell is not None  # flagged by the cumulative check
        severity = "critical" if abs(spell.score) >= CRITICAL_SPELL * spell.threshold else "warning"
        actual, expected = spell.actual, spell.expected
        change = actual / expected - 1
        params = {"metric": metric, "days": spell.days, "change": change, **_part(part)}
        message = ENGLISH.finding("cumulative", params)
    return Finding(
        store,
        day,
        metric,
        check,
        "business",
        severity,
        message,
        actual,
        expected,
        _number(s.lower[i]),
        _number(s.upper[i]),
        _number(s.score[i]),
        dimension_value=part,
        explanation={"params": params} if params else {},
    )


def _part(part: str) -> Params:
    """The breakdown's value (a channel) a finding is about, for its sentence."""
    return {"part": part} if part else {}


def rule_findings(
    store: str, currency: str, history: History, day: date, rules: list[RuleConfig]
) -> list[Finding]:
    position = history.position(day)
    findings = []
    for rule in rules:
        series = history.get(rule.metric)
        days = range(position - rule.consecutive + 1, position + 1)
        if days.start < 7 or not all(_breaks(series, i, rule) for i in days):
            continue
        unit = unit_of(rule.metric)
        params = _rule_params(rule, float(series[position]), _number(series[position - 7]))
        findings.append(
            Finding(
                store,
                day,
                rule.metric,
                "rule",
                "business",
                rule.severity,
                rule_text(params, unit, currency, ENGLISH),
                float(series[position]),
                expected=_number(series[position - 7])
                if rule.below is None and rule.above is None
                else None,
                lower=rule.below,
                upper=rule.above,
                explanation={"params": params},
            )
        )
    return findings


def _breaks(series: np.ndarray, i: int, rule: RuleConfig) -> bool:
    value, week_ago = series[i], series[i - 7]
    if np.isnan(value):
        return False
    if rule.below is not None:
        return bool(value < rule.below)
    if rule.above is not None:
        return bool(value > rule.above)
    if np.isnan(week_ago) or week_ago <= 0:
        return False  # no base: "n/a", never a breach
    change = value / week_ago - 1
    return bool(change <= -rule.falls_by) if rule.falls_by else bool(change >= (rule.rises_by or 0))


def _rule_params(rule: RuleConfig, value: float, week_ago: float | None) -> Params:
    """What a broken rule's sentence needs: the value, the bound it crossed, and for how long."""
    params: Params = {"metric": rule.metric, "value": value, "days": rule.consecutive}
    if rule.below is not None:
        return params | {"bound": "below", "limit": rule.below}
    if rule.above is not None:
        return params | {"bound": "above", "limit": rule.above}
    if rule.falls_by:
        return params | {"bound": "down", "share": rule.falls_by, "base": week_ago}
    return params | {"bound": "up", "share": rule.rises_by, "base": week_ago}


def _with(finding: Finding, explanation: dict[str, object]) -> Finding:
    """The finding with what drove it, beside the parameters it already carries."""
    return replace(finding, explanation={**finding.explanation, **explanation})


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


#: Days of a campaign's history its usual cost per conversion is read from.
CPA_DAYS = 28


def idle_spend_findings(
    store: str, currency: str, history: History, day: date, floor: float
) -> list[Finding]:
    """Campaigns that spent more than ``floor`` on ``day`` while their platform reported no
    conversion: expected conversions are the spend at the campaign's cost per conversion over
    the 28 days before (none when it had none). A campaign whose export has no conversions
    column is not judged."""
    position = history.position(day)
    findings = []
    for (metric, campaign), spend in history.breakdowns.items():
        if metric != "campaign_ad_spend" or not spend[position] > floor:
            continue
        conversions = history.breakdowns.get(("campaign_conversions", campaign))
        if conversions is None or np.isnan(conversions[position]) or conversions[position] > 0:
            continue
        spent = float(spend[position])
        expected = expected_conversions(spent, spend, conversions, position)
        params: Params = {"campaign": campaign, "spend": spent, "floor": floor}
        params.update(expected)
        findings.append(
            Finding(
                store,
                day,
                "campaign_ad_spend",
                "idle_spend",
                "business",
                "warning",
                idle_spend_text(params, currency, ENGLISH),
                actual=0.0,
                expected=expected["expected"],
                dimension_value=campaign,
                explanation={"params": params},
            )
        )
    return findings


def expected_conversions(
    spent: float, spend: np.ndarray, conversions: np.ndarray, position: int
) -> dict[str, float | None]:
    """The campaign's cost per conversion over the 28 days before, and the conversions it
    would have bought with the day's spend (both None without conversions then)."""
    before = slice(max(position - CPA_DAYS, 0), position)
    past_spend = float(np.nansum(spend[before]))
    past_conversions = float(np.nansum(conversions[before]))
    cpa = past_spend / past_conversions if past_conversions > 0 else None
    return {"cpa": cpa, "expected": spent / cpa if cpa else None}
