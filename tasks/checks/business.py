"""Business checks on one store-local day: anomalies in watched metrics, and fixed rules."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np

from connectors.config import RuleConfig, WatchConfig
from tasks.checks.detect import DetectorSettings, Scored, detect
from tasks.checks.explain import explain
from tasks.checks.findings import Finding, Severity
from tasks.checks.history import History
from tasks.metrics.registry import REGISTRY
from tasks.metrics.values import format_value


def settings_for(watch: WatchConfig) -> DetectorSettings:
    """The detector's defaults, with what the configuration overrides."""
    unit = REGISTRY[watch.metric].unit if watch.metric in REGISTRY else "count"
    default = DetectorSettings(counts=unit in ("count", "units"))
    return replace(
        default,
        side=watch.side or default.side,
        threshold=default.threshold if watch.threshold is None else watch.threshold,
        min_volume=default.min_volume if watch.min_volume is None else watch.min_volume,
        min_change=default.min_change if watch.min_change is None else watch.min_change,
    )


def anomaly_findings(
    store: str,
    currency: str,
    history: History,
    day: date,
    watch: list[WatchConfig],
    excluded: np.ndarray,
) -> list[Finding]:
    """Anomalies on ``day`` for each watched metric.

    A campaign or holiday day is scored against the ordinary days around it, so a lift is
    expected there: only a fall below the normal range is reported (a conversion collapse on
    Black Friday matters more than on any other day).
    """
    position = history.position(day)
    special = bool(excluded[position])
    baseline = excluded.copy()
    baseline[position] = False  # the day itself is scored; it is never its own history
    findings = []
    for item in watch:
        settings = settings_for(item)
        series = history.get(item.metric)
        if np.isnan(series[position]):
            continue
        scored = detect(series, settings, baseline)
        for check in ("anomaly", "level"):
            flagged = scored.flagged if check == "anomaly" else scored.level_flagged
            if special and (check == "level" or scored.score[position] > 0):
                continue
            if flagged[position]:
                finding = _anomaly(store, currency, day, item.metric, check, scored, position)
                explanation = explain(history, item.metric, position, baseline)
                if special:
                    explanation["special_day"] = "a campaign or holiday day, usually higher"
                findings.append(_with(finding, explanation))
    return findings


def _anomaly(
    store: str, currency: str, day: date, metric: str, check: str, s: Scored, i: int
) -> Finding:
    unit = REGISTRY[metric].unit if metric in REGISTRY else "count"
    label = REGISTRY[metric].label_en if metric in REGISTRY else metric
    actual, expected = float(s.value[i]), float(s.expected[i])
    shown = {k: format_value(v, unit, currency) for k, v in (("a", actual), ("e", expected))}
    if check == "anomaly":
        severity: Severity = (
            "critical" if abs(s.score[i]) >= DetectorSettings().critical else "warning"
        )
        change = actual / expected - 1 if expected else math.inf
        low, high = (
            format_value(s.lower[i], unit, currency),
            format_value(s.upper[i], unit, currency),
        )
        message = (
            f"{label} {shown['a']}, expected {shown['e']} ({change:+.0%}; "
            f"normal range {low} to {high})"
        )
    else:
        severity = "warning"
        message = f"{label} has fallen {-s.level_change[i]:.0%} over the last two weeks"
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
    )


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
        unit = REGISTRY[rule.metric].unit if rule.metric in REGISTRY else "count"
        label = REGISTRY[rule.metric].label_en if rule.metric in REGISTRY else rule.metric
        value = format_value(series[position], unit, currency)
        message = f"{label} {value}, {_bound_text(rule, series[position - 7], unit, currency)}"
        if rule.consecutive > 1:
            message += f" for {rule.consecutive} days"
        findings.append(
            Finding(
                store,
                day,
                rule.metric,
                "rule",
                "business",
                rule.severity,
                message,
                float(series[position]),
                expected=_number(series[position - 7])
                if rule.below is None and rule.above is None
                else None,
                lower=rule.below,
                upper=rule.above,
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


def _bound_text(rule: RuleConfig, week_ago: float, unit: str, currency: str) -> str:
    if rule.below is not None:
        return f"below {format_value(rule.below, unit, currency)}"
    if rule.above is not None:
        return f"above {format_value(rule.above, unit, currency)}"
    verb, share = ("down", rule.falls_by) if rule.falls_by else ("up", rule.rises_by)
    base = format_value(week_ago, unit, currency)
    return f"{verb} {share:.0%} or more on the same day last week ({base})"


def _with(finding: Finding, explanation: dict[str, object]) -> Finding:
    return replace(finding, explanation=explanation)


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
