"""Every report in every language and medium against golden files, and user text that must
not ping, link or inject."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from reports.content.alerts import rule_text
from reports.i18n import LANGUAGES, Locale
from reports.media.html import daily_html
from reports.media.markdown import daily_markdown
from reports.media.slack import MAX_BLOCKS, MAX_MESSAGE, MAX_SECTION, daily_blocks, split_messages
from reports.media.text import daily_text
from reports.model import Body, Medium, Renderers, SpecialDay
from reports.renderers import ALERTS, CAMPAIGN, DAILY, MEDIA, WEEKLY, bundle
from tasks.delivery.publish import render_bodies
from tests.reports.sample import (
    GOLDEN,
    HOSTILE,
    assert_golden,
    sample_campaign,
    sample_digest,
    sample_event_day,
    sample_notice,
    sample_weekly,
)

#: Each report with a sample that fills every section.
REPORTS: dict[str, tuple[Renderers[Any], Callable[[], object]]] = {
    "daily": (DAILY, sample_digest),
    "weekly": (WEEKLY, sample_weekly),
    "alerts": (ALERTS, sample_notice),
    "campaign": (CAMPAIGN, sample_campaign),
    "event_day": (DAILY, sample_event_day),
}
#: Golden file suffixes; a medium not named here uses its own name.
SUFFIXES = {
    "text": "txt",
    "markdown": "md",
    "html": "html",
    "blocks": "json",
    "dingtalk": "dingtalk.json",
    "feishu": "feishu.json",
    "wecom": "wecom.json",
}


def as_text(body: Body) -> str:
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("medium", [m.name for m in MEDIA])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_report_matches_its_golden_file(report: str, language: str, medium: str) -> None:
    renderers, sample = REPORTS[report]
    rendered = as_text(renderers.media[medium](sample(), Locale(language)))
    assert_golden(rendered, GOLDEN / f"{report}.{language}.{SUFFIXES.get(medium, medium)}")


def test_every_registered_medium_renders_every_report() -> None:
    for renderers, _ in REPORTS.values():
        assert list(renderers.media) == [m.name for m in MEDIA]


def test_a_new_medium_is_one_module_and_one_registration() -> None:
    card = Medium(
        "card",
        lambda d, t: f"{t('daily_title')}: {d.store}",
        lambda r, t: f"{t('weekly_title')}: {r.store}",
        lambda n, t: f"{t('alert_title')}: {len(n.alerts)}",
    )
    daily, weekly, alerts = bundle((*MEDIA, card))
    subject, bodies = render_bodies(sample_digest(), daily, Locale("zh-CN"))
    assert subject.startswith("每日简报 · demo")  # the title, in the reader's language
    assert bodies["card"] == "每日简报: demo" and set(bodies) >= {"text", "html", "blocks"}
    assert weekly.bodies(sample_weekly(), Locale("en"))["card"] == "Weekly review: demo"
    assert alerts.bodies(sample_notice(), Locale("en"))["card"] == "Alerts: 2"


def test_no_english_sentence_is_left_in_a_chinese_report() -> None:
    for report, (renderers, sample) in REPORTS.items():
        text = renderers.media["text"](sample(), Locale("zh-CN"))
        assert "Orders are stale" not in text and "expected" not in text, report
    zh = daily_text(sample_digest(), Locale("zh-CN"))
    assert "订单数据已过期：上次同步在 48 小时前（允许 36 小时）" in zh


#: Every finding worded from a code and parameters, with what English makes of them.
FINDINGS = [
    ("freshness", {"hours": 48.0, "allowed": 36.0}, "last synced 48 h ago (allowed: 36 h)"),
    ("freshness", {"hours": None, "allowed": 36.0}, "Orders are stale: never synced"),
    ("volume", {"day": "2026-03-10", "typical": 41.6}, "had about 42 a day"),
    ("count", {"ours": 1200, "theirs": 1225, "cursor": "2026-03-11 04:00"}, "counts 1,225"),
    ("quarantine", {"count": 31}, "31 records quarantined"),
    ("level", {"metric": "orders", "fall": 0.25}, "Orders has fallen 25% over the last two"),
]


@pytest.mark.parametrize(("check", "params", "english"), FINDINGS)
def test_every_finding_is_worded_in_every_language(
    check: str, params: dict[str, str | float | None], english: str
) -> None:
    worded = {language: Locale(language).finding(check, params) for language in LANGUAGES}
    assert english in worded["en"]
    assert len(set(worded.values())) == len(LANGUAGES)  # each language its own sentence
    assert not any(word in worded["zh-CN"] for word in ("Orders", "records", "synced"))


@pytest.mark.parametrize(
    ("bound", "english", "chinese"),
    [
        ("below", "Orders 12, below 20 for 2 days", "订单数 12，低于 20，已连续 2 天"),
        (
            "down",
            "Orders 12, down 40% or more on the same day last week (30) for 2 days",
            "订单数 12，较上周同日（30）下降 40% 或以上，已连续 2 天",
        ),
    ],
)
def test_a_broken_rule_is_worded_in_every_language(bound: str, english: str, chinese: str) -> None:
    params: dict[str, str | float | None] = {
        "metric": "orders",
        "value": 12.0,
        "days": 2,
        "bound": bound,
        "limit": 20.0,
        "share": 0.4,
        "base": 30.0,
    }
    assert rule_text(params, "count", "USD", Locale("en")) == english
    assert rule_text(params, "count", "USD", Locale("zh-CN")) == chinese


def test_the_digest_says_what_an_operations_manager_needs() -> None:
    text = daily_text(sample_digest(), Locale("en"))
    assert "Daily digest · demo · Tuesday 24 November 2026" in text
    assert "$5,531.33" in text and "-73.2%" in text and "vs target pace 124%" in text
    assert "-1.6 pp" in text  # rates move in points
    assert "vs year ago n/a" in text  # no base: n/a, never 0 %
    assert "Conversion rate 0.9%, expected 2.5% (-64.0%; normal range 1.6%–4.0%)" in text
    assert "Why: purchases 29 vs 76.8" in text
    assert "out of stock" in text and "3.5 days of cover" in text
    assert "Orders are stale: last synced 48 h ago (allowed: 36 h)" in text
    zh = daily_text(sample_digest(), Locale("zh-CN"))
    assert "每日简报 · demo · 2026年11月24日（星期二）" in zh
    assert "US$5,531.33" in zh and "-1.6个百分点" in zh and "转化率 0.9%，预期 2.5%" in zh


def test_an_event_day_is_compared_with_its_special_day_expectation_and_says_so() -> None:
    text = daily_text(sample_event_day(), Locale("en"))
    assert f"BFCM {HOSTILE}: expected from BFCM {HOSTILE} last year (Tuesday 25 November 2025)" in (
        text
    )
    assert "vs expected -41.2% · vs prior day -73.2%" in text  # the expectation leads
    assert "vs expected +5.0 pp" in daily_text(sample_event_day(), Locale("en"))
    zh = daily_text(sample_event_day(), Locale("zh-CN"))
    assert "预期来自去年的BFCM" in zh and "较预期 -41.2%" in zh
    assert "vs expected" not in daily_text(sample_digest(), Locale("en"))  # an ordinary day


@pytest.mark.parametrize(
    ("source", "past", "english"),
    [
        ("same_event", (date(2026, 3, 10), date(2026, 7, 7)), "expected from earlier SALE (Tue"),
        ("similar_campaign", (date(2026, 7, 7),), "most similar past campaign, SUMMER (Tuesday 7"),
        ("ordinary_days", (), "no earlier SALE or similar campaign in the history"),
    ],
)
def test_the_digest_says_where_an_event_days_expectation_came_from(
    source: str, past: tuple[date, ...], english: str
) -> None:
    special = SpecialDay("SALE", source, past, "SUMMER" if source == "similar_campaign" else "")
    digest = replace(sample_event_day(), special_day=special)
    assert english in daily_text(digest, Locale("en"))
    assert "SALE" in daily_text(digest, Locale("zh-CN"))


def test_slack_text_cannot_ping_or_link() -> None:
    payload = json.dumps(daily_blocks(sample_digest(), Locale("en")))
    assert "<!channel>" not in payload and "<https://evil" not in payload
    assert "&lt;!channel&gt;" in payload
    for block in daily_blocks(sample_digest(), Locale("en")):
        text = block.get("text") or {}
        if text.get("type") == "mrkdwn":
            assert text["verbatim"] is True


def test_html_escapes_user_text_and_runs_no_script() -> None:
    html = daily_html(sample_digest(), Locale("en"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<style" not in html  # inline CSS only, for mail clients


def test_markdown_shows_user_text_as_typed() -> None:
    markdown = daily_markdown(sample_digest(), Locale("en"))
    assert "[x](y)" not in markdown and "\\[x\\]\\(y\\)" in markdown
    assert "<script>" not in markdown


def test_long_digests_are_split_never_cut() -> None:
    digest = sample_digest(alerts=300)
    blocks = daily_blocks(digest, Locale("en"))
    messages = split_messages(blocks)
    assert len(messages) > 1
    assert [b for m in messages for b in m] == blocks  # nothing lost, order kept
    for message in messages:
        assert len(message) <= MAX_BLOCKS
        texts = [
            b.get("text", {}).get("text", "") for b in message if isinstance(b.get("text"), dict)
        ]
        assert sum(map(len, texts)) <= MAX_MESSAGE
        assert all(len(t) <= MAX_SECTION for t in texts)
    assert sum("Conversion rate 0.9%" in json.dumps(b) for b in blocks) == 300
    assert HOSTILE not in json.dumps(blocks)
