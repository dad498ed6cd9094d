"""The digest says where its traffic came from and shows conversion by channel, in each
language and medium."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reports.i18n import Locale
from reports.media.dingtalk import DIALECT
from reports.media.html import daily_html
from reports.media.markdown import daily_markdown
from reports.media.phone import daily_phone
from reports.media.slack import daily_blocks
from reports.media.text import daily_text
from reports.model import ChannelFunnel, DailyDigest, TrafficFunnel
from tests.reports.sample import sample_digest

CHANNELS = [
    ChannelFunnel("Email", 400, 40, 20, 12, 0.03),
    ChannelFunnel("Organic Search", 2500, 180, 80, 45, 0.018),
    ChannelFunnel("Referral", 0, 0, 0, 0, None),
]


def digest(source: str = "ga4", **flags: object) -> DailyDigest:
    traffic = TrafficFunnel(source, CHANNELS, **flags)  # type: ignore[arg-type]
    return replace(sample_digest(), traffic=traffic)


@pytest.mark.parametrize(
    ("source", "language", "heading"),
    [
        ("ga4", "en", "Traffic: GA4 · conversion by channel"),
        ("csv", "en", "Traffic: CSV · conversion by channel"),
        ("ga4", "zh-CN", "流量：GA4 · 各渠道转化率"),
        ("csv", "zh-CN", "流量：CSV · 各渠道转化率"),
    ],
)
def test_every_medium_names_the_traffic_source(source: str, language: str, heading: str) -> None:
    t = Locale(language)
    rendered = {
        "text": daily_text(digest(source), t),
        "markdown": daily_markdown(digest(source), t),
        "html": daily_html(digest(source), t),
        "slack": str(daily_blocks(digest(source), t)),
        "dingtalk": "\n".join(daily_phone(digest(source), t, DIALECT)),
    }
    for medium, body in rendered.items():
        assert heading in body, medium


def test_channels_show_their_funnel_and_conversion_busiest_first() -> None:
    text = daily_text(digest(), Locale("en"))
    search = text.index("Organic Search: 2,500 → 180 → 80 → 45 · 1.8")
    email = text.index("Email: 400 → 40 → 20 → 12 · 3.0")
    assert search < email
    assert "Referral: 0 → 0 → 0 → 0 · n/a" in text


def test_ga4_quality_flags_are_shown_and_only_when_raised() -> None:
    flagged = daily_text(digest(sampled_share=0.25, thresholded=True, other_row=True), Locale("en"))
    assert "GA4 sampled this day's report (25% of events read)" in flagged
    assert "thresholding" in flagged and "(other)" in flagged
    clean = daily_text(digest(), Locale("en"))
    assert "sampled" not in clean and "thresholding" not in clean


def test_no_traffic_source_means_no_section() -> None:
    assert "Traffic:" not in daily_text(sample_digest(), Locale("en"))
