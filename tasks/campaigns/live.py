"""The live page's numbers: a live campaign's day so far in each of its stores, hour by hour
against the expected curve, with the target's pace, today's top products and code use."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy import Connection, func, select

from connectors.config import Config, StoreConfig
from connectors.money import currency_exponent
from reports.model import LiveCampaign, LiveHour, LiveStore
from tasks.campaigns.curve import Profile, counted, expected_at
from tasks.campaigns.plan import Campaign
from tasks.campaigns.run import (
    campaign_paces,
    counted_orders,
    day_basis,
    live_for,
    local_moment,
    placed_today,
    to_utc,
)
from tasks.campaigns.watch import BAND_Z
from tasks.reporting.campaign import code_orders
from tasks.warehouse import schema as tables

#: Products shown on the page.
TOP_PRODUCTS = 5


def build_live(
    conn: Connection, config: Config, name: str, now: datetime | None = None
) -> LiveCampaign:
    """The campaign ``name`` in each store where it is live at ``now`` (each store's own
    clock); no store when it is live nowhere."""
    stores = []
    for store in config.stores:
        moment = local_moment(store, None, now or datetime.now(UTC))
        campaign = next((c for c in live_for(config, store, moment) if c.name == name), None)
        if campaign is not None:
            found = _store_day(conn, config, store, campaign, moment)
            if found is not None:
                stores.append(found)
    return LiveCampaign(name, stores)


def _store_day(
    conn: Connection, config: Config, store: StoreConfig, campaign: Campaign, moment: datetime
) -> LiveStore | None:
    basis = day_basis(conn, config, store, moment.date())
    if basis is None:
        return None
    profile, expectation, _ = basis
    placed = placed_today(conn, store, moment)
    exponent = currency_exponent(store.currency)
    paces = campaign_paces(conn, store, campaign, moment, profile, exponent)
    return LiveStore(
        store.name,
        store.currency,
        moment,
        _hours(profile, expectation, [m for m, _ in placed], moment),
        Decimal(sum(s for _, s in placed)).scaleb(-exponent),
        [(p.metric, p.target, p.actual, p.target * p.elapsed) for p in paces],
        _top_products(conn, store, moment),
        code_orders(conn, store, campaign),
    )


def _hours(
    profile: Profile, expectation: tuple[float, float], minutes: list[float], moment: datetime
) -> list[LiveHour]:
    now = moment.hour * 60 + moment.minute
    hours = []
    for hour in range(24):
        end = min((hour + 1) * 60, max(now, hour * 60 + 1))  # the hour under way: up to now
        point = counted(expected_at(profile, *expectation, end, BAND_Z), BAND_Z)
        count = sum(1 for m in minutes if m < end) if hour * 60 <= now else None
        hours.append(LiveHour(hour, count, point.expected, point.lower, point.upper))
    return hours


def _top_products(conn: Connection, store: StoreConfig, moment: datetime) -> list[tuple[str, int]]:
    o, line = tables.orders.c, tables.order_lines.c
    start = to_utc(store, datetime.combine(moment.date(), time.min))
    units = func.sum(line.quantity)
    rows = conn.execute(
        select(line.title, units)
        .join(tables.orders, (o.store == line.store) & (o.order_id == line.order_id))
        .where(
            o.store == store.name,
            o.processed_at >= start,
            o.processed_at < to_utc(store, moment),
            counted_orders(),
        )
        .group_by(line.title)
        .order_by(units.desc(), line.title)
        .limit(TOP_PRODUCTS)
    )
    return [(title, int(count)) for title, count in rows]
