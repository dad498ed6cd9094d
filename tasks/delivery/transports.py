"""Transports: one sender per kind of channel, and the email and files a message becomes.

Each transport states what happens to a message whose send a crash cut off (``after_crash``,
see :mod:`tasks.delivery.outbox`): Slack posts are not repeated on their own (``ask``), email and
files are sent again (``resend``).

Chat robots (DingTalk, Feishu, WeCom) send a message as several requests when it is long; each
takes a slot of the robot's rate limit shared through the warehouse first
(:mod:`tasks.delivery.ratelimit`), and a message the limit holds back stays pending.

Without channel credentials messages go to :class:`FileTransport`: a ``.json`` (the Slack
payload and Markdown), a ``.eml`` (the email, text and HTML) and an ``.html`` file per message,
under :func:`outbox_dir`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, ClassVar

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from connectors.config import (
    ChannelConfig,
    Config,
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    SlackChannel,
    WebhookChannel,
    WecomChannel,
    resolve_channel_secrets,
)
from connectors.email import SmtpServer
from connectors.robots import DingTalkRobot, FeishuRobot, Robot, RobotError, WecomRobot
from connectors.slack import Posted, SlackBot, SlackWebhook
from reports.i18n import Locale
from reports.media import wecom
from reports.media.chunks import split_text, utf8_size
from reports.media.slack import split_messages
from tasks.delivery.outbox import CrashPolicy, Message, NotYet, PartlySent, Transport
from tasks.delivery.ratelimit import ROBOT_RATES, pause, robot_id, take_slot
from tasks.delivery.routes import FILES
from tasks.warehouse.engine import database_url as warehouse_url
from tasks.warehouse.engine import get_engine

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
        built[channel.name] = transport_for(channel, database_url)
    return built


def transport_for(channel: ChannelConfig, database_url: str | None = None) -> ChannelTransport:
    """The channel's transport; a robot's shares its rate limit through ``database_url``."""
    if channel.type == "slack":
        return SlackTransport(channel)
    if channel.type == "webhook":
        return WebhookTransport(channel)
    if channel.type == "email":
        return EmailTransport(channel)
    return RobotTransport(channel, database_url)


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


RobotChannelConfig = DingTalkChannel | FeishuChannel | WecomChannel
#: The largest image a WeCom robot takes, before Base64.
WECOM_IMAGE_LIMIT = 2 * 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class RobotTransport:
    """A DingTalk, Feishu or WeCom group robot: every part of a message is one request, paced
    by the robot's shared rate limit. A robot edits nothing: a resolution is a new message.

    A crash mid-send may leave a part in the group, so such a message is not sent again on its
    own (``ask``); a part that went before a failure or a rate limit is not sent again.
    """

    channel: RobotChannelConfig
    database_url: str | None = None
    #: The clock of the rate limit and the signatures (a test's own, to skip a minute).
    clock: Callable[[], datetime] = utc_now
    after_crash: ClassVar[CrashPolicy] = "ask"

    def send(self, message: Message) -> str:
        secrets = resolve_channel_secrets(self.channel)
        robot = self.robot(secrets)
        rates = ROBOT_RATES[self.channel.type]
        engine, me = get_engine(self.database_url), robot_id(secrets["url"])
        parts = self.parts(message)
        done = message.parts_sent
        for part in parts[done:]:
            wait = take_slot(engine, me, rates, self.clock())
            if wait is not None:
                raise NotYet(
                    f"{robot.app} robot's rate limit; next part at {wait:%H:%M:%S}", wait, done
                )
            try:
                robot.post(part)
            except RobotError as exc:
                if exc.throttled and exc.retry_after is not None:
                    until = self.clock() + exc.retry_after
                    pause(engine, me, rates, until)  # every process waits out the block
                    raise NotYet(str(exc), until, done) from None
                raise PartlySent(exc, done) if done else exc from None
            done += 1
        return f"{self.channel.type} {self.channel.name}: {len(parts)} part(s)"

    def robot(self, secrets: dict[str, SecretStr]) -> Robot:
        url, secret = secrets["url"], secrets.get("secret")
        if self.channel.type == "dingtalk":
            return DingTalkRobot(url, secret, self.seconds)
        if self.channel.type == "feishu":
            return FeishuRobot(url, secret, self.seconds)
        return WecomRobot(url, self.seconds)

    def seconds(self) -> float:
        """Now, in seconds since the epoch: what a signature's timestamp is made from."""
        return self.clock().timestamp()

    def parts(self, message: Message) -> list[dict[str, Any]]:
        """The requests a message takes, in order: its rendering for this app (or its text, for
        a short note), with the keyword and the report's page added, then any chart."""
        bodies = message.bodies
        kind = self.channel.type
        note = f"{message.subject}\n{bodies.get('text', '')}"
        parts = [dict(p) for p in bodies.get(kind) or text_parts(kind, note)]
        keyword = getattr(self.channel, "keyword", None)
        page = bodies.get("page_url")
        lang = Locale(self.channel.language)
        if kind == "dingtalk":
            parts = [with_keyword_dingtalk(p, keyword) for p in parts]
            if page and message.kind == "digest":
                parts[-1] = dingtalk_action_card(parts[-1], page, lang("open_report"))
        elif kind == "feishu":
            parts = [with_keyword_feishu(p, keyword) for p in parts]
            if page and message.kind == "digest":
                parts[-1] = feishu_button(parts[-1], page, lang("open_report"))
        else:
            if page and message.kind == "digest":
                parts = wecom_link(parts, page, lang("open_report"))
            parts += wecom_images(message)
        return parts

    def check(self) -> str:
        secrets = resolve_channel_secrets(self.channel)
        found = "URL and signing secret found" if "secret" in secrets else "URL found"
        return (
            f"{found} (a robot can only be proven by posting: use test-send); "
            f"{late_run_reach(self.channel)}"
        )


