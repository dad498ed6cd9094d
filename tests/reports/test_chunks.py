"""Packing sections under a byte budget: whole sections where they fit, never a cut character,
and nothing lost or reordered."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.i18n import Locale
from reports.media import dingtalk, feishu, wecom
from reports.media.chunks import json_size, pack_text, split_text, utf8_size
from reports.model import AlertLine, ProductLine
from tests.reports.sample import sample_digest

#: Chinese and ASCII words, numbers and Markdown, as reports hold them.
WORDS = st.sampled_from(
    ["净销售额", "US$5,531.33", "-73.2%", "**订单数**", "[运行记录](http://x/y)", "缺货", "a", "·"]
)
LINES = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
SECTIONS = st.lists(st.lists(LINES, min_size=1, max_size=8).map("\n".join), max_size=15)


def squeezed(texts: list[str]) -> str:
    return "".join("".join(texts).split())


@given(SECTIONS, st.integers(min_value=12, max_value=400))
def test_chunks_stay_within_the_budget_and_keep_every_character(
    sections: list[str], budget: int
) -> None:
    chunks = pack_text(sections, budget, utf8_size)
    assert all(utf8_size(c) <= budget for c in chunks)
    assert squeezed(chunks) == squeezed(sections)  # in order, nothing lost, nothing added


@given(SECTIONS, st.integers(min_value=60, max_value=600))
def test_a_section_that_fits_is_never_split(sections: list[str], budget: int) -> None:
    chunks = pack_text(sections, budget, json_size)
    for section in sections:
        if json_size(section) <= budget:
            assert any(section in c.split("\n\n") for c in chunks)


@given(LINES, st.integers(min_value=12, max_value=60))
def test_a_long_line_is_split_between_words(line: str, budget: int) -> None:
    pieces = split_text(line, budget)
    words = line.split(" ")
    too_long = [w for w in words if utf8_size(w) > budget]
    for piece in pieces:  # whole words, or pieces of a word longer than the budget
        assert all(w in words or any(w in big for big in too_long) for w in piece.split(" "))
    assert all(utf8_size(p) <= budget for p in pieces)
    assert squeezed(pieces) == squeezed([line])


def test_chinese_text_is_measured_in_bytes_and_cut_between_characters() -> None:
    assert utf8_size("净销售额") == 12 and json_size('引"号\n') == 3 + 2 + 3 + 2
    assert split_text("净销售额净销售额", 7) == ["净销", "售额", "净销", "售额"]
    assert pack_text(["净销售额", "订单数"], 22) == ["净销售额", "订单数"]  # 12 + 2 + 9 = 23
    assert pack_text(["净销售额", "订单数"], 23) == ["净销售额\n\n订单数"]


def test_a_digest_with_hundreds_of_alerts_fits_every_app() -> None:
    many = sample_digest(alerts=400)
    t = Locale("zh-CN")
    for payload in dingtalk.daily_dingtalk(many, t):
        assert dingtalk.body_size(payload) <= dingtalk.LIMIT - dingtalk.RESERVE
    cards = feishu.daily_feishu(many, t)
    assert len(cards) > 1
    assert all(feishu.body_size(c) <= feishu.LIMIT - feishu.RESERVE for c in cards)
    parts = wecom.daily_wecom(many, t)
    assert len(parts) > 3
    assert all(
        utf8_size(p["markdown"]["content"]) <= wecom.MARKDOWN_LIMIT - wecom.RESERVE for p in parts
    )
    alerts = [json.dumps(p, ensure_ascii=False).count("转化率 0.9%") for p in parts]
    assert sum(alerts) == 400  # every alert, whole, once
    assert isinstance(many.alerts[0], AlertLine)


TITLES = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
)  # any text a shop may give a product, emoji and control characters included


@settings(max_examples=40, deadline=None)
@given(st.lists(TITLES, min_size=1, max_size=60))
def test_any_product_titles_stay_within_every_apps_limits(titles: list[str]) -> None:
    products = [ProductLine(title, Decimal(100), Decimal(-5)) for title in titles]
    digest = replace(sample_digest(), top_products=products, fallers=products)
    t = Locale("zh-CN")
    assert all(
        dingtalk.body_size(p) <= dingtalk.LIMIT - dingtalk.RESERVE
        for p in dingtalk.daily_dingtalk(digest, t)
    )
    assert all(
        feishu.body_size(p) <= feishu.LIMIT - feishu.RESERVE for p in feishu.daily_feishu(digest, t)
    )
    for part in wecom.daily_wecom(digest, t):
        content = part["markdown"]["content"]
        assert utf8_size(content) <= wecom.MARKDOWN_LIMIT - wecom.RESERVE
        assert "<@" not in content and "](" not in content.replace("[运行记录](", "")
