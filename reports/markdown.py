"""Markdown for Prefect artifacts, and plain text for the email's text part."""

from __future__ import annotations

from reports.i18n import Locale
from reports.model import DailyDigest
from reports.sections import Sections, daily_sections, display_width, pad

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
    lines += markdown_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    lines += ["", f"## {md(t('alerts'))}", ""]
    lines += [f"- {md(line)}" for line in alert_lines(s, t)] or [md(t("no_alerts"))]
    for heading, items in s.products:
        lines += ["", f"## {md(heading)}", ""] + [f"- {md(i)}" for i in items]
    if s.stock:
        lines += ["", f"## {md(t('stock_risks'))}", ""] + [f"- {md(i)}" for i in s.stock]
    lines += ["", f"## {md(t('data_health'))}", ""] + [f"- {md(i)}" for i in s.health]
    if s.run_url:
        lines += ["", f"[{md(t('run'))}]({s.run_url})"]
    return "\n".join(lines) + "\n"


def daily_text(digest: DailyDigest, t: Locale) -> str:
    s = daily_sections(digest, t)
    width = max(display_width(r[0].text) for r in s.kpi_rows) if s.kpi_rows else 10
    lines = [s.title, "=" * min(display_width(s.title), 72), ""]
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
    lines += [f"  - {line}" for line in alert_lines(s, t)] or [t("no_alerts")]
    for heading, items in s.products:
        lines += ["", heading] + [f"  - {i}" for i in items]
    if s.stock:
        lines += ["", t("stock_risks")] + [f"  - {i}" for i in s.stock]
    lines += ["", t("data_health")] + [f"  - {i}" for i in s.health]
    if s.run_url:
        lines += ["", f"{t('run')}: {s.run_url}"]
    return "\n".join(lines) + "\n"


def alert_lines(s: Sections, t: Locale) -> list[str]:
    """One unescaped line per alert: state, severity, what happened and why."""
    out: list[str] = []
    for heading, alerts in s.alerts:
        for a in alerts:
            why = f" — {t('why')}{t('colon')}{a.why}" if a.why else ""
            out.append(f"{heading} [{a.severity_label}] {a.text}{why}")
    return out


def kpi_table(digests: list[DailyDigest], t: Locale) -> list[dict[str, str]]:
    """Every store's KPIs, a row each, for a table artifact (values formatted as in the digest)."""
    rows = []
    for digest in digests:
        s = daily_sections(digest, t, sparklines=False)
        for row in s.kpi_rows:
            cells = dict(zip(s.headers, (c.text for c in row), strict=True))
            rows.append({"store": digest.store, "day": digest.day.isoformat()} | cells)
    return rows
