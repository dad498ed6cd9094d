"""The alert lifecycle: one open alert per fingerprint, repeats update it, recovery once.

Findings of every run are recorded (``check_findings``). Only a run that may page (the daily
run for its report day, not a backfill or a rerun of an older day) turns them into alerts:
a new fingerprint opens an alert, a known one updates it without paging again, and an open
alert whose check passed on a later day is resolved. Every state change is an ``alert_events``
row, so the delivery layer announces each exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from connectors.config import SilenceConfig
from connectors.vocabulary import WATCH_CHECKS
from tasks.checks.findings import Finding
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import insert, upsert


@dataclass(slots=True)
class Changes:
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def record(
    conn: Connection, findings: list[Finding], checked: dict[str, date], now: datetime
) -> None:
    """Store what was found (replacing an earlier run's findings for the same store-days)."""
    f = tables.check_findings.c
    for store, day in checked.items():
        conn.execute(tables.check_findings.delete().where(f.store == store, f.check_day == day))
    insert(conn, tables.check_findings, [_finding_row(x, now) for x in findings])


def apply(
    conn: Connection,
    findings: list[Finding],
    checked: dict[str, date],
    now: datetime,
    silences: Sequence[SilenceConfig] = (),
    unchecked: Mapping[str, Collection[str]] | None = None,
    *,
    watch: bool = False,
) -> Changes:
    """Open, update and resolve alerts for the stores and days in ``checked``.

    ``unchecked`` names, per store, the checks that did not run on its day (the multi-day
    checks on a holiday or campaign day): their open alerts stay open, neither passed nor
    failed, so a drift that spans Black Friday stays one alert.

    A ``watch`` run (the intraday watch) decides only the watch's alerts, and resolves them on
    the day they were seen (the pace recovered within the day); any other run leaves them be.
    """
    changes = Changes()
    found = {x.fingerprint: x for x in findings}
    a = tables.alerts.c
    decided = a.check_name.in_(WATCH_CHECKS)
    open_rows = {
        r.fingerprint: r
        for r in conn.execute(
            select(tables.alerts).where(
                a.status == "open", a.store.in_(list(checked)), decided if watch else ~decided
            )
        )
    }
    for fingerprint, finding in found.items():
        row = open_rows.get(fingerprint)
        if row is None:
            silenced = _silenced(conn, finding, silences)
            changes.opened.append(_open(conn, finding, now, silenced))
        elif finding.day >= row.last_seen_for and _differs(row, finding):
            _update(conn, row.alert_id, finding, now)
            changes.updated.append(row.alert_id)
    for fingerprint, row in open_rows.items():
        day = checked[row.store]
        if row.check_name in (unchecked or {}).get(row.store, ()):
            continue
        passed = day >= row.last_seen_for if watch else day > row.last_seen_for
        if fingerprint not in found and passed:
            conn.execute(
                update(tables.alerts)
                .where(a.alert_id == row.alert_id)
                .values(status="resolved", resolved_for=day, updated_at=now)
            )
            _event(conn, row.alert_id, "resolved", day, now, {})
            changes.resolved.append(row.alert_id)
    return changes


def acknowledge(conn: Connection, alert_id: str, now: datetime) -> bool:
    a = tables.alerts.c
    done = conn.execute(
        update(tables.alerts)
        .where(a.alert_id == alert_id, a.acknowledged_at.is_(None))
        .values(acknowledged_at=now, updated_at=now)
    ).rowcount
    if done:
        _event(conn, alert_id, "acknowledged", None, now, {})
    return bool(done)


def silence(
    conn: Connection, fingerprint: str, until: date | None, reason: str, now: datetime
) -> None:
    """Snooze a fingerprint through ``until``, or mute it (``until`` None)."""
    row = {"fingerprint": fingerprint, "until": until, "reason": reason, "created_at": now}
    upsert(conn, tables.alert_silences, [row])


def unsilence(conn: Connection, fingerprint: str) -> bool:
    s = tables.alert_silences.c
    return bool(
        conn.execute(tables.alert_silences.delete().where(s.fingerprint == fingerprint)).rowcount
    )


def _silenced(conn: Connection, finding: Finding, silences: Sequence[SilenceConfig]) -> bool:
    for item in silences:
        if item.until is not None and finding.day > item.until:
            continue
        if all(
            want is None or want == have
            for want, have in (
                (item.store, finding.store),
                (item.metric, finding.metric),
                (item.check, finding.check),
            )
        ):
            return True
    s = tables.alert_silences.c
    until = conn.execute(
        select(s.until, s.fingerprint).where(s.fingerprint == finding.fingerprint)
    ).first()
    return until is not None and (until.until is None or finding.day <= until.until)


def _open(conn: Connection, finding: Finding, now: datetime, silenced: bool) -> str:
    alert_id = str(uuid.uuid4())
    row = _finding_row(finding, now)
    del row["check_day"], row["recorded_at"]
    row |= {
        "alert_id": alert_id,
        "status": "open",
        "opened_for": finding.day,
        "last_seen_for": finding.day,
        "opened_at": now,
        "updated_at": now,
        "silenced": silenced,
    }
    insert(conn, tables.alerts, [row])
    _event(conn, alert_id, "opened", finding.day, now, {"silenced": silenced})
    return alert_id


def _update(conn: Connection, alert_id: str, finding: Finding, now: datetime) -> None:
    values = _finding_row(finding, now)
    for key in ("store", "check_day", "recorded_at", "fingerprint", "metric", "check_name"):
        values.pop(key)
    conn.execute(
        update(tables.alerts)
        .where(tables.alerts.c.alert_id == alert_id)
        .values(**values, last_seen_for=finding.day, updated_at=now)
    )
    _event(conn, alert_id, "updated", finding.day, now, {"severity": finding.severity})


def _differs(row: Any, finding: Finding) -> bool:
    return (row.last_seen_for, row.severity, row.actual, row.message) != (
        finding.day,
        finding.severity,
        finding.actual,
        finding.message,
    )


def _event(
    conn: Connection, alert_id: str, state: str, day: date | None, now: datetime, detail: Any
) -> None:
    e = tables.alert_events.c
    seq = conn.execute(
        select(func.coalesce(func.max(e.seq), 0)).where(and_(e.alert_id == alert_id))
    ).scalar_one()
    insert(
        conn,
        tables.alert_events,
        [
            {
                "alert_id": alert_id,
                "seq": seq + 1,
                "state": state,
                "report_date": day,
                "at": now,
                "detail": json.dumps(detail),
            }
        ],
    )


def _finding_row(x: Finding, now: datetime) -> dict[str, Any]:
    return {
        "store": x.store,
        "check_day": x.day,
        "fingerprint": x.fingerprint,
        "metric": x.metric,
        "check_name": x.check,
        "dimension_value": x.dimension_value,
        "kind": x.kind,
        "severity": x.severity,
        "actual": x.actual,
        "expected": x.expected,
        "lower": x.lower,
        "upper": x.upper,
        "score": x.score,
        "message": x.message,
        "explanation": json.dumps(x.explanation, default=str, sort_keys=True),
        "recorded_at": now,
    }


def list_alerts(
    conn: Connection, store: str | None = None, include_resolved: bool = False
) -> list[dict[str, Any]]:
    """Alerts, open first, newest first; each with its explanation decoded."""
    a = tables.alerts.c
    query = select(tables.alerts).order_by(a.status, a.opened_for.desc(), a.fingerprint)
    if store:
        query = query.where(a.store == store)
    if not include_resolved:
        query = query.where(a.status == "open")
    return [
        dict(row) | {"explanation": json.loads(row["explanation"])}
        for row in conn.execute(query).mappings()
    ]
