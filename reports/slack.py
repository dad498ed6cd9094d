"""Slack Block Kit: one digest as one or more messages, split to Slack's limits, never cut.

Limits (Slack's documentation and measured behaviour): 50 blocks per message, 3,000
characters per section text, 150 per header, and about 13,000 characters of text per message
before ``msg_blocks_too_long``. User text is escaped (``&``, ``<``, ``>``) and sent with
``verbatim`` so a product named ``<!channel>`` or ``<https://evil|click>`` pings and links
nobody.
"""

from __future__ import annotations

from typing import Any

from reports.i18n import Locale
from reports.markdown import alert_lines
from reports.model import DailyDigest
from reports.sections import daily_sections, display_width, pad

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_MESSAGE = 12_000  # below the ~13,200 where Slack starts refusing


def mrkdwn_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def daily_blocks(digest: DailyDigest, t: Locale) -> list[Block]:
    s = daily_sections(digest, t)
    blocks: list[Block] = [header_block(s.title)]
    table = kpi_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    blocks += section_blocks("```\n" + table + "\n```")
    blocks.append({"type": "divider"})
    alerts = alert_lines(s, t)
    blocks += section_blocks(f"*{mrkdwn_escape(t('alerts'))}*")
    for line in alerts or [t("no_alerts")]:
        blocks += section_blocks(mrkdwn_escape(line))
    for heading, items in s.products:
        text = f"*{mrkdwn_escape(heading)}*\n" + "\n".join(f"• {mrkdwn_escape(i)}" for i in items)
        blocks += section_blocks(text)
    if s.stock:
        text = f"*{mrkdwn_escape(t('stock_risks'))}*\n" + "\n".join(
            f"• {mrkdwn_escape(i)}" for i in s.stock
        )
        blocks += section_blocks(text)
    health = " · ".join(mrkdwn_escape(i) for i in s.health)
    context = f"{mrkdwn_escape(t('data_health'))}: {health}"
    if s.run_url:
        context += f" · <{s.run_url}|{mrkdwn_escape(t('run'))}>"
    blocks.append({"type": "context", "elements": [text_object(context[:MAX_SECTION])]})
    return blocks


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


def kpi_table(headers: list[str], rows: list[list[str]]) -> str:
    """A monospace table; inside a code block Slack shows text as typed (escaping still applies)."""
    table = [headers[:2] + headers[2:5]] + [r[:5] for r in rows]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for r in table:
        cells = [pad(r[0], widths[0])] + [
            pad(c, w, left=False) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    return mrkdwn_escape("\n".join(lines))


def _length(block: Block) -> int:
    text = block.get("text", {})
    if isinstance(text, dict):
        return len(text.get("text", ""))
    return sum(len(e.get("text", "")) for e in block.get("elements", []))
