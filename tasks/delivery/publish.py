"""Publish reports: build each store's model, render it for every route, keep it as a page, and
send it through the outbox, with no transaction open while rendering or sending.

One :func:`publish_report` serves every report kind; :data:`REPORTS` says, per kind, how to
build the model for a store, how to render it, and which period it covers by default.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection

from connectors.config import Config, Report, StoreConfig
from reports.i18n import Locale
from reports.model import Renderers
from reports.renderers import CAMPAIGN, DAILY, WEEKLY
from tasks.checks.run import default_report_date
from tasks.delivery.outbox import (
    Delivery,
    Message,
    deliver,
    enqueue,
    references,
    retry_now,
    settle_interrupted,
)
from tasks.delivery.pages import page_rows, page_url, store_pages
from tasks.delivery.routes import Route, routes
from tasks.delivery.transports import transports
from tasks.reporting.campaign import build_review, ended_on
from tasks.reporting.daily import build_daily
from tasks.reporting.weekly import build_weekly, default_week
from tasks.warehouse.engine import get_engine, reading


class Keyed(Protocol):
    @property
    def key(self) -> str:
        """What identifies it in the outbox (report, period and store; or the message's key)."""
        ...


R = TypeVar("R", bound=Keyed)
#: Build one store's report: (connection, config, store, period or None, as_of, run_url).
Build = Callable[[Connection, Config, StoreConfig, date | None, datetime, str | None], Any]


@dataclass(slots=True)
class Published(Generic[R]):
    """What a step published (report models, or the messages themselves) and what became of
    their messages."""

    reports: list[R] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    #: Where each message went (the file written, for the file transport); None if held.
    references: dict[str, str | None] = field(default_factory=dict)


def _daily(
    conn: Connection,
    config: Config,
    store: StoreConfig,
    day: date | None,
    as_of: datetime,
    run_url: str | None,
) -> Any:
    """The digest of ``day``; by default the store-local day before ``as_of``."""
    day = day or default_report_date(store, as_of)
    return build_daily(conn, store.name, store.currency, day, run_url, config.campaigns)


def _weekly(
    conn: Connection,
    config: Config,
    store: StoreConfig,
    monday: date | None,
    as_of: datetime,
    run_url: str | None,
) -> Any:
    """The review of the ISO week starting ``monday``; by default the last complete one."""
    monday = monday or default_week(as_of.astimezone(store.zone).date())
    return build_weekly(conn, store.name, store.currency, monday, config.campaigns, run_url)


def _campaign(
    conn: Connection,
    config: Config,
    store: StoreConfig,
    last_day: date | None,
    as_of: datetime,
    run_url: str | None,
) -> Any:
    """The review of the store's configured campaign that ended on ``last_day`` (by default
    yesterday); None when none did."""
    day = last_day or default_report_date(store, as_of)
    campaign = ended_on(config, store, day)
    return None if campaign is None else build_review(conn, config, store, campaign, run_url)


@dataclass(frozen=True, slots=True)
class ReportKind:
    build: Build
    renderers: Renderers


REPORTS: dict[Report, ReportKind] = {
    "daily": ReportKind(_daily, DAILY),
    "weekly": ReportKind(_weekly, WEEKLY),
    "campaign": ReportKind(_campaign, CAMPAIGN),
}


def publish_report(
    kind: Report,
    config: Config,
    database_url: str | None = None,
    *,
    stores: list[str] | None = None,
    period: date | None = None,
    as_of: datetime | None = None,
    resend: bool = False,
    run_url: str | None = None,
) -> Published[Any]:
    """Build each store's ``kind`` report for ``period`` (its default when None), render it for
    every route, keep it as a page, and deliver it once.

    Each store is read in its own short transaction; rendering and sending happen with none open.
    """
    report = REPORTS[kind]
    now = as_of or datetime.now(UTC)
    engine = get_engine(database_url)
    models: list[Any] = []
    pages: list[tuple[str, Message]] = []
    for store in config.select(stores):
        with reading(engine) as conn:
            model = report.build(conn, config, store, period, now, run_url)
        if model is None:  # nothing to report for the store (no campaign ended)
            continue
        models.append(model)
        rendered: dict[str, tuple[str, dict[str, Any]]] = {}
        for r in routes(config, store.name, kind):
            message = render_message(model, report.renderers, r, model.key, rendered=rendered)
            if config.reports_url:  # a robot's card links the report's page
                link = page_url(config.reports_url, model.key, r.language)
                message = replace(message, bodies={**message.bodies, "page_url": link})
            pages.append((model.key, message))
    messages = [m for _, m in pages]
    sent = send(config, database_url, messages, now, resend, pages=page_rows(pages, now))
    return Published(models, sent.delivery, sent.references)


def send(
    config: Config,
    database_url: str | None,
    messages: list[Message],
    now: datetime,
    resend: bool = False,
    *,
    pages: list[dict[str, Any]] | None = None,
) -> Published[Message]:
    """Commit ``messages`` to the outbox (and their ``pages``, rows from
    :func:`~tasks.delivery.pages.page_rows`), then deliver those due; a key already sent is
    skipped."""
    engine = get_engine(database_url)
    senders = transports(config, database_url)
    unknown = settle_interrupted(engine, senders, now)  # first, so a resend is queued again
    with engine.begin() as conn:
        store_pages(conn, pages or [], replace=resend)
        queued = enqueue(conn, messages, now, resend=resend)
    delivery = deliver(engine, senders, now, queued)
    delivery.skipped += [m.key for m in messages if m.key not in queued]
    delivery.unknown = unknown + delivery.unknown
    with reading(engine) as conn:
        where = references(conn, [m.key for m in messages])
    return Published(messages, delivery, where)


def retry(
    config: Config, database_url: str | None, now: datetime, *, unknown: bool = False
) -> Delivery:
    """Send every failed or held message now (with ``unknown``, also those a crash cut off)."""
    engine = get_engine(database_url)
    with engine.begin() as conn:
        retry_now(conn, now, unknown=unknown)
    return deliver(engine, transports(config, database_url), now)


def render_message(
    model: Any,
    renderers: Renderers,
    route: Route,
    key: str,
    kind: str = "digest",
    rendered: dict[str, tuple[str, dict[str, Any]]] | None = None,
) -> Message:
    """``model`` rendered in every medium for one route, in its language, keyed for the outbox.
    Routes sharing ``rendered`` (one dict per model) render each language once, chart and all."""
    rendered = {} if rendered is None else rendered
    if route.language not in rendered:
        rendered[route.language] = render_bodies(model, renderers, Locale(route.language))
    subject, bodies = rendered[route.language]
    full_key = f"{key}/{route.channel}/{route.recipient}"
    return Message(
        full_key, kind, route.channel, route.recipient, route.language, subject, dict(bodies)
    )


def render_bodies(model: Any, renderers: Renderers, t: Locale) -> tuple[str, dict[str, Any]]:
    """The subject, and the bodies in every medium, in one language."""
    bodies: dict[str, Any] = renderers.bodies(model, t)
    if renderers.images:
        images = renderers.images(model, t)
        bodies["images"] = {n: base64.b64encode(png).decode() for n, png in images.items()}
    return renderers.title(model, t), bodies
