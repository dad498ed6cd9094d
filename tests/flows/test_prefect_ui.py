"""The on-demand rerun, the way an operations manager does it: in the Prefect UI, in Chromium.

A real ``prefect server start`` and ``storepulse serve`` run as processes; Playwright drives
Debian's Chromium to the ``daily-ops`` deployment, starts a custom run for a past
``report_date``, and watches it complete. Then the digest for that day is in the outbox.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from connectors.sandbox import DemoStore
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, get_engine
from tests.conftest import TOKEN, TOKEN_ENV, required, write_config
from tests.support.processes import PrefectServer, prefect_server, storepulse_serving

CHROMIUM = "/usr/bin/chromium"
DAY = "2026-03-30"
SCREENS = Path("out/screens")

pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.browser]


@pytest.fixture
def served(
    shop: DemoStore, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrefectServer]:
    """A Prefect server, and storepulse serving its deployments to it."""
    if not Path(CHROMIUM).exists():
        required(f"{CHROMIUM} is not installed (Debian: chromium)")
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = write_config(tmp_path, shop.url)
    with (
        prefect_server(tmp_path / "prefect") as server,
        storepulse_serving(config, server.api_url, tmp_path / "serve.log"),
    ):
        yield server


def test_a_custom_run_for_a_past_day_started_in_the_ui_completes(
    served: PrefectServer, sqlite_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(f"{served.url}/deployments")
        # until `storepulse serve` has registered its deployments
        assert shows(page, lambda: page.get_by_role("link", name="daily-ops"), seconds=90)
        page.get_by_role("link", name="daily-ops").first.click()
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Custom run").click()
        field = page.locator(".schema-form-property").filter(has_text="report_date (Optional)")
        field.locator(".schema-form-property-menu").first.click()
        page.get_by_text("Use JSON input").first.click()
        field.locator(".p-code-input textarea").first.fill(json.dumps(DAY))
        run_name = page.locator("input.p-text-input__control").first.input_value()
        page.get_by_role("button", name="Submit").click()
        assert shows(page, lambda: page.get_by_role("link", name=run_name), seconds=60)
        page.get_by_role("link", name=run_name).first.click()
        finished = page.get_by_text("Completed").or_(page.get_by_text("Failed"))
        shows(page, lambda: finished, seconds=300)  # the run: sync, metrics, checks, digest
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "prefect-custom-run.png"))
        expect(page.get_by_text("Completed").first).to_be_visible()
        browser.close()
    with get_engine(sqlite_url).connect() as conn:
        keys = (
            conn.execute(select(tables.outbox.c.key).order_by(tables.outbox.c.key)).scalars().all()
        )
    assert keys == [f"daily/{DAY}/demo/files/en", f"daily/{DAY}/demo/files/zh-CN"]


def shows(page: Any, locator: Callable[[], Any], seconds: int) -> bool:
    """Whether the page shows ``locator`` within ``seconds``, reloading between looks (the UI
    polls, but a reload is what a user does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            locator().first.wait_for(timeout=5000)
            return True
        except PlaywrightTimeout:
            page.reload()
    return False
