"""Channels: who receives what (routing, quiet hours) and the transport that reaches each one.

With no channels configured, everything goes to the ``files`` channel in every language (the
outbox folder), so storepulse can be tried without credentials and nothing is lost.
"""

from __future__ import annotations

import base64
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from connectors.config import (
    ChannelConfig,
    Config,
    EmailChannel,
    SlackChannel,
    StoreConfig,
    WebhookChannel,
    resolve_secret,
)
from connectors.email import SmtpServer
from connectors.errors import ConfigError
from connectors.slack import Posted, SlackBot, SlackWebhook
from connectors.vocabulary import LANGUAGES, Language, Report
from reports.i18n import Locale
from reports.markdown import md
from reports.model import Renderers
from reports.slack import mrkdwn_escape, section_blocks, split_messages
from tasks.checks.findings import SEVERITY_ORDER
from tasks.delivery.outbox import (
    Delivery,
    FileTransport,
    Message,
    Transport,
    deliver,
    email_message,
    enqueue,
    images,
    outbox_dir,
    references,
)
from tasks.delivery.pages import keep_pages
from tasks.warehouse.engine import get_engine

log = logging.getLogger(__name__)


class Keyed(Protocol):
    @property
    def key(self) -> str:
        """What identifies it in the outbox (report, period and store; or the message's key)."""
        ...


R = TypeVar("R", bound=Keyed)
FILES = "files"


@dataclass(frozen=True, slots=True)
class Route:
    """One channel and recipient a message goes to, in the reader's language."""

    channel: str
    recipient: str
    language: Language
    config: ChannelConfig | None = None
    #: The clock quiet hours are read on: the channel's own, else the store's.
    timezone: str = "UTC"

    def takes(self, severity: str) -> bool:
        least = self.config.min_severity if self.config else "warning"
        return SEVERITY_ORDER.get(severity, 0) >= SEVERITY_ORDER[least]

    @property
    def mentions(self) -> list[str]:
        return list(self.config.mentions) if self.config else []

    def quiet_until(self, now: datetime) -> datetime | None:
        """When quiet hours end, if ``now`` falls in them; None otherwise."""
        if self.config is None or not self.config.quiet_hours:
            return None
        zone = ZoneInfo(self.timezone)
        start, end = (time.fromisoformat(p) for p in self.config.quiet_hours.split("-"))
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        inside = start <= clock < end if start < end else (clock >= start or clock < end)
        if not inside:
            return None
        ends = datetime.combine(local.date(), end, zone)
        if ends <= local:
            ends += timedelta(days=1)
        return ends


def routes(config: Config, store: str, report: Report) -> list[Route]:
    if not config.channels:
        return [Route(FILES, language, language) for language in LANGUAGES]
    return [
        Route(c.name, c.recipient, c.language, c, c.timezone or config.store(store).timezone)
        for c in config.channels
        if c.covers(store, report)
    ]


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
    bodies = {
        "text": renderers.text(model, t),
        "html": renderers.html(model, t),
        "markdown": renderers.markdown(model, t),
        "blocks": renderers.blocks(model, t),
    }
    if renderers.images:
        images = renderers.images(model, t)
        bodies["images"] = {n: base64.b64encode(png).decode() for n, png in images.items()}
    return renderers.title(model, t), bodies


@dataclass(slots=True)
class Published(Generic[R]):
    """What a step published (report models, or the messages themselves) and what became of
    their messages."""

    reports: list[R] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    #: Where each message went (the file written, for the file transport); None if held.
    references: dict[str, str | None] = field(default_factory=dict)


def send(
    conn: Connection, config: Config, messages: list[Message], now: datetime, resend: bool = False
) -> Published[Message]:
    """Store ``messages`` in the outbox and deliver those due; a key already sent is skipped."""
    queued = enqueue(conn, messages, now, resend=resend)
    delivery = deliver(conn, transports(config), now, queued)
    delivery.skipped = [m.key for m in messages if m.key not in queued]
    return Published(messages, delivery, references(conn, [m.key for m in messages]))


def publish(
    config: Config,
    database_url: str | None,
    report: Report,
    renderers: Renderers,
    build: Callable[[Connection, StoreConfig], R],
    *,
    stores: list[str] | None,
    now: datetime,
    resend: bool,
) -> Published[R]:
    """Build one report per store (``build``), render it for every route, keep it as a page
    (tasks/delivery/pages.py), and send it."""
    models: list[R] = []
    pages: list[tuple[str, Message]] = []
    with get_engine(database_url).begin() as conn:
        for store in config.select(stores):
            model = build(conn, store)
            models.append(model)
            rendered: dict[str, tuple[str, dict[str, Any]]] = {}
            pages += [
                (model.key, render_message(model, renderers, r, model.key, rendered=rendered))
                for r in routes(config, store.name, report)
            ]
        keep_pages(conn, pages, now, replace=resend)
        sent = send(conn, config, [message for _, message in pages], now, resend)
    return Published(models, sent.delivery, sent.references)


