"""Transports: one sender per kind of channel, and the email and files a message becomes.

Each transport states what happens to a message whose send a crash cut off (``after_crash``,
see :mod:`tasks.delivery.outbox`): Slack posts are not repeated on their own (``ask``), email and
files are sent again (``resend``).

Without channel credentials messages go to :class:`FileTransport`: a ``.json`` (the Slack
payload and Markdown), a ``.eml`` (the email, text and HTML) and an ``.html`` file per message,
under :func:`outbox_dir`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import ClassVar

from sqlalchemy.engine import make_url

from connectors.config import (
    ChannelConfig,
    Config,
    EmailChannel,
    SlackChannel,
    WebhookChannel,
    resolve_channel_secrets,
)
from connectors.email import SmtpServer
from connectors.slack import Posted, SlackBot, SlackWebhook
from reports.media.slack import split_messages
from tasks.delivery.outbox import CrashPolicy, Message, Transport
from tasks.delivery.routes import FILES
from tasks.warehouse.engine import database_url as warehouse_url

log = logging.getLogger(__name__)

OUTBOX_DIR_ENV = "STOREPULSE_OUTBOX_DIR"


def outbox_dir(database_url: str | None = None) -> Path:
    """Where the file channel writes: ``$STOREPULSE_OUTBOX_DIR``; else beside the SQLite
    warehouse (``storepulse.db`` → ``storepulse-outbox/``); else, for a warehouse on a server,
    ``$XDG_DATA_HOME/storepulse/outbox`` (default ``~/.local/share/storepulse/outbox``)."""
    explicit = os.environ.get(OUTBOX_DIR_ENV)
    if explicit:
        return Path(explicit)
    url = make_url(warehouse_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database).resolve()
        return database.with_name(f"{database.stem}-outbox")
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "storepulse" / "outbox"


def transports(config: Config, database_url: str | None = None) -> dict[str, Transport]:
    """A transport for every configured channel, and the files channel."""
    built: dict[str, Transport] = {FILES: FileTransport(outbox_dir(database_url))}
    for channel in config.channels:
        built[channel.name] = transport_for(channel)
    return built


def transport_for(channel: ChannelConfig) -> ChannelTransport:
    if channel.type == "slack":
        return SlackTransport(channel)
    if channel.type == "webhook":
        return WebhookTransport(channel)
    return EmailTransport(channel)


@dataclass(frozen=True, slots=True)
class FileTransport:
    """Writes each message as files instead of sending it: for trying storepulse without
    credentials, and for seeing exactly what would be sent. Writing again overwrites."""

    directory: Path
    after_crash: ClassVar[CrashPolicy] = "resend"

    def send(self, message: Message) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.directory / safe_name(message.key)
        bodies = message.bodies
        json_body = {
            "subject": message.subject,
            "blocks": bodies.get("blocks"),
            "markdown": bodies.get("markdown"),
        }
        stem.with_suffix(".json").write_text(
            json.dumps(json_body, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if "html" in bodies:
            html = bodies["html"]
            for name, png in images(message).items():  # a file cannot show cid: images
                picture = stem.with_name(f"{stem.name}.{name}")
                picture.write_bytes(png)
                html = html.replace(f"cid:{name}", picture.name)
            stem.with_suffix(".html").write_text(html, encoding="utf-8")
        stem.with_suffix(".eml").write_bytes(email_message(message).as_bytes())
        return str(stem.with_suffix(".html" if "html" in bodies else ".json"))


@dataclass(slots=True)
class SlackTransport:
    """The first part goes to the channel, the rest into its thread; a digest's HTML report is
    attached there too. An alert's resolution also marks its original message resolved."""

    channel: SlackChannel
    _bot: SlackBot | None = field(default=None, repr=False)
    after_crash: ClassVar[CrashPolicy] = "ask"

    @property
    def bot(self) -> SlackBot:
        if self._bot is None:
            token = resolve_channel_secrets(self.channel)["token"]
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
    after_crash: ClassVar[CrashPolicy] = "ask"

    def send(self, message: Message) -> str:
        url = resolve_channel_secrets(self.channel)["url"]
        hook = SlackWebhook(url)
        for part in split_messages(message.bodies.get("blocks") or []) or [[]]:
            hook.post(message.subject, part)
        return f"webhook {self.channel.name}"

    def check(self) -> str:
        resolve_channel_secrets(self.channel)
        return "webhook URL found (a webhook can only be proven by posting: use test-send)"


@dataclass(slots=True)
class EmailTransport:
    channel: EmailChannel
    after_crash: ClassVar[CrashPolicy] = "resend"

    @property
    def server(self) -> SmtpServer:
        c = self.channel
        password = resolve_channel_secrets(c).get("password")
        return SmtpServer(str(c.host), c.port, c.security, c.username, password, c.ca_file)

    def send(self, message: Message) -> str:
        c = self.channel
        email = email_message(message, sender=str(c.sender), to=c.to, cc=c.cc)
        return self.server.send(email)

    def check(self) -> str:
        return self.server.check()


#: A configured channel's transport: it sends, and ``check()`` proves its connection.
ChannelTransport = SlackTransport | WebhookTransport | EmailTransport


def email_message(
    message: Message,
    sender: str = "storepulse <storepulse@localhost>",
    to: list[str] | None = None,
    cc: list[str] | None = None,
) -> EmailMessage:
    """The message as an email: plain text with an HTML alternative; headers kept to one line."""
    email = EmailMessage()
    email["Subject"] = header_safe(message.subject)
    email["From"] = header_safe(sender)
    email["To"] = ", ".join(header_safe(a) for a in to) if to else header_safe(message.recipient)
    if cc:
        email["Cc"] = ", ".join(header_safe(a) for a in cc)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="storepulse.local")
    email.set_content(message.bodies.get("text", ""), charset="utf-8")
    if "html" in message.bodies:
        email.add_alternative(message.bodies["html"], subtype="html", charset="utf-8")
        html_part = email.get_body(("html",))
        assert html_part is not None  # just added
        for name, png in images(message).items():
            html_part.add_related(png, "image", "png", cid=f"<{name}>", filename=name)
    return email


def images(message: Message) -> dict[str, bytes]:
    """The message's PNG images by name (stored base64 in the outbox)."""
    return {n: base64.b64decode(data) for n, data in message.bodies.get("images", {}).items()}


def header_safe(value: str) -> str:
    """No line breaks (header injection) and no control characters in a mail header."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()


def safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[:200]
