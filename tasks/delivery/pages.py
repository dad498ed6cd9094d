"""Reports as pages in the warehouse: each digest and weekly review as one self-contained HTML
page per language. Every worker writes to the same warehouse, so any machine can serve any run's
report (``storepulse reports serve``) and the run's artifacts can link to it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, tuple_

from tasks.delivery.outbox import Message
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

#: ``/daily/2026-11-28/flagship.en.html``: the report's key, then its language.
PAGE_PATH = re.compile(
    r"^/(?P<key>(?:daily|weekly|campaign)/\d{4}-\d\d-\d\d/[^/]+)\.(?P<language>[A-Za-z-]{2,8})\.html$"
)


def keep_pages(
    conn: Connection, pages: Iterable[tuple[str, Message]], now: datetime, replace: bool
) -> int:
    """Store each (report key, rendered message) as a page, one per report and language.

    A page, like the message it shows, is written once: a rerun leaves it as sent, and only a
    resend (``replace``) writes it again. Returns the pages written.
    """
    return store_pages(conn, page_rows(pages, now), replace)


def page_rows(pages: Iterable[tuple[str, Message]], now: datetime) -> list[dict[str, Any]]:
    """The page rows for (report key, rendered message) pairs, one per report and language:
    built before any transaction opens (routes in one language share a page)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for key, m in pages:
        if "html" in m.bodies and (key, m.language) not in rows:
            rows[key, m.language] = {
                "key": key,
                "language": m.language,
                "title": m.subject,
                "html": page_html(m),
                "created_at": now,
            }
    return list(rows.values())


def store_pages(conn: Connection, rows: list[dict[str, Any]], replace: bool) -> int:
    """Write page rows not stored yet (all of them with ``replace``); return how many."""
    if not replace and rows:
        found = conn.execute(
            select(tables.report_pages.c.key, tables.report_pages.c.language).where(
                tuple_(tables.report_pages.c.key, tables.report_pages.c.language).in_(
                    [(r["key"], r["language"]) for r in rows]
                )
            )
        )
        stored = {(key, language) for key, language in found}
        rows = [r for r in rows if (r["key"], r["language"]) not in stored]
    return upsert(conn, tables.report_pages, rows) if rows else 0


def page_html(message: Message) -> str:
    """The message's HTML with its images inlined (a page has no attachments to point at)."""
    page = str(message.bodies["html"])
    for name, data in message.bodies.get("images", {}).items():
        page = page.replace(f"cid:{name}", f"data:image/png;base64,{data}")
    return page


def page_path(key: str, language: str) -> str:
    return f"/{key}.{language}.html"


def page_url(base: str, key: str, language: str) -> str:
    return base.rstrip("/") + page_path(key, language)


def read_page(conn: Connection, key: str, language: str) -> str | None:
    pages = tables.report_pages
    found = conn.execute(
        select(pages.c.html).where(pages.c.key == key, pages.c.language == language)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def recent_pages(conn: Connection, limit: int = 500) -> list[Any]:
    pages = tables.report_pages
    return list(
        conn.execute(
            select(pages.c.key, pages.c.language, pages.c.title, pages.c.created_at)
            .order_by(pages.c.created_at.desc(), pages.c.key, pages.c.language)
            .limit(limit)
        )
    )


def index_html(rows: list[Any]) -> str:
    items = "\n".join(
        f'<li><a href="{html.escape(page_path(r.key, r.language))}">{html.escape(r.title)}</a> '
        f"<small>{html.escape(r.language)}</small></li>"
        for r in rows
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>storepulse reports</title>'
        '</head><body style="font-family:sans-serif;max-width:48rem;margin:2rem auto">'
        f"<h1>storepulse reports</h1><ul>{items or '<li>No reports yet.</li>'}</ul></body></html>"
    )


def stored_languages(conn: Connection, keys: list[str]) -> dict[str, list[str]]:
    """The languages each report has a page in."""
    pages = tables.report_pages
    found: dict[str, list[str]] = {key: [] for key in keys}
    if keys:
        rows = conn.execute(
            select(pages.c.key, pages.c.language)
            .where(pages.c.key.in_(keys))
            .order_by(pages.c.key, pages.c.language)
        )
        for key, language in rows:
            found[key].append(language)
    return found


def pages_markdown(languages: dict[str, list[str]], base_url: str | None) -> str:
    """Where each report's page is: links under ``base_url``, or how to get it without one."""
    lines = ["| report | pages |", "|---|---|"]
    for key, langs in languages.items():
        if base_url:
            cells = " · ".join(f"[{lang}]({page_url(base_url, key, lang)})" for lang in langs)
        else:
            cells = " · ".join(
                f"`storepulse reports show {key} --language {lang}`" for lang in langs
            )
        lines.append(f"| {key} | {cells or '—'} |")
    if not base_url:
        lines += ["", "Set `reports_url` in storepulse.yaml to link `storepulse reports serve`."]
    return "\n".join(lines)
