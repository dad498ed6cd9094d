"""Tell alerts as they happen: each run's new and resolved alerts, one message per store and
channel, routed by severity, held in quiet hours (unless critical), and never told twice.

What has been told is recorded per alert state change and channel (``alert_notices``), so a
rerun, a retried run or a later run finds nothing new to say about an alert still open. A
resolution is told only where the opening was, and marks the original Slack message resolved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from connectors.config import Config
from reports.i18n import Locale
from reports.media.slack import resolved_blocks
from reports.model import AlertNotice
from reports.renderers import ALERTS
from tasks.delivery.channels import Published, Route, render_message, routes, send, short_bodies
from tasks.delivery.outbox import Message
from tasks.reporting.daily import alert_line
from tasks.warehouse import schema as t
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import insert

#: State changes older than this are not told any more (a channel added today does not
#: receive last month's alerts); the digest still lists what is open.
TELL_WITHIN = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class _Event:
    alert_id: str
    seq: int
    state: str  # opened or resolved
    day: date
    row: dict[str, Any]


def notify_alerts(
    config: Config,
    database_url: str | None = None,
    *,
    now: datetime,
    stores: list[str] | None = None,
    run_url: str | None = None,
) -> Published[Message]:
    """Queue and send a notice of every untold alert state change, per store and channel."""
    messages = []
    with get_engine(database_url).begin() as conn:
        for store in config.select(stores):
            events = _untold_events(conn, store.name, now)
            for route in routes(config, store.name, "alerts"):
                message = _notice(conn, route, store.name, store.currency, events, now, run_url)
                if message is not None:
                    messages.append(message)
        return send(conn, config, messages, now)


def _untold_events(conn: Connection, store: str, now: datetime) -> list[_Event]:
    a, e = t.alerts.c, t.alert_events.c
    rows = conn.execute(
        select(t.alerts, e.seq, e.state.label("event_state"), e.report_date)
        .join(t.alert_events, e.alert_id == a.alert_id)
        .where(
            a.store == store,
            a.silenced.is_(False),
            e.state.in_(("opened", "resolved")),
            e.at >= now - TELL_WITHIN,
        )
        .order_by(e.at, a.fingerprint)
    ).mappings()
    return [
        _Event(r["alert_id"], r["seq"], r["event_state"], r["report_date"], dict(r)) for r in rows
    ]


def _notice(
    conn: Connection,
    route: Route,
    store: str,
    currency: str,
    events: list[_Event],
    now: datetime,
    run_url: str | None,
) -> Message | None:
    told = _told(conn, route, [e.alert_id for e in events])
    chosen = [e for e in events if (e.alert_id, e.seq) not in told and _wanted(e, route, told)]
    if not chosen:
        return None
    lines = [alert_line(e.row, "new" if e.state == "opened" else "resolved") for e in chosen]
    notice = AlertNotice(
        store, max(e.day for e in chosen), currency, lines, route.mentions, run_url
    )
    ids = ",".join(f"{e.alert_id}:{e.seq}" for e in chosen)
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    message = render_message(
        notice, ALERTS, route, f"alerts/{notice.day.isoformat()}/{store}/{digest}", "alert"
    )
    key = message.key
    insert(
        conn,
        t.alert_notices,
        [
            {
                "alert_id": e.alert_id,
                "seq": e.seq,
                "channel": route.channel,
                "recipient": route.recipient,
                "outbox_key": key,
            }
            for e in chosen
        ],
    )
    edits = _edits(conn, route, chosen, told, Locale(route.language))
    hold = None if notice.critical else route.quiet_until(now)
    return replace(message, bodies={**message.bodies, "edits": edits}, not_before=hold)


def _told(conn: Connection, route: Route, alert_ids: list[str]) -> dict[tuple[str, int], str]:
    """(alert, event) → the outbox key that told it to the route's channel and recipient."""
    n = t.alert_notices.c
    rows = conn.execute(
        select(n.alert_id, n.seq, n.outbox_key).where(
            n.channel == route.channel,
            n.recipient == route.recipient,
            n.alert_id.in_(set(alert_ids)),
        )
    )
    return {(r.alert_id, r.seq): r.outbox_key for r in rows}


def _wanted(event: _Event, route: Route, told: dict[tuple[str, int], str]) -> bool:
    """Openings the route's severity takes; resolutions only where the opening was told."""
    if event.state == "opened":
        return route.takes(event.row["severity"])
    return any(alert == event.alert_id for alert, _ in told)


def _edits(
    conn: Connection,
    route: Route,
    chosen: list[_Event],
    told: dict[tuple[str, int], str],
    lang: Locale,
) -> list[dict[str, Any]]:
    """For each resolution: the sent message that opened it, to be marked resolved."""
    opening_keys = {
        key
        for (alert, _), key in told.items()
        if any(e.state == "resolved" and e.alert_id == alert for e in chosen)
    }
    if not opening_keys:
        return []
    o = t.outbox.c
    rows = conn.execute(
        select(o.reference, o.payload, o.subject).where(
            and_(o.key.in_(opening_keys), o.status == "sent", o.reference.is_not(None))
        )
    )
    resolved = [e for e in chosen if e.state == "resolved"]
    note = ", ".join(sorted({str(e.row["metric"]) for e in resolved}))
    return [
        {
            "reference": r.reference,
            "text": r.subject,
            "blocks": resolved_blocks(json.loads(r.payload).get("blocks", []), lang, note),
        }
        for r in rows
    ]


def tell_failure(
    config: Config,
    database_url: str | None,
    *,
    flow_name: str,
    run_id: str,
    reason: str,
    now: datetime,
    run_url: str | None = None,
) -> Published[Message]:
    """Tell every channel that takes critical alerts that a run failed (once per run)."""
    text = f"storepulse: the {flow_name} run failed: {reason}"
    if run_url:
        text += f" ({run_url})"
    messages = []
    channels = {
        (r.channel, r.recipient): r for s in config.stores for r in routes(config, s.name, "alerts")
    }
    for route in channels.values():
        bodies = short_bodies(text, ":rotating_light: ")
        key = f"failure/{run_id}/{route.channel}/{route.recipient}"
        subject = f"storepulse: {flow_name} failed"
        messages.append(
            Message(key, "alert", route.channel, route.recipient, route.language, subject, bodies)
        )
    with get_engine(database_url).begin() as conn:
        return send(conn, config, messages, now)
