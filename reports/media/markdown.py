"""Markdown: Prefect artifacts and chat apps that read it."""

from __future__ import annotations

from reports.content.alerts import alert_lines, notice_lines, notice_title
from reports.content.daily import daily_sections
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview

MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()<>#!|~"})


def md(text: str) -> str:
    """Text that Markdown shows as typed: no links, emphasis, tables or HTML from user data."""
    return text.translate(MARKDOWN_SPECIAL)


def markdown_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A table, first column left-aligned and the rest (numbers) right-aligned; cells escaped."""
    lines = ["| " + " | ".join(md(h) for h in headers) + " |"]
    lines += ["|" + "---|" + "---:|" * (len(headers) - 1)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return lines


def daily_markdown(digest: DailyDigest, t: Locale) -> str:
    s = daily_sections(digest, t)
    lines = [f"# {md(s.title)}", ""]
    if s.special_day:
        lines += [md(s.special_day), ""]
    lines += markdown_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    lines += ["", f"## {md(t('alerts'))}", ""]
    lines += [f"- {md(line)}" for line in alert_lines(s.alerts, t)] or [md(t("no_alerts"))]
    for heading, items in s.lists:
        lines += ["", f"## {md(heading)}", ""] + [f"- {md(i)}" for i in items]
    if s.stock:
        lines += ["", f"## {md(t('stock_risks'))}", ""] + [f"- {md(i)}" for i in s.stock]
    lines += ["", f"## {md(t('data_health'))}", ""] + [f"- {md(i)}" for i in s.health]
    if s.run_url:
        lines += ["", f"[{md(t('run'))}]({s.run_url})"]
    return "\n".join(lines) + "\n"


def weekly_markdown(r: WeeklyReview, t: Locale) -> str:
    return sections_markdown(weekly_sections(r, t), t)


def sections_markdown(s: WeeklySections, t: Locale) -> str:
    lines = [f"# {md(s.title)}", ""]
    lines += markdown_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    for heading, items in s.lists:
        lines += ["", f"## {md(heading)}", ""] + [f"- {md(i)}" for i in items]
    if s.heatmap:
        h = s.heatmap
        lines += ["", f"## {md(t('cohorts'))}", ""]
        grid = [[month, size] + [text for text, _ in cells] for month, size, cells in h.rows]
        lines += markdown_table(h.headers, grid)
    if s.run_url:
        lines += ["", f"[{md(t('run'))}]({s.run_url})"]
    return "\n".join(lines) + "\n"


def notice_markdown(n: AlertNotice, t: Locale) -> str:
    lines = [f"## {md(notice_title(n, t))}", ""]
    for heading, a in notice_lines(n, t):
        why = f" — {md(t('why'))}{md(t('colon'))}{md(a.why)}" if a.why else ""
        lines.append(f"- **{md(heading)} · {md(a.severity_label)}** {md(a.text)}{why}")
    return "\n".join(lines) + "\n"


def kpi_table(digests: list[DailyDigest], t: Locale) -> list[dict[str, str]]:
    """Every store's KPIs, a row each, for a table artifact (values formatted as in the digest)."""
    rows = []
    for digest in digests:
        s = daily_sections(digest, t, sparklines=False)
        for row in s.kpi_rows:
            cells = dict(zip(s.headers, (c.text for c in row), strict=True))
            rows.append({"store": digest.store, "day": digest.day.isoformat()} | cells)
    return rows


MEDIUM = Medium("markdown", daily_markdown, weekly_markdown, notice_markdown, sections_markdown)
