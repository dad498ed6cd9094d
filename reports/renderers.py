"""Each report's renderers, bundled from the registered media: what a message needs to be
written for any channel. A new medium is one module under ``reports/media/`` and one entry in
:data:`MEDIA`."""

from __future__ import annotations

from collections.abc import Callable

from reports.charts import TREND_CHART, trend_chart
from reports.content.alerts import notice_title
from reports.content.campaign import campaign_sections, campaign_title
from reports.content.daily import daily_title
from reports.content.weekly import weekly_title
from reports.i18n import Locale
from reports.media import dingtalk, feishu, html, markdown, slack, text, wecom
from reports.model import (
    AlertNotice,
    Body,
    CampaignReview,
    DailyDigest,
    Medium,
    Renderers,
    WeeklyReview,
)

#: Every medium a message is rendered in; its name is the body's key in the outbox.
MEDIA: tuple[Medium, ...] = (
    text.MEDIUM,
    html.MEDIUM,
    markdown.MEDIUM,
    slack.MEDIUM,
    dingtalk.MEDIUM,
    feishu.MEDIUM,
    wecom.MEDIUM,
)


def daily_images(digest: DailyDigest, t: Locale) -> dict[str, bytes]:
    chart = trend_chart(digest.kpis, t, digest.currency)
    return {TREND_CHART: chart} if chart else {}


def bundle(
    media: tuple[Medium, ...],
) -> tuple[Renderers[DailyDigest], Renderers[WeeklyReview], Renderers[AlertNotice]]:
    """The daily, weekly and alert renderers over ``media``."""
    return (
        Renderers(daily_title, {m.name: m.daily for m in media}, daily_images),
        Renderers(weekly_title, {m.name: m.weekly for m in media}),
        Renderers(notice_title, {m.name: m.alerts for m in media}),
    )


DAILY, WEEKLY, ALERTS = bundle(MEDIA)


def sectioned(media: tuple[Medium, ...]) -> Renderers[CampaignReview]:
    """The campaign review's renderers: its sections in each medium's sections layout."""

    def through(medium: Medium) -> Callable[[CampaignReview, Locale], Body]:
        render = medium.sections
        if render is None:
            raise ValueError(f"the {medium.name} medium renders no sections")
        return lambda review, t: render(campaign_sections(review, t), t)

    return Renderers(campaign_title, {m.name: through(m) for m in media})


CAMPAIGN = sectioned(MEDIA)
