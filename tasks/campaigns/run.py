"""One intraday watch run: for each store with a live campaign (or every store with
``watch: always``), read today's orders so far with targeted queries, set them against the
expected curve, record the reading, and open or resolve the watch's alerts.

The run counts only orders placed (``processed_at``) before its store-local moment, so a
replay ``as_of`` a past moment sees what a run then would have seen of the orders since synced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, func, select

from connectors.config import Config, StoreConfig
from connectors.money import currency_exponent
from tasks.campaigns.curve import Point, Profile, counted, expected_at, learn_profile
from tasks.campaigns.plan import Campaign, live_campaigns, store_campaigns
from tasks.campaigns.watch import BAND_Z, Pace, Today, WatchFindings, watch_findings
from tasks.checks.calendar import special_days_through
from tasks.checks.expected import day_expectations
from tasks.checks.findings import Finding
from tasks.checks.history import EVENT_HISTORY_DAYS
from tasks.checks.lifecycle import Changes, apply
from tasks.checks.special import past_occurrences
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import upsert

#: Ordinary days before today whose hour-of-day shape the profile learns from.
PROFILE_DAYS = 28
#: Past days of the same event from which their own shape is learned instead (a spread needs
#: a few days; one past 11.11 is not enough).
MIN_EVENT_DAYS = 3


@dataclass(slots=True)
class StoreWatch:
    store: str
    moment: datetime
    campaigns: list[str]
    today: Today
    findings: list[Finding]


@dataclass(slots=True)
class WatchRun:
    watched: list[StoreWatch] = field(default_factory=list)
    #: Stores with no live campaign at their moment (not watched).
    idle: list[str] = field(default_factory=list)
    #: Stores without the history a curve needs.
    unready: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    #: When the alerts changed: the clock, or the latest replayed moment (in UTC).
    ran_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def findings(self) -> list[Finding]:
        return [f for w in self.watched for f in w.findings]


def stores_to_watch(config: Config, moment: datetime | None, now: datetime) -> list[str]:
    """The stores the watch acts on at ``moment`` (store-local) or ``now``."""
    return [
        s.name
        for s in config.stores
        if config.watch == "always" or live_for(config, s, local_moment(s, moment, now))
    ]


def run_watch(
    config: Config,
    database_url: str | None = None,
    *,
    stores: list[str] | None = None,
    as_of: datetime | None = None,
    now: datetime | None = None,
) -> WatchRun:
    """Watch each chosen store once; ``as_of`` is a naive store-local moment (a replay).

    Alerts change as of ``now`` (by default the replayed moment, else the clock).
    """
    engine = get_engine(database_url)
    run = WatchRun()
    for store in config.select(stores):
        moment = local_moment(store, as_of, now or datetime.now(UTC))
        ran_at = now or (to_utc(store, moment) if as_of is not None else datetime.now(UTC))
        live = live_for(config, store, moment)
        if not live and config.watch != "always":
            run.idle.append(store.name)
            continue
        with engine.begin() as conn:
            watched = _watch_store(conn, config, store, moment, live, ran_at)
            if watched is None:
                run.unready.append(store.name)
                continue
            changes = apply(
                conn,
                watched.findings,
                {store.name: moment.date()},
                ran_at,
                config.checks.silence,
                watch=True,
            )
        run.watched.append(watched)
        run.ran_at = ran_at
        for name in ("opened", "updated", "resolved"):
            getattr(run.changes, name).extend(getattr(changes, name))
    return run


def _watch_store(
    conn: Connection,
    config: Config,
    store: StoreConfig,
    moment: datetime,
    live: list[Campaign],
    ran_at: datetime,
) -> StoreWatch | None:
    day, minute = moment.date(), local_minute(moment)
    basis = day_basis(conn, config, store, day)
    if basis is None:
        return None
    profile, orders_day, events = basis
    placed = placed_today(conn, store, moment)
    exponent = currency_exponent(store.currency)
    sales = sum(s for _, s in placed) / 10**exponent
    last = placed[-1][0] if placed else None
    orders_curve = counted(expected_at(profile, *orders_day, minute, BAND_Z), BAND_Z)
    sales_day = day_expectation(conn, store.name, day, events, "net_sales")
    today = Today(
        store=store.name,
        day=day,
        minute=minute,
        orders=len(placed),
        sales=sales,
        last_order_minute=last,
        orders_curve=orders_curve,
        expected_at_last=orders_day[0] * profile.at(last or _watch_start(live, day)),
        day_scale=orders_day[1],
        sales_curve=None if sales_day is None else expected_at(profile, *sales_day, minute, BAND_Z),
        sessions=_sessions(conn, store.name, day),
        was_below=_was_below(conn, store.name, moment),
    )
    paces = [p for c in live for p in campaign_paces(conn, store, c, moment, profile, exponent)]
    found = watch_findings(today, paces, config.schedules.watch_every_minutes)
    _record(conn, today, found, moment, ran_at)
    return StoreWatch(store.name, moment, [c.name for c in live], today, found.findings)


def day_basis(
    conn: Connection, config: Config, store: StoreConfig, day: date
) -> tuple[Profile, tuple[float, float], dict[date, str]] | None:
    """What today's curve stands on: the hour-of-day profile, the day's expected orders and
    their log scale, and the store's special days; None without the history for them."""
    events = special_days_through(
        store.name, day - timedelta(days=EVENT_HISTORY_DAYS), day, config.campaigns
    )
    profile = day_profile(conn, store, day, events)
    orders = day_expectation(conn, store.name, day, events, "orders")
    if profile is None or orders is None:
        return None
    return profile, orders, events


