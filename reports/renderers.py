"""Each report's renderers, bundled: what a message needs to be written for any channel."""

from __future__ import annotations

from reports.alerts import notice_blocks, notice_html, notice_markdown, notice_text, notice_title
from reports.charts import TREND_CHART, trend_chart
from reports.html import daily_html
from reports.i18n import Locale
from reports.markdown import daily_markdown, daily_text
from reports.model import DailyDigest, Renderers
from reports.sections import daily_title
from reports.slack import daily_blocks
from reports.weekly import weekly_blocks, weekly_html, weekly_markdown, weekly_text, weekly_title


def daily_images(digest: DailyDigest, t: Locale) -> dict[str, bytes]:
    chart = trend_chart(digest.kpis, t, digest.currency)
    return {TREND_CHART: chart} if chart else {}


DAILY = Renderers(daily_title, daily_text, daily_html, daily_markdown, daily_blocks, daily_images)
WEEKLY = Renderers(weekly_title, weekly_text, weekly_html, weekly_markdown, weekly_blocks)
ALERTS = Renderers(notice_title, notice_text, notice_html, notice_markdown, notice_blocks)
