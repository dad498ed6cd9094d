"""Plain text: the email's text part and file deliveries."""

from __future__ import annotations

from reports.content.alerts import alert_lines, notice_lines, notice_title
from reports.content.daily import daily_sections
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.media.monospace import display_width, heatmap_lines, pad
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview


def daily_text(digest: DailyDigest, t: Locale) -> str:
    s = daily_sections(digest, t)
    width = max(display_width(r[0].text) for r in s.kpi_rows) if s.kpi_rows else 10
    lines = [s.title, "=" * min(display_width(s.title), 72), ""]
    if s.special_day:
        lines += [s.special_day, ""]
    for row in s.kpi_rows:
        first, value, *changes = (c.text for c in row)
        lines.append(f"{pad(first, width)}  {value}")
        shown = [
            f"{h} {c}"
            for h, c in zip(s.headers[2:], changes, strict=True)
            if h != t("vs_target") or c != t("na")
        ]
        lines.append(" " * width + "  " + " · ".join(shown))
    lines += ["", t("alerts")]
    lines += [f"  - {line}" for line in alert_lines(s.alerts, t)] or [t("no_alerts")]
    for heading, items in s.lists:
        lines += ["", heading] + [f"  - {i}" for i in items]
    if s.stock:
        lines += ["", t("stock_risks")] + [f"  - {i}" for i in s.stock]
    lines += ["", t("data_health")] + [f"  - {i}" for i in s.health]
    if s.run_url:
        lines += ["", f"{t('run')}: {s.run_url}"]
    return "\n".join(lines) + "\n"


def weekly_text(r: WeeklyReview, t: Locale) -> str:
    return sections_text(weekly_sections(r, t), t)


def sections_text(s: WeeklySections, t: Locale) -> str:
    width = max((display_width(row[0].text) for row in s.kpi_rows), default=10)
    lines = [s.title, "=" * min(display_width(s.title), 72), ""]
    for row in s.kpi_rows:
        first, value, *changes = (c.text for c in row)
        shown = " · ".join(f"{h} {c}" for h, c in zip(s.headers[2:], changes, strict=True))
        lines += [f"{pad(first, width)}  {value}", " " * width + "  " + shown]
    for heading, items in s.lists:
        lines += ["", heading] + [f"  - {i}" for i in items]
    if s.heatmap:
        lines += ["", t("cohorts"), *heatmap_lines(s.heatmap)]
    if s.run_url:
        lines += ["", f"{t('run')}: {s.run_url}"]
    return "\n".join(lines) + "\n"


def notice_text(n: AlertNotice, t: Locale) -> str:
    lines = [notice_title(n, t), ""]
    for heading, a in notice_lines(n, t):
        lines.append(f"{heading} [{a.severity_label}] {a.text}")
        if a.why:
            lines.append(f"    {t('why')}{t('colon')}{a.why}")
    if n.run_url:
        lines += ["", f"{t('run')}: {n.run_url}"]
    return "\n".join(lines) + "\n"


MEDIUM = Medium("text", daily_text, weekly_text, notice_text, sections_text)
