"""Alerts told as they happen: one message per store and run, in each channel's medium.

The digest repeats them the next morning; this is the message that wakes someone up, so it is
short: what opened or resolved, how far off it is, and why.
"""

from __future__ import annotations

from reports.html import SEVERITY, render
from reports.i18n import Locale
from reports.markdown import md
from reports.model import AlertNotice
from reports.sections import AlertView, alert_groups
from reports.slack import Block, mrkdwn_escape, section_blocks, text_object

ICONS = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}


def notice_title(n: AlertNotice, t: Locale) -> str:
    return f"{t('alert_title')} · {n.store} · {t.day(n.day)}"


def notice_lines(n: AlertNotice, t: Locale) -> list[tuple[str, AlertView]]:
    """(state heading, alert) in reading order: new (critical first), then resolved."""
    return [(heading, a) for heading, views in alert_groups(n.alerts, n.currency, t) for a in views]


def notice_blocks(n: AlertNotice, t: Locale) -> list[Block]:
    calls = " ".join(_mention(m) for m in n.mentions) if n.critical else ""
    head = f"*{mrkdwn_escape(notice_title(n, t))}*" + (f"  {calls}" if calls else "")
    blocks = section_blocks(head)
    for heading, a in notice_lines(n, t):
        icon = ":white_check_mark:" if heading == t("resolved") else ICONS.get(a.severity, "")
        text = f"{icon} *{mrkdwn_escape(heading)} · {mrkdwn_escape(a.severity_label)}*\n"
        text += mrkdwn_escape(a.text)
        if a.why:
            text += (
                f"\n_{mrkdwn_escape(t('why'))}{mrkdwn_escape(t('colon'))}{mrkdwn_escape(a.why)}_"
            )
        blocks += section_blocks(text)
    if n.run_url:
        blocks.append(
            {
                "type": "context",
                "elements": [text_object(f"<{n.run_url}|{mrkdwn_escape(t('run'))}>")],
            }
        )
    return blocks


def notice_text(n: AlertNotice, t: Locale) -> str:
    lines = [notice_title(n, t), ""]
    for heading, a in notice_lines(n, t):
        lines.append(f"{heading} [{a.severity_label}] {a.text}")
        if a.why:
            lines.append(f"    {t('why')}{t('colon')}{a.why}")
    if n.run_url:
        lines += ["", f"{t('run')}: {n.run_url}"]
    return "\n".join(lines) + "\n"


def notice_markdown(n: AlertNotice, t: Locale) -> str:
    lines = [f"## {md(notice_title(n, t))}", ""]
    for heading, a in notice_lines(n, t):
        why = f" — {md(t('why'))}{md(t('colon'))}{md(a.why)}" if a.why else ""
        lines.append(f"- **{md(heading)} · {md(a.severity_label)}** {md(a.text)}{why}")
    return "\n".join(lines) + "\n"


def notice_html(n: AlertNotice, t: Locale) -> str:
    return render(
        "alerts.html.j2",
        title=notice_title(n, t),
        lines=notice_lines(n, t),
        run_url=n.run_url,
        t=t,
        lang=t.language,
        severity=SEVERITY,
    )


def resolved_blocks(original: list[Block], t: Locale, note: str) -> list[Block]:
    """The original alert message, marked resolved (``chat.update`` replaces it with this)."""
    mark = f":white_check_mark: *{mrkdwn_escape(t('resolved_mark'))}* · {mrkdwn_escape(note)}"
    return [{"type": "context", "elements": [text_object(mark)]}, *original][:50]


def _mention(slack_id: str) -> str:
    """``<@U…>`` calls a person, ``<!subteam^S…>`` a user group (IDs from the config, checked)."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"
