"""Tell alerts as they happen: each run's new and resolved alerts, one message per store and
channel, routed by severity, held in quiet hours (unless critical), and never told twice.
Also the short notes: a run's failure (:func:`tell_failure`) and a channel's test message.

What has been told is recorded per alert state change and channel (``alert_notices``), so a
rerun, a retried run or a later run finds nothing new to say about an alert still open. A
resolution is told only where the opening was, and marks the original Slack message resolved.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from connectors.config import Config
from connectors.errors import ConfigError, DispatchError
from reports.i18n import Locale
from reports.media.markdown import md
from reports.media.slack import mrkdwn_escape, resolved_blocks, section_blocks
from reports.model import AlertNotice
from reports.renderers import ALERTS
from tasks.delivery.outbox import Message, NotYet
from tasks.delivery.publish import Published, render_message, send
from tasks.delivery.routes import Route, routes
from tasks.delivery.transports import transport_for
from tasks.reporting.daily import alert_line
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine, reading
from tasks.warehouse.upsert import upsert

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
    """Queue and send a notice of every untold alert state change, per store and channel.

    What is untold is read first; the notices are rendered with no transaction open; then the
    notices and what they tell are committed together, and only then sent.
    """
    engine = get_engine(database_url)
    planned: list[_Plan] = []
    for store in config.select(stores):
        with reading(engine) as conn:
            events = _untold_events(conn, store.name, now)
            for route in routes(config, store.name, "alerts"):
                plan = _plan(conn, route, store.name, store.currency, events, run_url)
                if plan is not None:
                    planned.append(plan)
    notices = [(plan, _notice(plan, now)) for plan in planned]
    with engine.begin() as conn:
        messages = [m for plan, m in notices if _record_told(conn, plan, m.key)]
    return send(config, database_url, messages, now)


def _untold_events(conn: Connection, store: str, now: datetime) -> list[_Event]:
    a, e = tables.alerts.c, tables.alert_events.c
    rows = conn.execute(
        select(tables.alerts, e.seq, e.state.label("event_state"), e.report_date)
        .join(tables.alert_events, e.alert_id == a.alert_id)
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


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one route will be told: the events, the notice, and the sent messages to edit."""

    route: Route
    chosen: list[_Event]
    notice: AlertNotice
    #: The sent openings of the alerts resolved now: (reference, subject, payload).
    openings: list[tuple[str, str, str]]


def _plan(
    conn: Connection,
    route: Route,
    store: str,
    currency: str,
    events: list[_Event],
    run_url: str | None,
) -> _Plan | None:
    told = _told(conn, route, [e.alert_id for e in events])
    chosen = [e for e in events if (e.alert_id, e.seq) not in told and _wanted(e, route, told)]
    if not chosen:
        return None
    lines = [alert_line(e.row, "new" if e.state == "opened" else "resolved") for e in chosen]
    notice = AlertNotice(
        store, max(e.day for e in chosen), currency, lines, route.mentions, run_url
    )
    return _Plan(route, chosen, notice, _openings(conn, chosen, told))


def _notice(plan: _Plan, now: datetime) -> Message:
    """The plan rendered for its route: held in quiet hours unless something is critical."""
    route, notice = plan.route, plan.notice
    ids = ",".join(f"{e.alert_id}:{e.seq}" for e in plan.chosen)
    changes = hashlib.sha256(ids.encode()).hexdigest()[:16]  # which state changes it tells
    message = render_message(
        notice, ALERTS, route, f"alerts/{notice.day.isoformat()}/{notice.store}/{changes}", "alert"
    )
    edits = _edits(plan, Locale(route.language))
    hold = None if notice.critical else route.quiet_until(now)
    return replace(message, bodies={**message.bodies, "edits": edits}, not_before=hold)


def _record_told(conn: Connection, plan: _Plan, key: str) -> bool:
    """Record that ``key`` tells the plan's events, unless another run told any of them since
    they were read; return whether the notice is still to be sent."""
    told = _told(conn, plan.route, [e.alert_id for e in plan.chosen])
    if any((e.alert_id, e.seq) in told for e in plan.chosen):
        return False
    rows = [
        {
            "alert_id": e.alert_id,
            "seq": e.seq,
            "channel": plan.route.channel,
            "recipient": plan.route.recipient,
            "outbox_key": key,
        }
        for e in plan.chosen
    ]
    upsert(
        conn, tables.alert_notices, rows, keep=["outbox_key"]
    )  # a concurrent run's record stands
    return True


def _told(conn: Connection, route: Route, alert_ids: list[str]) -> dict[tuple[str, int], str]:
    """(alert, event) → the outbox key that told it to the route's channel and recipient."""
    n = tables.alert_notices.c
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


def _openings(
    conn: Connection, chosen: list[_Event], told: dict[tuple[str, int], str]
) -> list[tuple[str, str, str]]:
    """For each resolution: the sent message that opened it (reference, subject, payload)."""
    opening_keys = {
        key
        for (alert, _), key in told.items()
        if any(e.state == "resolved" and e.alert_id == alert for e in chosen)
    }
    if not opening_keys:
        return []
    o = tables.outbox.c
    rows = conn.execute(
        select(o.reference, o.subject, o.payload).where(
            and_(o.key.in_(opening_keys), o.status == "sent", o.reference.is_not(None))
        )
    )
    return [(r.reference, r.subject, r.payload) for r in rows]


def _edits(plan: _Plan, lang: Locale) -> list[dict[str, Any]]:
    """The openings of the alerts resolved now, to be marked resolved."""
    resolved = [e for e in plan.chosen if e.state == "resolved"]
    note = ", ".join(sorted({str(e.row["metric"]) for e in resolved}))
    return [
        {
            "reference": reference,
            "text": subject,
            "blocks": resolved_blocks(json.loads(payload).get("blocks", []), lang, note),
        }
        for reference, subject, payload in plan.openings
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
    return send(config, database_url, messages, now)


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
    lang = Locale(channel.language)
    body = f"{lang('test_body')} ({now:%Y-%m-%d %H:%M} UTC)"
    bodies = short_bodies(body, f"*{mrkdwn_escape(lang('test_title'))}*\n")
    key = f"test/{now:%Y%m%dT%H%M%S}/{name}"
    message = Message(
        key, "test", name, channel.recipient, channel.language, lang("test_title"), bodies
    )
    try:
        return transport_for(channel).send(message)
    except NotYet as held:  # a robot's rate limit, used up by other sends
        raise DispatchError(f"{held}: try again after {held.until:%H:%M:%S} UTC") from None
