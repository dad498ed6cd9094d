"""Slack Block Kit: a report as one or more messages, split to Slack's limits, never cut.

Limits (Slack's documentation and measured behaviour): 50 blocks per message, 3,000
characters per section text, 150 per header, and about 13,000 characters of text per message
before ``msg_blocks_too_long``. User text is escaped (``&``, ``<``, ``>``) and sent with
``verbatim`` so a product named ``<!channel>`` or ``<https://evil|click>`` pings and links
nobody.
"""

from __future__ import annotations

from typing import Any

from reports.content.alerts import alert_lines, notice_lines, notice_title
from reports.content.daily import daily_sections
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.media.monospace import grid, heatmap_lines
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_MESSAGE = 12_000  # below the ~13,200 where Slack starts refusing
ICONS = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}


def mrkdwn_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def daily_blocks(digest: DailyDigest, t: Locale) -> list[Block]:
    s = daily_sections(digest, t)
    blocks: list[Block] = [header_block(s.title)]
    if s.special_day:
        blocks.append({"type": "context", "elements": [text_object(mrkdwn_escape(s.special_day))]})
    table = monospace_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    blocks += section_blocks("```\n" + table + "\n```")
    blocks.append({"type": "divider"})
    blocks += section_blocks(f"*{mrkdwn_escape(t('alerts'))}*")
    for line in alert_lines(s.alerts, t) or [t("no_alerts")]:
        blocks += section_blocks(mrkdwn_escape(line))
    for heading, items in s.lists:
        blocks += section_blocks(_list(heading, items))
    if s.stock:
        blocks += section_blocks(_list(t("stock_risks"), s.stock))
    health = " · ".join(mrkdwn_escape(i) for i in s.health)
    context = f"{mrkdwn_escape(t('data_health'))}: {health}"
    if s.run_url:
        context += f" · <{s.run_url}|{mrkdwn_escape(t('run'))}>"
    blocks.append({"type": "context", "elements": [text_object(context[:MAX_SECTION])]})
    return blocks


def weekly_blocks(r: WeeklyReview, t: Locale) -> list[Block]:
    return sections_blocks(weekly_sections(r, t), t)


def sections_blocks(s: WeeklySections, t: Locale) -> list[Block]:
    blocks: list[Block] = [header_block(s.title)]
    table = monospace_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    blocks += section_blocks("```\n" + table + "\n```")
    for heading, items in s.lists:
        blocks += section_blocks(_list(heading, items))
    if s.heatmap:
        cohorts = mrkdwn_escape("\n".join(heatmap_lines(s.heatmap)))
        blocks += section_blocks(f"*{mrkdwn_escape(t('cohorts'))}*\n```\n{cohorts}\n```")
    if s.run_url:
        blocks += section_blocks(f"<{s.run_url}|{mrkdwn_escape(t('run'))}>")
    return blocks


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


def resolved_blocks(original: list[Block], t: Locale, note: str) -> list[Block]:
    """The original alert message, marked resolved (``chat.update`` replaces it with this)."""
    mark = f":white_check_mark: *{mrkdwn_escape(t('resolved_mark'))}* · {mrkdwn_escape(note)}"
    return [{"type": "context", "elements": [text_object(mark)]}, *original][:MAX_BLOCKS]


def split_messages(blocks: list[Block]) -> list[list[Block]]:
    """Group blocks into messages within the block and character limits, in order."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = _length(block)
        if messages[-1] and (len(messages[-1]) >= MAX_BLOCKS or size + length > MAX_MESSAGE):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += length
    return [m for m in messages if m]


def header_block(title: str) -> Block:
    if len(title) <= MAX_HEADER:
        return {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
    return {"type": "section", "text": text_object(f"*{mrkdwn_escape(title)}*")}


def section_blocks(text: str) -> list[Block]:
    """One section per ≤3,000 characters, split at line ends (inside a line only if it must)."""
    chunks: list[str] = []
    current = ""
    fence = text.startswith("```")
    for whole in text.split("\n"):
        line = whole
        while len(line) > MAX_SECTION - 8:
            chunks.append(line[: MAX_SECTION - 8])
            line = line[MAX_SECTION - 8 :]
        if current and len(current) + len(line) + 1 > MAX_SECTION - 8:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks.append(current)
    if fence and len(chunks) > 1:  # keep each piece a code block of its own
        chunks = [c if c.startswith("```") else "```\n" + c for c in chunks]
        chunks = [c if c.endswith("```") else c + "\n```" for c in chunks]
    return [{"type": "section", "text": text_object(c)} for c in chunks if c.strip()]


def text_object(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def monospace_table(headers: list[str], rows: list[list[str]]) -> str:
    """The KPI table for a code block, value and three changes (Slack shows it as typed; escaping
    still applies)."""
    return mrkdwn_escape("\n".join(grid([headers[:5]] + [r[:5] for r in rows])))


def _list(heading: str, items: list[str]) -> str:
    return f"*{mrkdwn_escape(heading)}*\n" + "\n".join(f"• {mrkdwn_escape(i)}" for i in items)


def _mention(slack_id: str) -> str:
    """``<@U…>`` calls a person, ``<!subteam^S…>`` a user group (IDs from the config, checked)."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


def _length(block: Block) -> int:
    text = block.get("text", {})
    if isinstance(text, dict):
        return len(text.get("text", ""))
    return sum(len(e.get("text", "")) for e in block.get("elements", []))


MEDIUM = Medium("blocks", daily_blocks, weekly_blocks, notice_blocks, sections_blocks)
