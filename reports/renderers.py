"""Each report's renderers, bundled from the registered media: what a message needs to be
written for any channel. A new medium is one module under ``reports/media/`` and one entry in
:data:`MEDIA`."""

from __future__ import annotations

from reports.charts import TREND_CHART, trend_chart
from reports.content.alerts import notice_title
from reports.content.daily import daily_title
from reports.content.weekly import weekly_title
from reports.i18n import Locale
from reports.media import html, markdown, slack, text
from reports.model import AlertNotice, DailyDigest, Medium, Renderers, WeeklyReview

MEDIA: tuple[Medium, ...] = (text.MEDIUM, html.MEDIUM, markdown.MEDIUM, slack.MEDIUM)


def daily_images(digest: DailyDigest, t: Locale) -> dict[str, bytes]:
    chart = trend_chart(digest.kpis, t, digest.currency)
    return {TREND_CHART: chart} if chart else {}


DAILY: Renderers[DailyDigest] = Renderers(
    daily_title, {m.name: m.daily for m in MEDIA}, daily_images
)
WEEKLY: Renderers[WeeklyReview] = Renderers(weekly_title, {m.name: m.weekly for m in MEDIA})
ALERTS: Renderers[AlertNotice] = Renderers(notice_title, {m.name: m.alerts for m in MEDIA})
