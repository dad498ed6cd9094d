"""The live page of a campaign: its numbers, its page over HTTP (no script, refreshed by a meta
tag), and the page in Chromium, screenshotted into ``out/screens/``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from connectors.config import Config
from connectors.config.tree import CampaignTargets
from flows.cli.reports import page_server
from reports.i18n import Locale
from reports.media.html import live_html
from tasks.campaigns.live import build_live
from tasks.warehouse.engine import get_engine, reading
from tests.support.campaign_shop import (
    CAMPAIGN_START,
    ZONE,
    CampaignShop,
    campaign_config,
    write_shop,
)

DAY = CAMPAIGN_START + timedelta(days=3)
#: 15:20 on a campaign day in the store's timezone, orders stopped from 13:00.
NOW = datetime.combine(DAY, time(15, 20)).replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
SCREENS = Path("out/screens")


@pytest.fixture
def live_shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    silent = (datetime.combine(DAY, time(13)), datetime.combine(DAY, time(23)))
    write_shop(url, CampaignShop(seed=5, history_days=420, silent=silent))
    return url


def _config() -> Config:
    config = campaign_config()
    targets = CampaignTargets(orders=3000)
    campaigns = [c.model_copy(update={"targets": targets}) for c in config.campaigns]
    return config.model_copy(update={"campaigns": campaigns})


def test_the_live_numbers_run_to_now_hour_by_hour(live_shop: str) -> None:
    with reading(get_engine(live_shop)) as conn:
        page = build_live(conn, _config(), "Autumn sale", NOW)
        elsewhere = build_live(conn, _config(), "Autumn sale", NOW + timedelta(days=30))
    assert elsewhere.stores == []
    (store,) = page.stores
    assert store.as_of == datetime.combine(DAY, time(15, 20))
    counted = [h.orders for h in store.hours]
    assert all(c is not None for c in counted[:16]) and counted[16:] == [None] * 8
    assert counted[12] == counted[13] == counted[14] == counted[15]  # nothing since 13:00
    assert counted[15] is not None and counted[15] < store.hours[15].expected
    assert [metric for metric, *_ in store.pace] == ["orders"]


@pytest.fixture
def server(live_shop: str) -> Iterator[str]:
    httpd = page_server(live_shop, "127.0.0.1", 0, _config())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_live_page_is_served_without_scripts_and_refreshes_itself(server: str) -> None:
    response = requests.get(f"{server}/live/Autumn%20sale?lang=zh-CN", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "script-src 'none'"
    body = response.text
    assert '<meta http-equiv="refresh" content="60">' in body
    assert "<script" not in body and "Autumn sale" in body and "实时" in body
    assert requests.get(f"{server}/live/Spring%20sale", timeout=30).status_code == 404


def test_a_campaign_live_nowhere_says_so_in_every_language(live_shop: str) -> None:
    with reading(get_engine(live_shop)) as conn:
        page = build_live(conn, _config(), "Autumn sale", NOW + timedelta(days=30))
    assert "not live in any store" in live_html(page, Locale("en"))
    assert "没有在任何店铺进行" in live_html(page, Locale("zh-CN"))


@pytest.mark.slow
@pytest.mark.browser
def test_the_live_page_in_chromium(live_shop: str, tmp_path: Path) -> None:
    from tests.conftest import required
    from tests.reports.test_in_a_browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        required(f"{CHROMIUM} is not installed (Debian: chromium)")
    from playwright.sync_api import sync_playwright

    with reading(get_engine(live_shop)) as conn:
        html = live_html(build_live(conn, _config(), "Autumn sale", NOW), Locale("en"))
    page_file = tmp_path / "live.html"
    page_file.write_text(html, encoding="utf-8")
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 680, "height": 900})
        page.goto(page_file.as_uri())
        rows = page.locator("table.hours tr").count()
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(SCREENS / "live-campaign.png"), full_page=True)
        browser.close()
    assert rows == 25  # the header and 24 hours
    assert width <= 680