def late_run_reach(channel: RobotChannelConfig) -> str:
    """Whether the Prefect server's late-run alert can reach the robot, and why not."""
    if "alerts" not in channel.reports:
        return "it takes no alerts, so no late-run alert"
    if channel.signed:
        return (
            "the Prefect server cannot send it the late-run alert: its automation posts a fixed "
            "request, and a signed robot needs a fresh signature per request (use keyword "
            "security for this robot, or a WeCom or Slack channel for alerts)"
        )
    return "the Prefect server sends it the late-run alert"


def text_parts(kind: str, text: str) -> list[dict[str, Any]]:
    """A short note (a test message, a run's failure) as text messages within the app's limit."""
    pieces = split_text(text.strip() or "storepulse", wecom.TEXT_LIMIT, utf8_size)
    if kind == "feishu":
        return [{"msg_type": "text", "content": {"text": p}} for p in pieces]
    return [{"msgtype": "text", "text": {"content": p}} for p in pieces]


def with_keyword_dingtalk(part: dict[str, Any], keyword: str | None) -> dict[str, Any]:
    """The robot's keyword at the end of the text, where keyword security looks for it."""
    body = part.get(part["msgtype"], {})
    field_name = "content" if part["msgtype"] == "text" else "text"
    if keyword and keyword not in json.dumps(part, ensure_ascii=False):
        body = body | {field_name: f"{body.get(field_name, '')}\n\n{keyword}"}
    return part | {part["msgtype"]: body}


def with_keyword_feishu(part: dict[str, Any], keyword: str | None) -> dict[str, Any]:
    """The robot's keyword as the card's subtitle (or after a text), where it is looked for."""
    if not keyword or keyword in json.dumps(part, ensure_ascii=False):
        return part
    if part["msg_type"] == "text":
        return part | {"content": {"text": f"{part['content']['text']}\n{keyword}"}}
    card = part["card"]
    header = card["header"] | {"subtitle": {"tag": "plain_text", "content": keyword}}
    return part | {"card": card | {"header": header}}


def dingtalk_action_card(part: dict[str, Any], page: str, label: str) -> dict[str, Any]:
    """The last part of a digest as an actionCard whose button opens the report's page."""
    if part["msgtype"] != "markdown":
        return part
    card = {
        "title": part["markdown"]["title"],
        "text": part["markdown"]["text"],
        "btnOrientation": "0",
        "singleTitle": label,
        "singleURL": page,
    }
    return {"msgtype": "actionCard", "actionCard": card}


def feishu_button(part: dict[str, Any], page: str, label: str) -> dict[str, Any]:
    """A button opening the report's page at the end of the last card."""
    if part.get("msg_type") != "interactive":
        return part
    button = {
        "tag": "button",
        "text": {"tag": "plain_text", "content": label},
        "type": "primary",
        "behaviors": [{"type": "open_url", "default_url": page}],
    }
    card = part["card"]
    body = {"elements": [*card["body"]["elements"], button]}
    return part | {"card": card | {"body": body}}


def wecom_link(parts: list[dict[str, Any]], page: str, label: str) -> list[dict[str, Any]]:
    """A link to the report's page at the end of the last part, or in a part of its own when
    the last has no room left under WeCom's 4,096 bytes."""
    link = f"[{label}]({page})"
    last = parts[-1] if parts else {}
    if last.get("msgtype") == "markdown":
        content = f"{last['markdown']['content']}\n\n{link}"
        if utf8_size(content) <= wecom.MARKDOWN_LIMIT:
            return [*parts[:-1], last | {"markdown": {"content": content}}]
    return [*parts, {"msgtype": "markdown", "markdown": {"content": link}}]


def wecom_images(message: Message) -> list[dict[str, Any]]:
    """A digest's chart as WeCom image messages (Base64 and the MD5 of the PNG); one over the
    2 MB WeCom takes is left out, with a warning (the report page still has it)."""
    if message.kind != "digest":
        return []
    out = []
    for name, png in images(message).items():
        if len(png) > WECOM_IMAGE_LIMIT:
            log.warning("chart %s is over 2 MB: not sent to WeCom", name)
            continue
        image = {
            "base64": base64.b64encode(png).decode(),
            "md5": hashlib.md5(png, usedforsecurity=False).hexdigest(),
        }
        out.append({"msgtype": "image", "image": image})
    return out


#: A configured channel's transport: it sends, and ``check()`` proves its connection.
ChannelTransport = SlackTransport | WebhookTransport | EmailTransport | RobotTransport


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
