"""Each report's renderers, bundled: what a message needs to be written for any channel."""

from __future__ import annotations

from reports.alerts import notice_blocks, notice_html, notice_markdown, notice_text, notice_title
from reports.html import daily_html
from reports.markdown import daily_markdown, daily_text
from reports.model import Renderers
from reports.sections import daily_title
from reports.slack import daily_blocks
from reports.weekly import weekly_blocks, weekly_html, weekly_markdown, weekly_text, weekly_title

DAILY = Renderers(daily_title, daily_text, daily_html, daily_markdown, daily_blocks)
WEEKLY = Renderers(weekly_title, weekly_text, weekly_html, weekly_markdown, weekly_blocks)
ALERTS = Renderers(notice_title, notice_text, notice_html, notice_markdown, notice_blocks)
