"""What an alert says: the state, what happened and why, in the reader's language.

Alert notices (told as alerts open or resolve) are this alone; the digest and the weekly
review list the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reports.i18n import Locale, Params
from reports.model import AlertLine, AlertNotice


@dataclass(frozen=True, slots=True)
class AlertView:
    severity: str  # critical, warning, info: for colour
    severity_label: str
    text: str
    why: str


def notice_title(n: AlertNotice, t: Locale) -> str:
    return f"{t('alert_title')} · {n.store} · {t.day(n.day)}"


def notice_lines(n: AlertNotice, t: Locale) -> list[tuple[str, AlertView]]:
    """(state heading, alert) in reading order: new (critical first), then resolved."""
    return [(heading, a) for heading, views in alert_groups(n.alerts, n.currency, t) for a in views]


def alert_groups(
    alerts: list[AlertLine], currency: str, t: Locale
) -> list[tuple[str, list[AlertView]]]:
    """(heading, alerts) for each of new, ongoing and resolved that has any."""
    return [
        (
            t(state),
            [
                AlertView(a.severity, t(a.severity), alert_text(a, t, currency), alert_why(a, t))
                for a in alerts
                if a.state == state
            ],
        )
        for state in ("new", "ongoing", "resolved")
        if any(a.state == state for a in alerts)
    ]


def alert_lines(alerts: list[tuple[str, list[AlertView]]], t: Locale) -> list[str]:
    """One unescaped line per alert: state, severity, what happened and why."""
    out: list[str] = []
    for heading, views in alerts:
        for a in views:
            why = f" — {t('why')}{t('colon')}{a.why}" if a.why else ""
            out.append(f"{heading} [{a.severity_label}] {a.text}{why}")
    return out


def alert_text(a: AlertLine, t: Locale, currency: str = "") -> str:
    """What happened, in the reader's language: an anomaly from its numbers, another check
    from its code and parameters; the check's own sentence only for a check without them."""
    if a.check == "anomaly" and a.actual is not None and a.expected is not None:
        band = (a.lower, a.upper)
        part = str(a.explanation.get("breakdown", ""))
        return anomaly_text(a.metric, a.unit, currency, a.actual, a.expected, band, t, part)
    if a.check == "rule" and a.params:
        return rule_text(a.params, a.unit, currency, t)
    if a.check == "idle_spend" and a.params:
        return idle_spend_text(a.params, currency, t)
    return finding_text(a.check, a.params, a.message, t)


def finding_text(check: str, params: Params, message: str, t: Locale) -> str:
    """A finding worded from its code and parameters; its recorded sentence only when it has
    none (a check no language words, or a finding recorded before checks carried them)."""
    return t.finding(check, params) if params else message


def rule_text(params: Params, unit: str, currency: str, t: Locale) -> str:
    """A broken rule: the value, the bound it crossed (below, above, down or up on the same day
    last week), and for how many days when more than one."""

    def number(key: str) -> str:
        value = params.get(key)
        return t.number(value if isinstance(value, float | int) else None, unit, currency)

    share = params.get("share")
    text = t(f"rule_{params['bound']}").format(
        label=t.metric(str(params["metric"])),
        value=number("value"),
        limit=number("limit"),
        base=number("base"),
        share=share if isinstance(share, float | int) else 0.0,
    )
    days = params.get("days")
    if isinstance(days, int | float) and days > 1:
        text += t("rule_days").format(days=days)
    return text


def idle_spend_text(params: Params, currency: str, t: Locale) -> str:
    """A campaign that spent with no conversion: what it spent, above which floor, and what
    its usual cost per conversion would have bought (expected vs actual)."""

    def money(key: str) -> str:
        value = params.get(key)
        return t.money(value if isinstance(value, float | int) else None, currency)

    text = t("finding_idle_spend").format(
        campaign=params["campaign"], spend=money("spend"), floor=money("floor")
    )
    expected = params.get("expected")
    if isinstance(expected, float | int):
        return text + t("idle_spend_expected").format(expected=expected, cpa=money("cpa"))
    return text + t("idle_spend_no_history")


def anomaly_text(
    metric: str,
    unit: str,
    currency: str,
    actual: float,
    expected: float,
    band: tuple[float | None, float | None],
    t: Locale,
    part: str = "",
) -> str:
    """An anomaly from its numbers: actual, expected, the change and the normal range;
    ``part`` names the breakdown's value (a channel) when one was watched by itself."""

    def number(v: float | None) -> str:
        return t.number(v, unit, currency)

    return t("finding_anomaly").format(
        label=f"{t.metric(metric)} · {part}" if part else t.metric(metric),
        actual=number(actual),
        expected=number(expected),
        change=t.change(actual / expected - 1 if expected else None),
        band=f"{number(band[0])}–{number(band[1])}",
    )


def alert_why(a: AlertLine, t: Locale) -> str:
    """Why the alert's metric moved, in words (see :func:`why_text`)."""
    return why_text(a.explanation, t)


def why_text(explanation: Mapping[str, Any], t: Locale) -> str:
    """The story of an explanation: the main driver against its expected value, the other
    factor (that it *held* when inside its own normal range), the slice that moved most, and
    what a holiday or campaign day was compared with."""
    parts = [_drivers_text(explanation, t)]
    top = explanation.get("top_slice")
    if top:
        where = f"{t.factor(top['breakdown'])} {t.factor(str(top['value']))}"
        parts.append(f"{where}{t('colon')}{_num(top['actual'])} vs {_num(top['expected'])}")
    note = explanation.get("expectation")
    if note:
        event = str(note.get("event") or t("this_event"))
        past = ", ".join(note.get("past", []))
        similar = str(note.get("similar", ""))
        words = t(f"expectation_{note['code']}")
        parts.append(words.format(event=event, past=past, similar=similar))
    if explanation.get("special_day"):  # stored before special days had their own expectation
        parts.append(t("special_day"))
    return t("semicolon").join(part for part in parts if part)


def _drivers_text(explanation: Mapping[str, Any], t: Locale) -> str:
    """ "purchases 41 vs 250 expected (-83.6%) while sessions held (8,332 vs 8,100 expected)"."""
    main = explanation.get("main_driver")
    drivers = sorted(explanation.get("drivers", []), key=lambda d: d["factor"] != main)
    text = ""
    for d in drivers:
        key = "driver_held" if d.get("held") else "driver_also"
        text += t("driver_moved" if not text else key).format(
            factor=t.factor(d["factor"]),
            actual=_num(d["actual"]),
            expected=_num(d["expected"]),
            change=t.change(d["actual"] / d["expected"] - 1 if d["expected"] else None),
        )
    return text


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
