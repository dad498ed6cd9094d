"""The outbox: every message is stored before it is sent, sent once, and retried until it goes.

A message's key says what it is for and where it goes (DESIGN rule 8); storing a key that is
already there changes nothing unless ``resend`` is asked for, so reruns and duplicate scheduled
runs send nothing twice. A failed send stays in the outbox with its error and is tried again on
a later run, after a growing pause.

Transports deliver one message and return where it went. Without channel credentials messages
go to :class:`FileTransport`: a ``.json`` (the Slack payload and Markdown), a ``.eml`` (the email,
text and HTML) and an ``.html`` file per message, under ``$STOREPULSE_OUTBOX_DIR``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, select, update

from tasks.warehouse import schema as t
from tasks.warehouse.upsert import insert

OUTBOX_DIR_ENV = "STOREPULSE_OUTBOX_DIR"
DEFAULT_OUTBOX_DIR = Path("out/outbox")
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Message:
    key: str
    kind: str  # digest or alert
    channel: str
    recipient: str
    language: str
    subject: str
    #: Rendered bodies by format: text, html, markdown, blocks (a list of Slack blocks), and
    #: edits (earlier Slack messages to mark, as reference, text and blocks).
    bodies: Mapping[str, Any] = field(default_factory=dict)
    #: Held until then (quiet hours); None sends at once.
    not_before: datetime | None = None


class Transport(Protocol):
    def send(self, message: Message) -> str:
        """Deliver; return a reference (a path, a Slack ts…). Raise on failure."""
        ...


@dataclass(slots=True)
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: Keys already sent by an earlier run, left alone.
    skipped: list[str] = field(default_factory=list)


def outbox_dir() -> Path:
    return Path(os.environ.get(OUTBOX_DIR_ENV) or DEFAULT_OUTBOX_DIR)


def enqueue(
    conn: Connection, messages: list[Message], now: datetime, resend: bool = False
) -> list[str]:
    """Store messages not stored before; with ``resend``, queue sent ones again. Return the
    keys that will go out."""
    o = t.outbox.c
    keys = [m.key for m in messages]
    known = {
        row.key: row.status for row in conn.execute(select(o.key, o.status).where(o.key.in_(keys)))
    }
    fresh = [m for m in messages if m.key not in known]
    insert(conn, t.outbox, [_row(m, now) for m in fresh])
    queued = [m.key for m in fresh]
    for m in messages:
        status = known.get(m.key)
        if status is None:
            continue
        if status == "sent" and not resend:
            continue
        conn.execute(
            update(t.outbox)
            .where(o.key == m.key)
            .values(
                subject=m.subject,
                payload=json.dumps(m.bodies, ensure_ascii=False),
                status="pending" if status == "sent" else status,
                next_attempt_at=now,
            )
        )
        queued.append(m.key)
    return queued


def deliver(
    conn: Connection,
    transports: Mapping[str, Transport],
    now: datetime,
    keys: list[str] | None = None,
) -> Delivery:
    """Send what is due (all of it, or ``keys``); record each outcome."""
    o = t.outbox.c
    query = select(t.outbox).where(o.status != "sent", o.next_attempt_at <= now).order_by(o.key)
    if keys is not None:
        query = query.where(o.key.in_(keys))
    result = Delivery()
    for row in conn.execute(query).mappings().all():
        message = Message(
            row["key"],
            row["kind"],
            row["channel"],
            row["recipient"],
            row["language"],
            row["subject"],
            json.loads(row["payload"]),
        )
        transport = transports.get(row["channel"])
        try:
            if transport is None:
                raise LookupError(f"no transport for channel {row['channel']!r}")
            reference = transport.send(message)
        except Exception as exc:
            attempts = row["attempts"] + 1
            conn.execute(
                update(t.outbox)
                .where(o.key == row["key"])
                .values(
                    status="failed",
                    attempts=attempts,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    next_attempt_at=now + backoff(attempts),
                )
            )
            result.failed.append(row["key"])
            continue
        conn.execute(
            update(t.outbox)
            .where(o.key == row["key"])
            .values(
                status="sent",
                attempts=row["attempts"] + 1,
                last_error=None,
                sent_at=now,
                reference=reference,
            )
        )
        result.sent.append(row["key"])
    return result


def references(conn: Connection, keys: list[str]) -> dict[str, str | None]:
    """Where each message went (a file, a Slack channel/ts, a Message-ID); None if not yet."""
    o = t.outbox.c
    rows = conn.execute(select(o.key, o.reference).where(o.key.in_(keys)))
    return {key: reference for key, reference in rows}


def backoff(attempts: int) -> timedelta:
    """5 minutes, 10, 20… capped at 6 hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def list_outbox(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    o = t.outbox.c
    query = select(
        o.key, o.channel, o.recipient, o.status, o.attempts, o.last_error, o.sent_at, o.reference
    ).order_by(o.created_at.desc(), o.key)
    if status:
        query = query.where(o.status == status)
    return [dict(r) for r in conn.execute(query).mappings()]


def retry_now(conn: Connection, now: datetime) -> int:
    """Make every unsent message (failed, or held for quiet hours) due at once."""
    o = t.outbox.c
    return conn.execute(
        update(t.outbox).where(o.status != "sent").values(next_attempt_at=now)
    ).rowcount


@dataclass(frozen=True, slots=True)
class FileTransport:
    """Writes each message as files instead of sending it: for trying storepulse without
    credentials, and for seeing exactly what would be sent."""

    directory: Path

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


def _row(m: Message, now: datetime) -> dict[str, Any]:
    return {
        "key": m.key,
        "kind": m.kind,
        "channel": m.channel,
        "recipient": m.recipient,
        "language": m.language,
        "subject": m.subject,
        "payload": json.dumps(m.bodies, ensure_ascii=False),
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "next_attempt_at": max(now, m.not_before or now),
        "created_at": now,
        "sent_at": None,
        "reference": None,
    }
