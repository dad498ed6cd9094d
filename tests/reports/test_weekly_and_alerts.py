"""The weekly review and the alert notice: what they say, and hostile text in every medium
(their golden files are checked with the daily digest's, in test_renderers.py)."""

from __future__ import annotations

import json

from reports.i18n import Locale
from reports.media.html import notice_html, weekly_html
from reports.media.markdown import notice_markdown, weekly_markdown
from reports.media.slack import notice_blocks, resolved_blocks, weekly_blocks
from reports.media.text import notice_text, weekly_text
from tests.reports.sample import HOSTILE, sample_notice, sample_weekly


def test_the_weekly_review_says_what_a_monday_meeting_needs() -> None:
    text = weekly_text(sample_weekly(), Locale("en"))
    assert "Weekly review · demo · week 47, 16 November – 22 November 2026" in text
    assert "vs last week -73.2% · vs same week last year -49.7%" in text
    assert "Net sales: attained 88% · 120% of the pace the target asks for" in text
    assert "online_store: $50,269 · 54% (-1.4 pp)" in text
    assert "BFCM25 (2 days): $30,000, +150.0% vs the same days a week before" in text
    assert "Sep 2026         1,290  100%  11%  42%" in text  # the cohort grid, aligned
    zh = weekly_text(sample_weekly(), Locale("zh-CN"))
    assert "每周复盘 · demo · 2026年第47周（11月16日–11月22日）" in zh and "2026年9月" in zh


def test_the_heatmap_shades_retention_and_escapes_user_text() -> None:
    html = weekly_html(sample_weekly(), Locale("en"))
    assert 'id="cohorts"' in html and "background:#1a7f37" in html  # 42 %: the darkest
    assert "<script>" not in html and "&lt;script&gt;" in html
    payload = json.dumps(weekly_blocks(sample_weekly(), Locale("en")))
    assert "<!channel>" not in payload and HOSTILE not in payload
    assert "\\[x\\]\\(y\\)" in weekly_markdown(sample_weekly(), Locale("en"))


def test_a_critical_notice_calls_its_people_and_a_warning_does_not() -> None:
    critical = json.dumps(notice_blocks(sample_notice("critical"), Locale("en")))
    assert "<!subteam^S0ONCALL> <@U0LEAD>" in critical
    warning = json.dumps(notice_blocks(sample_notice("warning"), Locale("en")))
    assert "S0ONCALL" not in warning and "U0LEAD" not in warning
    assert "<!channel>" not in critical and "&lt;!channel&gt;" in critical


def test_a_notice_tells_what_opened_and_what_resolved_in_each_medium() -> None:
    en, zh = Locale("en"), Locale("zh-CN")
    text = notice_text(sample_notice(), en)
    assert text.startswith("Alerts · demo · Tuesday 24 November 2026")
    assert "New [critical] Conversion rate 0.9%, expected 2.5%" in text
    assert "Resolved [critical] Orders are stale" in text
    assert "告警 · demo" in notice_markdown(sample_notice(), zh)
    assert "已恢复" in notice_html(sample_notice(), zh) and "<script>" not in notice_html(
        sample_notice(), en
    )
    marked = resolved_blocks(notice_blocks(sample_notice(), en), en, "conversion_rate")
    assert marked[0]["type"] == "context" and "Resolved" in marked[0]["elements"][0]["text"]
