"""What the chat robots show (DingTalk, Feishu, WeCom): each report as short Markdown sections
that read well on a phone, in an app's own Markdown dialect.

Sections are the units a long report is split at (:mod:`reports.media.chunks`): the title, the
KPIs, the alerts, each product list, stock, data health. No app documents an escape for its
Markdown, so text a user typed keeps its characters but Markdown's active ones are shown in their
full-width forms (``*`` → ``＊``, ``<`` → ``＜``): a product named ``<@all>`` or ``[x](y)`` pings
and links nobody. ``_`` stays, for SKU codes and channel names to read as typed: inside a word it
starts no emphasis, and around one it can only set it in italics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports.content.alerts import AlertView, alert_groups, notice_title
from reports.content.daily import Cell, daily_sections
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.model import AlertLine, AlertNotice, DailyDigest, WeeklyReview

FULL_WIDTH = str.maketrans(
    {c: chr(ord(c) + 0xFEE0) for c in "*[]<>#`|~\\"} | {"\n": " ", "\r": " "}
)
SEVERITY_ORDER = ("critical", "warning")


def phone_escape(text: str) -> str:
    """User text on one line, Markdown's active characters full-width (see the module)."""
    return text.translate(FULL_WIDTH)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one app writes what the sections need."""

    #: A change coloured by how a reader should take it (``good``, ``bad`` or ``""``).
    tone: Callable[[str, str], str]
    #: The heading mark of a report's title; None where the app shows the title itself.
    title_mark: str | None = "####"


def plain_tone(text: str, tone: str) -> str:
    return text


def worst_severity(alerts: list[AlertLine]) -> str | None:
    """The most severe alert still open (new or ongoing); None when none is."""
    open_now = {a.severity for a in alerts if a.state != "resolved"}
    return next((s for s in SEVERITY_ORDER if s in open_now), None)


def daily_phone(digest: DailyDigest, t: Locale, d: Dialect, kpis: bool = True) -> list[str]:
    """The digest's sections; without ``kpis`` where the app lays the KPIs out itself."""
    s = daily_sections(digest, t)
    lines = [kpi_line(row, s.headers[2:], t, d, (t("vs_target"),)) for row in s.kpi_rows]
    note = [phone_escape(s.special_day)] if s.special_day else []
    # Where the app lays the KPIs out itself, the note follows them as a section of its own.
    kpi_sections = ["\n".join(note + lines)] if kpis else note
    sections = [*_title(s.title, d), *kpi_sections]
    alerts = [_alert(heading, a, t) for heading, views in s.alerts for a in views]
    sections.append(_list(t("alerts"), alerts or [phone_escape(t("no_alerts"))], bullets=False))
    sections += [_list(h, [phone_escape(i) for i in items]) for h, items in s.lists]
    if s.stock:
        sections.append(_list(t("stock_risks"), [phone_escape(i) for i in s.stock]))
    sections.append(_list(t("data_health"), [phone_escape(i) for i in s.health]))
    return sections + _run(s.run_url, t)


def weekly_phone(r: WeeklyReview, t: Locale, d: Dialect, kpis: bool = True) -> list[str]:
    return sections_phone(weekly_sections(r, t), t, d, kpis)


def sections_phone(s: WeeklySections, t: Locale, d: Dialect, kpis: bool = True) -> list[str]:
    lines = [kpi_line(row, s.headers[2:], t, d) for row in s.kpi_rows]
    sections = [*_title(s.title, d), *(["\n".join(lines)] if kpis else [])]
    sections += [_list(h, [phone_escape(i) for i in items]) for h, items in s.lists]
    if s.heatmap:
        cohorts = [
            f"{month} · {size}{t('colon')}" + " · ".join(text for text, _ in cells if text)
            for month, size, cells in s.heatmap.rows
        ]
        sections.append(_list(t("cohorts"), cohorts))
    return sections + _run(s.run_url, t)


def notice_phone(n: AlertNotice, t: Locale, d: Dialect, calls: str = "") -> list[str]:
    """The notice; ``calls`` (the app's @-mentions, already written) follow the title when an
    alert is critical. A resolution names the alert and the day it opened."""
    title = _title(notice_title(n, t), d)
    if n.critical and calls:
        title = [f"{title[0]}\n{calls}" if title else calls]
    sections = list(title)
    states = [s for s in ("new", "ongoing", "resolved") if any(a.state == s for a in n.alerts)]
    for state, (heading, views) in zip(states, alert_groups(n.alerts, n.currency, t), strict=True):
        lines = [a for a in n.alerts if a.state == state]
        for line, view in zip(lines, views, strict=True):
            text = _alert(heading, view, t)
            if state == "resolved" and line.opened_for is not None:
                text += f" · {t('opened_on').format(day=t.day(line.opened_for))}"
            sections.append(text)
    return sections + _run(n.run_url, t)


def _title(title: str, d: Dialect) -> list[str]:
    return [f"{d.title_mark} {phone_escape(title)}"] if d.title_mark else []


def kpi_line(
    row: list[Cell], headers: list[str], t: Locale, d: Dialect, skip_na: tuple[str, ...] = ()
) -> str:
    """``- **Net sales** $5,531 ▁▂▄ · vs prior day -73.2% · …`` on one line."""
    label, value, *_ = row
    head = f"- **{phone_escape(label.text)}** {phone_escape(value.text)}"
    return f"{head} · {kpi_changes(row, headers, t, d, skip_na)}"


def kpi_changes(
    row: list[Cell], headers: list[str], t: Locale, d: Dialect, skip_na: tuple[str, ...] = ()
) -> str:
    """A KPI row's changes, each after its heading, coloured by tone; an "n/a" in a column
    named in ``skip_na`` (no target set) is left out."""
    return " · ".join(
        f"{phone_escape(h)} {d.tone(phone_escape(c.text), c.tone)}"
        for h, c in zip(headers, row[2:], strict=True)
        if not (h in skip_na and c.text == t("na"))
    )


def _alert(heading: str, a: AlertView, t: Locale) -> str:
    text = f"**{phone_escape(heading)} · {phone_escape(a.severity_label)}** {phone_escape(a.text)}"
    if a.why:
        text += f"\n{phone_escape(t('why'))}{t('colon')}{phone_escape(a.why)}"
    return text


def _list(heading: str, items: list[str], bullets: bool = True) -> str:
    lines = [f"- {i}" for i in items] if bullets else items
    return f"**{phone_escape(heading)}**\n" + "\n".join(lines)


def _run(run_url: str | None, t: Locale) -> list[str]:
    return [f"[{phone_escape(t('run'))}]({run_url})"] if run_url else []


def mentioned(mentions: list[str]) -> tuple[list[str], list[str]]:
    """(phone numbers, user IDs) from a robot channel's ``mobile:…`` and ``user:…`` mentions."""
    mobiles = [m.removeprefix("mobile:") for m in mentions if m.startswith("mobile:")]
    users = [m.removeprefix("user:") for m in mentions if m.startswith("user:")]
    return mobiles, users


def part_title(title: str, n: int, total: int, t: Locale) -> str:
    """The title of part ``n`` of ``total`` (the title itself when there is one part)."""
    return title if total == 1 else f"{title} ({t('part').format(n=n, total=total)})"
