"""The HTML reports in a real browser (Debian's Chromium, headless): the chart loads, nothing
overflows a 640-pixel mail column, and Chinese text has a font to draw it.

Screenshots land in ``out/screens/`` for a human look.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from reports.model import DailyDigest
from reports.renderers import DAILY, WEEKLY
from tasks.delivery.publish import render_message
from tasks.delivery.routes import Route
from tasks.delivery.transports import FileTransport
from tests.conftest import required
from tests.reports.sample import sample_digest, sample_weekly

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path("out/screens")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        required(f"{CHROMIUM} is not installed (Debian: chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def busy_digest() -> DailyDigest:
    """The sample digest at a big shop's scale: seven-figure sales, fourteen days of trend."""
    digest = sample_digest()
    kpis = [
        replace(k, value=1_234_567.89 if k.unit == "money" else k.value, trend=WAVE)
        for k in digest.kpis
    ]
    return replace(digest, kpis=kpis)


WAVE = tuple(100.0 + 30 * ((i * 7) % 5) for i in range(14))


def written(tmp_path: Path, model: object, renderers: object, language: str) -> Path:
    """The report as the file channel writes it: HTML with its chart beside it."""
    route = Route("files", language, language)  # type: ignore[arg-type]
    message = render_message(model, renderers, route, "report")  # type: ignore[arg-type]
    return Path(FileTransport(tmp_path).send(message))


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("report", ["daily", "weekly"])
def test_reports_render_within_a_mail_column(
    browser: object, tmp_path: Path, report: str, language: str
) -> None:
    model, renderers = (busy_digest(), DAILY) if report == "daily" else (sample_weekly(), WEEKLY)
    page = browser.new_page(viewport={"width": 680, "height": 900})  # type: ignore[attr-defined]
    page.goto(written(tmp_path, model, renderers, language).as_uri())
    width = page.evaluate("document.querySelector('#kpis').getBoundingClientRect().width")
    assert 0 < width <= 640 - 2 * 24
    assert page.evaluate("document.documentElement.scrollWidth") <= 680  # no sideways scroll
    assert page.evaluate("[...document.scripts].length") == 0
    chart = page.query_selector("img")
    if report == "daily":
        assert chart is not None and chart.evaluate("i => i.complete && i.naturalWidth") == 960
    if language == "zh-CN":
        used = fonts_drawing(page, "h1")
        assert any("CJK" in family for family in used)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shot = SCREENS / f"{report}.{language}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert not blank(shot)


def blank(png: Path) -> bool:
    """Whether a screenshot shows (next to) nothing: one colour, or hardly any ink on it."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:160])  # pixels darker than the page's light greys
        return (
            len(grey.getcolors(maxcolors=1 << 16) or ()) < 8
            or dark < 0.005 * grey.width * grey.height
        )


def fonts_drawing(page: object, selector: str) -> list[str]:
    """The fonts Chromium actually drew the element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts]
