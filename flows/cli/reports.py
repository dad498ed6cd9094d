"""``storepulse reports``: the stored report pages, served over HTTP or printed."""

from __future__ import annotations

import sys
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, unquote, urlsplit

import typer

from connectors.errors import StorepulseError
from connectors.vocabulary import LANGUAGES
from flows.cli import ALERTS, ConfigOption, console, group

if TYPE_CHECKING:
    from connectors.config import Config

reports_app = group(
    "reports",
    "Each digest and weekly review as an HTML page, kept in the warehouse.",
    ALERTS,
    no_args_is_help=True,
)


class PageLanguage(StrEnum):
    """The languages reports are written in (``reports/i18n.py``)."""

    en = "en"
    zh_cn = "zh-CN"


@reports_app.command("serve")
def reports_serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8765,
    config: ConfigOption = None,
) -> None:
    """Serve the stored pages over HTTP (read-only; `/` lists the latest), and with a
    configuration each live campaign at `/live/<campaign>` (`?lang=zh-CN` for Chinese)."""
    from connectors.config import config_path
    from tasks.settings import load_settings

    path = config_path(config)
    settings = load_settings(path) if config is not None or path.exists() else None
    server = page_server(None, host, port, settings)
    console.print(f"serving reports at http://{host}:{server.server_address[1]}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@reports_app.command("show")
def reports_show(
    key: Annotated[str, typer.Argument(help="The report, such as daily/2026-11-28/flagship.")],
    language: Annotated[PageLanguage, typer.Option(help="The page's language.")] = (
        PageLanguage.en
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not to the console.")
    ] = None,
) -> None:
    """Print (or write) one stored page."""
    from tasks.delivery.pages import read_page
    from tasks.warehouse.engine import get_engine

    with get_engine().connect() as conn:
        page = read_page(conn, key, language.value)
    if page is None:
        raise StorepulseError(f"no {language.value} page for {key!r} (see `storepulse outbox`)")
    if output is None:
        sys.stdout.write(page)
    else:
        output.write_text(page, encoding="utf-8")
        console.print(f"wrote {output}")


def page_server(
    database_url: str | None, host: str, port: int, config: Config | None = None
) -> ThreadingHTTPServer:
    """An HTTP server for the stored pages (``/`` lists the latest) and, given ``config``, the
    live pages of campaigns (``/live/<campaign>``); read-only."""
    from tasks.delivery.pages import PAGE_PATH, index_html, read_page, recent_pages
    from tasks.warehouse.engine import get_engine

    engine = get_engine(database_url)

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith(LIVE_PREFIX):
                return self._send(*live_page(engine, config, self.path))
            with engine.connect() as conn:
                if path == "/":
                    return self._send(HTTPStatus.OK, index_html(recent_pages(conn)))
                match = PAGE_PATH.match(path)
                page = match and read_page(conn, match["key"], match["language"])
            if not page:
                return self._send(HTTPStatus.NOT_FOUND, "<h1>No such report</h1>")
            return self._send(HTTPStatus.OK, page)

        def _send(self, status: HTTPStatus, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Security-Policy", "script-src 'none'")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # the console stays quiet
            pass

    return ThreadingHTTPServer((host, port), Pages)


LIVE_PREFIX = "/live/"


def live_page(engine: Any, config: Config | None, target: str) -> tuple[HTTPStatus, str]:
    """The live page of ``/live/<campaign>[?lang=…]``, as (status, HTML)."""
    from reports.i18n import Locale
    from reports.media.html import live_html
    from tasks.campaigns.live import build_live
    from tasks.warehouse.engine import reading

    url = urlsplit(target)
    name = unquote(url.path.removeprefix(LIVE_PREFIX))
    language = parse_qs(url.query).get("lang", ["en"])[0]
    if config is None:
        return HTTPStatus.NOT_FOUND, "<h1>Live pages need the configuration (--config)</h1>"
    if name not in campaign_names(config) or language not in LANGUAGES:
        return HTTPStatus.NOT_FOUND, "<h1>No such campaign</h1>"
    with reading(engine) as conn:
        page = build_live(conn, config, name)
    return HTTPStatus.OK, live_html(page, Locale(language))  # type: ignore[arg-type]


def campaign_names(config: Config) -> set[str]:
    """The configured campaigns and the retail events the checks know."""
    from datetime import date

    from tasks.checks.calendar import builtin_days

    return {c.name for c in config.campaigns} | set(builtin_days([date.today().year]).values())