def transports(config: Config) -> dict[str, Transport]:
    built: dict[str, Transport] = {FILES: FileTransport(outbox_dir())}
    for channel in config.channels:
        built[channel.name] = transport_for(channel)
    return built


def transport_for(channel: ChannelConfig) -> ChannelTransport:
    if channel.type == "slack":
        return SlackTransport(channel)
    if channel.type == "webhook":
        return WebhookTransport(channel)
    return EmailTransport(channel)


def _owner(channel: ChannelConfig) -> str:
    return f"channel {channel.name!r}"


@dataclass(slots=True)
class SlackTransport:
    """The first part goes to the channel, the rest into its thread; a digest's HTML report is
    attached there too. An alert's resolution also marks its original message resolved."""

    channel: SlackChannel
    _bot: SlackBot | None = field(default=None, repr=False)

    @property
    def bot(self) -> SlackBot:
        if self._bot is None:
            token = resolve_secret(
                _owner(self.channel), self.channel.token_env, self.channel.token_secret
            )
            self._bot = SlackBot(token, self.channel.api_url)
        return self._bot

    def send(self, message: Message) -> str:
        parts = split_messages(message.bodies.get("blocks") or [])
        target = str(self.channel.channel)
        first = self.bot.post(target, message.subject, parts[0] if parts else [])
        for part in parts[1:]:
            self.bot.post(first.channel, message.subject, part, thread_ts=first.ts)
        for name, png in images(message).items():
            self.bot.upload(first, name, png, message.subject)
        if message.kind == "digest" and message.bodies.get("html"):
            report = str(message.bodies["html"]).encode("utf-8")
            self.bot.upload(first, "report.html", report, message.subject)
        for edit in message.bodies.get("edits", []):
            self._edit(edit)
        return f"{first.channel}/{first.ts}"

    def check(self) -> str:
        return self.bot.check()

    def _edit(self, edit: dict[str, object]) -> None:
        """Mark an earlier message; a deleted or too-old original is not worth failing for."""
        channel, _, ts = str(edit["reference"]).partition("/")
        try:
            self.bot.update(Posted(channel, ts), str(edit["text"]), list(edit["blocks"]))  # type: ignore[call-overload]
        except Exception as exc:
            log.warning("could not mark %s resolved: %s", edit["reference"], exc)


@dataclass(slots=True)
class WebhookTransport:
    """An incoming webhook cannot thread or edit: every part is posted in order."""

    channel: WebhookChannel

    def send(self, message: Message) -> str:
        url = resolve_secret(_owner(self.channel), self.channel.url_env, self.channel.url_secret)
        hook = SlackWebhook(url)
        for part in split_messages(message.bodies.get("blocks") or []) or [[]]:
            hook.post(message.subject, part)
        return f"webhook {self.channel.name}"

    def check(self) -> str:
        resolve_secret(_owner(self.channel), self.channel.url_env, self.channel.url_secret)
        return "webhook URL found (a webhook can only be proven by posting: use test-send)"


@dataclass(slots=True)
class EmailTransport:
    channel: EmailChannel

    @property
    def server(self) -> SmtpServer:
        c = self.channel
        password = (
            resolve_secret(_owner(c), c.password_env, c.password_secret)
            if c.password_env or c.password_secret
            else None
        )
        return SmtpServer(str(c.host), c.port, c.security, c.username, password, c.ca_file)

    def send(self, message: Message) -> str:
        c = self.channel
        email = email_message(message, sender=str(c.sender), to=c.to, cc=c.cc)
        return self.server.send(email)

    def check(self) -> str:
        return self.server.check()


def short_bodies(text: str, slack_lead: str = "") -> dict[str, Any]:
    """A one-paragraph message (``text`` is plain, unescaped) in every medium; ``slack_lead``
    is mrkdwn put before it in Slack (a bold title, an emoji)."""
    return {
        "text": text + "\n",
        "html": f"<p>{html.escape(text)}</p>",
        "markdown": md(text),
        "blocks": section_blocks(slack_lead + mrkdwn_escape(text)),
    }


def send_test(config: Config, name: str, now: datetime) -> str:
    """Send a short message straight to channel ``name`` (not through the outbox: it proves
    the channel, it is not a report). Return where it went; raise with the reason if not."""
    channel = next((c for c in config.channels if c.name == name), None)
    if channel is None:
        known = ", ".join(c.name for c in config.channels) or "none configured"
        raise ConfigError(f"no channel named {name!r} (channels: {known})")
    t = Locale(channel.language)
    body = f"{t('test_body')} ({now:%Y-%m-%d %H:%M} UTC)"
    bodies = short_bodies(body, f"*{mrkdwn_escape(t('test_title'))}*\n")
    key = f"test/{now:%Y%m%dT%H%M%S}/{name}"
    message = Message(
        key, "test", name, channel.recipient, channel.language, t("test_title"), bodies
    )
    return transport_for(channel).send(message)


#: A configured channel's transport: it sends, and ``check()`` proves its connection.
ChannelTransport = SlackTransport | WebhookTransport | EmailTransport