def live_for(config: Config, store: StoreConfig, moment: datetime) -> list[Campaign]:
    years = (moment.year - 1, moment.year)
    return live_campaigns(store_campaigns(store.name, config.campaigns, years), moment)


def local_moment(store: StoreConfig, as_of: datetime | None, now: datetime) -> datetime:
    """The store-local wall-clock moment of the run (naive)."""
    if as_of is not None:
        return as_of.replace(tzinfo=None)
    return now.astimezone(store.zone).replace(tzinfo=None)


def to_utc(store: StoreConfig, moment: datetime) -> datetime:
    """A naive store-local moment in UTC."""
    return moment.replace(tzinfo=ZoneInfo(store.timezone)).astimezone(UTC)


def local_minute(moment: datetime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def _watch_start(live: list[Campaign], day: date) -> float:
    """Where silence starts counting with no order yet today: midnight, or the campaign's
    start when it starts later today."""
    starts = [c.starts for c in live if c.starts.date() == day]
    return local_minute(min(starts)) if starts else 0.0


def placed_today(conn: Connection, store: StoreConfig, moment: datetime) -> list[tuple[float, int]]:
    """Today's orders placed before ``moment``: (store-local minute, sales in minor units)."""
    o = tables.orders.c
    rows = conn.execute(
        select(o.processed_at, (o.line_items_minor - o.discounts_minor).label("sales"))
        .where(
            o.store == store.name,
            o.local_date == moment.date(),
            o.processed_at < to_utc(store, moment),
            counted_orders(),
        )
        .order_by(o.processed_at)
    )
    return [(local_minute(r.processed_at.astimezone(store.zone)), int(r.sales)) for r in rows]


def counted_orders() -> ColumnElement[bool]:
    """The orders the sales metrics count: not test orders, not deleted."""
    o = tables.orders.c
    return and_(o.test.is_(False), o.deleted_at.is_(None))


def day_profile(
    conn: Connection, store: StoreConfig, day: date, events: dict[date, str]
) -> Profile | None:
    """The hour-of-day profile of the same event's past days when today is one and at least
    ``MIN_EVENT_DAYS`` of them exist, else of the ordinary days of the four weeks before."""
    days = _profile_days(day, events)
    o = tables.orders.c
    rows = conn.execute(
        select(o.local_date, o.processed_at).where(
            o.store == store.name, o.local_date.in_(days), counted_orders()
        )
    )
    minutes: dict[date, list[float]] = defaultdict(list)
    for row in rows:
        minutes[row.local_date].append(local_minute(row.processed_at.astimezone(store.zone)))
    return learn_profile(minutes)


def _profile_days(day: date, events: dict[date, str]) -> list[date]:
    if day in events:
        spine = [day - timedelta(days=i) for i in range(EVENT_HISTORY_DAYS - 1, -1, -1)]
        same = [spine[p] for p in past_occurrences(spine, events, day)]
        if len(same) >= MIN_EVENT_DAYS:
            return same
    before = (day - timedelta(days=i) for i in range(1, PROFILE_DAYS + 1))
    return [d for d in before if d not in events]


def day_expectation(
    conn: Connection, store: str, day: date, events: dict[date, str], metric: str
) -> tuple[float, float] | None:
    """The day's expected value of ``metric`` and its log scale, the checks' own
    (``tasks/checks/expected.py``)."""
    found = day_expectations(conn, store, day, events, [metric]).expected.get(metric)
    return None if found is None else (found.expected, found.scale)


def _sessions(conn: Connection, store: str, day: date) -> float | None:
    t = tables.traffic_daily.c
    total = conn.execute(
        select(func.sum(t.sessions)).where(t.store == store, t.local_date == day)
    ).scalar()
    return None if total is None else float(total)


def _was_below(conn: Connection, store: str, moment: datetime) -> bool:
    w = tables.watch_runs.c
    row = conn.execute(
        select(w.below)
        .where(w.store == store, w.local_date == moment.date(), w.moment < moment)
        .order_by(w.moment.desc())
        .limit(1)
    ).first()
    return bool(row and row.below)


def campaign_paces(
    conn: Connection,
    store: StoreConfig,
    campaign: Campaign,
    moment: datetime,
    profile: Profile,
    exponent: int,
) -> list[Pace]:
    """The campaign's progress toward its order and sales targets; its days weigh the same,
    today by the share of a day's orders the profile puts before now."""
    targets = campaign.targets
    wanted = [
        (m, float(v)) for m, v in (("orders", targets.orders), ("net_sales", targets.sales)) if v
    ]
    if not wanted:
        return []
    days = campaign.days
    passed = sum(1 for d in days if d < moment.date()) + profile.at(local_minute(moment))
    elapsed = min(1.0, passed / len(days))
    o = tables.orders.c
    row = conn.execute(
        select(
            func.count(), func.coalesce(func.sum(o.line_items_minor - o.discounts_minor), 0)
        ).where(
            o.store == store.name,
            o.processed_at >= to_utc(store, campaign.starts),
            o.processed_at < to_utc(store, min(moment, campaign.ends)),
            counted_orders(),
        )
    ).one()
    actual = {"orders": float(row[0]), "net_sales": int(row[1]) / 10**exponent}
    return [Pace(campaign.name, m, target, actual[m], elapsed) for m, target in wanted]


def _record(
    conn: Connection, today: Today, found: WatchFindings, moment: datetime, ran_at: datetime
) -> None:
    curve: Point = today.orders_curve
    row = {
        "store": today.store,
        "moment": moment,
        "local_date": today.day,
        "orders": today.orders,
        "expected": curve.expected,
        "lower": curve.lower,
        "below": found.below_band,
        "ran_at": ran_at,
    }
    upsert(conn, tables.watch_runs, [row])
