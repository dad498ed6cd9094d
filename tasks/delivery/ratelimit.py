"""Chat robots' rate limits, shared through the warehouse by every process that posts.

A limit of ``count`` messages per ``window`` is ``count`` rows (slots) in ``robot_sends``, each
holding when it was last used. A send takes the slot used longest ago, if that was a whole
window ago, with a conditional update (``… WHERE sent_at = <what was read>``): of two processes
reading the same slot, one update matches and the other finds nothing and tries the next. So no
window ever holds more than ``count`` sends, across processes and engines. A robot with two
limits (Feishu: 5 a second and 100 a minute) takes a slot of each in one transaction, or none.

Windows carry a margin over the app's own (a request reaches the app a little after its slot is
taken). The robot is known by a hash of its webhook URL; the URL is a secret.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Connection, Engine, and_, select, update

from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

NEVER = datetime(2000, 1, 1, tzinfo=UTC)
#: How often a process retries a slot another process took between its read and its update.
CONTENDED_TRIES = 20


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    window: timedelta

    @property
    def window_ms(self) -> int:
        return int(self.window.total_seconds() * 1000)


#: Each app's documented limits per robot, windows with a margin (see the module).
ROBOT_RATES: dict[str, tuple[Rate, ...]] = {
    "dingtalk": (Rate(20, timedelta(seconds=62)),),
    "wecom": (Rate(20, timedelta(seconds=62)),),
    "feishu": (Rate(5, timedelta(milliseconds=1200)), Rate(100, timedelta(seconds=62))),
}


def robot_id(url: SecretStr) -> str:
    """A robot's name in the warehouse: the SHA-256 of its webhook URL (never the URL)."""
    return hashlib.sha256(url.get_secret_value().encode()).hexdigest()


def take_slot(
    engine: Engine, robot: str, rates: tuple[Rate, ...], now: datetime
) -> datetime | None:
    """Take a slot of each of ``rates`` for one send at ``now``; None when taken, else the
    earliest moment one may be free (nothing is taken then)."""
    with engine.begin() as conn:
        _ensure_slots(conn, robot, rates)
    for _ in range(CONTENDED_TRIES):
        with engine.connect() as conn:
            outcome = _take_all(conn, robot, rates, now)
        if outcome is None or isinstance(outcome, datetime):
            return outcome
    return now + min(r.window for r in rates)  # busy with other processes: try a bit later


def pause(engine: Engine, robot: str, rates: tuple[Rate, ...], until: datetime) -> None:
    """Let no process send to ``robot`` before ``until`` (the app blocked it after a burst)."""
    s = tables.robot_sends.c
    with engine.begin() as conn:
        _ensure_slots(conn, robot, rates)
        for rate in rates:
            conn.execute(
                update(tables.robot_sends)
                .where(
                    s.robot == robot,
                    s.window_ms == rate.window_ms,
                    s.sent_at < until - rate.window,
                )
                .values(sent_at=until - rate.window)
            )


def _take_all(
    conn: Connection, robot: str, rates: tuple[Rate, ...], now: datetime
) -> datetime | bool | None:
    """One attempt in one transaction: None (taken), a time (not before then) or False
    (another process took a slot first: try again)."""
    s = tables.robot_sends.c
    with conn.begin() as transaction:
        for rate in rates:
            slot, used = conn.execute(
                select(s.slot, s.sent_at)
                .where(s.robot == robot, s.window_ms == rate.window_ms)
                .order_by(s.sent_at, s.slot)
                .limit(1)
            ).one()
            if used > now - rate.window:
                transaction.rollback()
                return used + rate.window
            taken = conn.execute(
                update(tables.robot_sends)
                .where(
                    and_(
                        s.robot == robot,
                        s.window_ms == rate.window_ms,
                        s.slot == slot,
                        s.sent_at == used,
                    )
                )
                .values(sent_at=now)
            ).rowcount
            if taken != 1:
                transaction.rollback()
                return False
    return None


def _ensure_slots(conn: Connection, robot: str, rates: tuple[Rate, ...]) -> None:
    """Create the robot's slots the first time it is seen (a slot already there stands)."""
    s = tables.robot_sends.c
    known = conn.execute(
        select(s.window_ms).where(s.robot == robot).group_by(s.window_ms)
    ).scalars()
    have = set(known)
    rows = [
        {"robot": robot, "window_ms": r.window_ms, "slot": n, "sent_at": NEVER}
        for r in rates
        if r.window_ms not in have
        for n in range(r.count)
    ]
    upsert(conn, tables.robot_sends, rows, keep=["sent_at"])
