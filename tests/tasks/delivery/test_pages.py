"""Report pages: written once per report and language, served read-only from the warehouse."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from flows.cli import app
from flows.cli.reports import page_server
from tasks.delivery.outbox import Message
from tasks.delivery.pages import keep_pages, page_url, pages_markdown, read_page
from tasks.warehouse.engine import DATABASE_URL_ENV, get_engine

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
KEY = "daily/2026-11-28/flagship"
PNG = base64.b64encode(b"\x89PNG fake").decode()


def digest(language: str, text: str) -> Message:
    html = f'<h1>{text}</h1><img src="cid:kpi-trends.png">'
    bodies = {"html": html, "text": text, "images": {"kpi-trends.png": PNG}}
    return Message(f"{KEY}/files/{language}", "digest", "files", language, language, text, bodies)


@pytest.fixture
def served(sqlite_url: str) -> Iterator[str]:
    with get_engine(sqlite_url).begin() as conn:
        keep_pages(
            conn,
            [(KEY, digest("en", "Daily digest")), (KEY, digest("zh-CN", "每日简报"))],
            NOW,
            replace=False,
        )
    server = page_server(sqlite_url, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_is_written_once_unless_resent(sqlite_url: str) -> None:
    with get_engine(sqlite_url).begin() as conn:
        assert keep_pages(conn, [(KEY, digest("en", "first"))], NOW, replace=False) == 1
        assert keep_pages(conn, [(KEY, digest("en", "rerun"))], NOW, replace=False) == 0
        assert "first" in (read_page(conn, KEY, "en") or "")
        assert keep_pages(conn, [(KEY, digest("en", "resent"))], NOW, replace=True) == 1
        page = read_page(conn, KEY, "en") or ""
    assert "resent" in page and f"data:image/png;base64,{PNG}" in page and "cid:" not in page


def test_the_server_shows_pages_and_lists_them(served: str) -> None:
    page = requests.get(page_url(served, KEY, "zh-CN"), timeout=10)
    assert page.status_code == 200 and "每日简报" in page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    index = requests.get(served + "/", timeout=10).text
    assert f'href="/{KEY}.en.html"' in index and "每日简报" in index
    for missing in (f"/{KEY}.fr.html", "/daily/2026-11-27/flagship.en.html", "/../etc/passwd"):
        assert requests.get(served + missing, timeout=10).status_code == 404


def test_the_artifact_links_pages_or_says_how_to_get_them() -> None:
    linked = pages_markdown({KEY: ["en", "zh-CN"]}, "https://reports.example.com/")
    assert f"[zh-CN](https://reports.example.com/{KEY}.zh-CN.html)" in linked
    unlinked = pages_markdown({KEY: ["en"]}, None)
    assert f"`storepulse reports show {KEY} --language en`" in unlinked
    assert "reports_url" in unlinked


def test_reports_show_writes_a_page_or_names_what_is_missing(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    with get_engine(sqlite_url).begin() as conn:
        keep_pages(conn, [(KEY, digest("zh-CN", "每日简报"))], NOW, replace=False)
    out = tmp_path / "page.html"
    shown = CliRunner().invoke(app, ["reports", "show", KEY, "--language", "zh-CN", "-o", str(out)])
    assert shown.exit_code == 0 and "每日简报" in out.read_text(encoding="utf-8")
    missing = CliRunner().invoke(app, ["reports", "show", KEY])  # no English page
    assert missing.exit_code == 1 and f"no en page for '{KEY}'" in missing.output
