"""The outbox: every message is committed before it is sent, sent once, and retried until it goes.

A message's key says what it is for and where it goes (DESIGN rule 9); storing a key that is
already there changes nothing unless ``resend`` is asked for, so reruns and duplicate scheduled
runs send nothing twice.

Each send is three steps, and no transaction is open across the network call:

1. **claim**: one short transaction moves the row from ``pending`` or ``failed`` to ``sending``
   (``claimed_at``, attempts + 1), only if it is still due and unclaimed; a process that finds it
   taken by another leaves it alone;
2. **send**: the transport delivers, outside any transaction;
3. **record**: another short transaction marks it ``sent`` (with where it went) or ``failed``
   (with its error, retried after a growing pause).

A channel that takes a message in parts (a chat robot: one request per part) records how many
went (``parts_sent``) whenever a send stops early, so a retry sends only the rest. A send the
channel's rate limit holds back (:class:`NotYet`) is no failure: the row stays ``pending`` with
the moment it may go, and a later delivery sends it.

A process killed between 1 and 3 leaves a row in ``sending``; ``storepulse outbox`` shows it.
Once its claim is older than :data:`LEASE`, the next delivery settles it by its transport's
stated policy (:attr:`Transport.after_crash`):

- ``"ask"`` (Slack bot, Slack webhook): the post may already be in the channel and a duplicate
  post is worse than a missing one, so the row becomes ``unknown`` and is not sent again until
  someone says so (``storepulse outbox retry --unknown``);
- ``"resend"`` (email, files): sent again. An SMTP server takes a message on only when it
  answers the end of its data, so a send cut off before that answer went nowhere; a file is
  simply written again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, Engine, select, update

from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
#: A claim older than this belongs to a process that died mid-send (a send times out sooner).
LEASE = timedelta(minutes=10)
#: Statuses a claim may take a row from.
CLAIMABLE = ("pending", "failed")
CrashPolicy = Literal["resend", "ask"]


@dataclass(frozen=True, slots=True)
class Message:
    key: str
    kind: str  # digest (a daily or weekly report), alert (notices, failure notes) or test
    channel: str
    recipient: str
    language: str
    subject: str
    #: Rendered bodies by format: text, html, markdown, blocks (a list of Slack blocks), and
    #: edits (earlier Slack messages to mark, as reference, text and blocks).
    bodies: Mapping[str, Any] = field(default_factory=dict)
    #: Held until then (quiet hours); None sends at once.
    not_before: datetime | None = None
    #: Parts of it a channel already delivered (a robot's message in several requests).
    parts_sent: int = 0


class NotYet(Exception):
    """The channel cannot take the message before ``until`` (its rate limit): it stays pending,
    with ``parts_sent`` parts already delivered."""

    def __init__(self, reason: str, until: datetime, parts_sent: int = 0) -> None:
        super().__init__(reason)
        self.until = until
        self.parts_sent = parts_sent


class PartlySent(Exception):
    """A send failed after ``parts_sent`` parts went out: a retry starts with the next part."""

    def __init__(self, cause: Exception, parts_sent: int) -> None:
        super().__init__(f"{type(cause).__name__}: {cause} (after {parts_sent} parts were sent)")
        self.cause = cause
        self.parts_sent = parts_sent


class Transport(Protocol):
    @property
    def after_crash(self) -> CrashPolicy:
        """What to do with a message a crash cut off mid-send (see the module's docstring)."""
        ...

    def send(self, message: Message) -> str:
        """Deliver; return a reference (a path, a Slack ts…). Raise on failure."""
        ...


@dataclass(slots=True)
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: Keys already sent, or being sent by another process, left alone.
    skipped: list[str] = field(default_factory=list)
    #: Keys cut off mid-send by a crash whose fate is unknown: shown, not sent again.
    unknown: list[str] = field(default_factory=list)
    #: Keys a channel's rate limit holds back: still pending, sent by a later delivery.
    held: list[str] = field(default_factory=list)


def enqueue(
    conn: Connection, messages: list[Message], now: datetime, resend: bool = False
) -> list[str]:
    """Store messages not stored before; with ``resend``, queue sent ones again. Return the
    keys that will go out. The caller commits before anything is sent."""
    o = tables.outbox.c
    keys = [m.key for m in messages]
    known = {
        row.key: row.status for row in conn.execute(select(o.key, o.status).where(o.key.in_(keys)))
    }
    fresh = [m for m in messages if m.key not in known]
    # A concurrent run may store the same key first: its row stands, and the claim sends it once.
    upsert(
        conn, tables.outbox, [_row(m, now) for m in fresh], keep=[c.name for c in tables.outbox.c]
    )
    queued = [m.key for m in fresh]
    for m in messages:
        status = known.get(m.key)
        if status is None or status == "sending":  # in flight: its process records it
            continue
        if status in ("sent", "unknown") and not resend:
            continue
        conn.execute(
            update(tables.outbox)
            .where(o.key == m.key, o.status == status)
            .values(
                subject=m.subject,
                payload=json.dumps(m.bodies, ensure_ascii=False),
                status=status if status in CLAIMABLE else "pending",
                next_attempt_at=now,
                parts_sent=0,
            )
        )
        queued.append(m.key)
    return queued


def deliver(
    engine: Engine,
    transports: Mapping[str, Transport],
    now: datetime,
    keys: list[str] | None = None,
) -> Delivery:
    """Send what is due (all of it, or ``keys``), each in its own claim, send and record.

    It takes the engine, not a connection: no caller's transaction can stay open across a send.
    """
    result = Delivery()
    result.unknown = settle_interrupted(engine, transports, now)
    for key in due(engine, now, keys):
        message = claim(engine, key, now)
        if message is None:
            result.skipped.append(key)
            continue
        transport = transports.get(message.channel)
        try:
            if transport is None:
                raise LookupError(f"no transport for channel {message.channel!r}")
            reference = transport.send(message)
        except NotYet as held:
            hold(engine, key, held)
            result.held.append(key)
            continue
        except PartlySent as exc:
            record(engine, key, now, error=str(exc), parts_sent=exc.parts_sent)
            result.failed.append(key)
            continue
        except Exception as exc:
            record(engine, key, now, error=f"{type(exc).__name__}: {exc}")
            result.failed.append(key)
            continue
        record(engine, key, now, reference=reference)
        result.sent.append(key)
    return result


def due(engine: Engine, now: datetime, keys: list[str] | None = None) -> list[str]:
    """The keys ready to be claimed at ``now`` (read in a short transaction)."""
    o = tables.outbox.c
    query = select(o.key).where(o.status.in_(CLAIMABLE), o.next_attempt_at <= now).order_by(o.key)
    if keys is not None:
        query = query.where(o.key.in_(keys))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def claim(engine: Engine, key: str, now: datetime) -> Message | None:
    """Take ``key`` for sending in one short transaction; None if it is no longer due or another
    process took it first (the conditional update lets only one claim win)."""
    o = tables.outbox.c
    with engine.begin() as conn:
        taken = conn.execute(
            update(tables.outbox)
            .where(o.key == key, o.status.in_(CLAIMABLE), o.next_attempt_at <= now)
            .values(status="sending", claimed_at=now, attempts=o.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        row = conn.execute(select(tables.outbox).where(o.key == key)).mappings().one()
    return Message(
        row["key"],
        row["kind"],
        row["channel"],
        row["recipient"],
        row["language"],
        row["subject"],
        json.loads(row["payload"]),
        parts_sent=row["parts_sent"],
    )


def record(
    engine: Engine,
    key: str,
    now: datetime,
    *,
    reference: str | None = None,
    error: str | None = None,
    parts_sent: int | None = None,
) -> None:
    """Record a claimed send's outcome in one short transaction: sent, or failed with ``error``
    (and the ``parts_sent`` a retry skips, when the channel sends in parts)."""
    o = tables.outbox.c
    with engine.begin() as conn:
        if error is None:
            values: dict[str, Any] = {"status": "sent", "last_error": None, "sent_at": now}
            values["reference"] = reference
        else:
            attempts = conn.execute(select(o.attempts).where(o.key == key)).scalar_one()
            values = {
                "status": "failed",
                "last_error": error[:2000],
                "next_attempt_at": now + backoff(attempts),
            }
            if parts_sent is not None:
                values["parts_sent"] = parts_sent
        conn.execute(
            update(tables.outbox)
            .where(o.key == key, o.status == "sending")
            .values(claimed_at=None, **values)
        )


def hold(engine: Engine, key: str, held: NotYet) -> None:
    """Put a claimed message back as ``pending`` until ``held.until``: a rate limit is no failed
    attempt, so its count and back-off are left as they were."""
    o = tables.outbox.c
    with engine.begin() as conn:
        conn.execute(
            update(tables.outbox)
            .where(o.key == key, o.status == "sending")
            .values(
                status="pending",
                claimed_at=None,
                attempts=o.attempts - 1,
                next_attempt_at=held.until,
                parts_sent=held.parts_sent,
                last_error=f"held: {held}"[:2000],
            )
        )


def settle_interrupted(
    engine: Engine, transports: Mapping[str, Transport], now: datetime
) -> list[str]:
    """Settle rows whose claim outlived :data:`LEASE` by their transport's policy; return the
    keys now ``unknown``."""
    o = tables.outbox.c
    unknown: list[str] = []
    with engine.begin() as conn:
        stale = conn.execute(
            select(o.key, o.channel, o.claimed_at).where(
                o.status == "sending", o.claimed_at <= now - LEASE
            )
        ).all()
        for key, channel, claimed_at in stale:
            transport = transports.get(channel)
            policy = transport.after_crash if transport is not None else "ask"
            note = f"interrupted mid-send (claimed {claimed_at:%Y-%m-%d %H:%M} UTC)"
            values: dict[str, Any] = (
                {"status": "failed", "next_attempt_at": now, "last_error": f"{note}; sent again"}
                if policy == "resend"
                else {
                    "status": "unknown",
                    "last_error": f"{note}: it may have gone out; "
                    "`storepulse outbox retry --unknown` sends it again",
                }
            )
            conn.execute(
                update(tables.outbox)
                .where(o.key == key, o.status == "sending", o.claimed_at == claimed_at)
                .values(claimed_at=None, **values)
            )
            if policy == "ask":
                unknown.append(key)
    return unknown


def references(conn: Connection, keys: list[str]) -> dict[str, str | None]:
    """Where each message went (a file, a Slack channel/ts, a Message-ID); None if not yet."""
    o = tables.outbox.c
    rows = conn.execute(select(o.key, o.reference).where(o.key.in_(keys)))
    return {key: reference for key, reference in rows}


def backoff(attempts: int) -> timedelta:
    """5 minutes, 10, 20… capped at 6 hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def list_outbox(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    """The messages, newest first, in every status (``sending`` and ``unknown`` included)."""
    o = tables.outbox.c
    query = select(
        o.key,
        o.channel,
        o.recipient,
        o.status,
        o.attempts,
        o.last_error,
        o.claimed_at,
        o.sent_at,
        o.reference,
        o.next_attempt_at,
    ).order_by(o.created_at.desc(), o.key)
    if status:
        query = query.where(o.status == status)
    return [dict(r) for r in conn.execute(query).mappings()]


def retry_now(conn: Connection, now: datetime, unknown: bool = False) -> int:
    """Make every failed or held message due at once; with ``unknown``, also those whose send
    was cut off by a crash (which may then arrive twice)."""
    o = tables.outbox.c
    retried = conn.execute(
        update(tables.outbox).where(o.status.in_(CLAIMABLE)).values(next_attempt_at=now)
    ).rowcount
    if unknown:
        retried += conn.execute(
            update(tables.outbox)
            .where(o.status == "unknown")
            .values(status="failed", next_attempt_at=now)
        ).rowcount
    return retried


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
        "claimed_at": None,
        "sent_at": None,
        "reference": None,
        "parts_sent": 0,
    }
