"""The trend chart: a real PNG, Chinese labels in a CJK font, never empty boxes."""

from __future__ import annotations

import warnings

import pytest

from reports import charts
from reports.charts import cjk_font, trend_chart
from reports.i18n import Locale
from tests.conftest import required
from tests.reports.sample import sample_digest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_chart_is_a_png_of_the_kpis_with_a_trend() -> None:
    digest = sample_digest()
    png = trend_chart(digest.kpis, Locale("en"), digest.currency)
    assert png is not None and png.startswith(PNG_MAGIC)
    width = int.from_bytes(png[16:20], "big")
    assert width == 960  # 6.4 in at 150 dpi: sharp on high-density screens
    flat = [k for k in digest.kpis if not k.trend]
    assert trend_chart(flat, Locale("en"), digest.currency) is None


def test_chinese_labels_are_drawn_in_a_cjk_font() -> None:
    if cjk_font() is None:
        required("no CJK font is installed (Debian: fonts-noto-cjk)")
    digest = sample_digest()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph a font lacks
        png = trend_chart(digest.kpis, Locale("zh-CN"), digest.currency)
    assert png is not None and png.startswith(PNG_MAGIC)


def test_without_a_cjk_font_the_chart_keeps_english_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    digest = sample_digest()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no empty boxes for missing glyphs
        assert trend_chart(digest.kpis, Locale("zh-CN"), digest.currency) is not None
