"""``storepulse reports``: the stored report pages, served over HTTP or printed."""

from __future__ import annotations

import sys
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import typer

from connectors.errors import StorepulseError
from flows.cli import ALERTS, console, group

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
) -> None:
    """Serve the stored pages over HTTP (read-only; `/` lists the latest)."""
    server = page_server(None, host, port)
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


def page_server(database_url: str | None, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for the stored pages (``/`` lists the latest); read-only."""
    from tasks.delivery.pages import PAGE_PATH, index_html, read_page, recent_pages
    from tasks.warehouse.engine import get_engine

    engine = get_engine(database_url)

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
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
