"""Attributed sales: the store's own net sales of orders whose marketing source is an ad
channel, by day, ad channel and campaign, in the store's currency.

Last click by the order's own landing visit (``connectors/attribution.py``): an order counts
for the ad channel its landing UTM tags or click id map to, and for the campaign its
``utm_campaign`` names, matched without case to the campaign names of the store's ad-spend
exports. Net sales as ``net_sales`` reads them: the order's line items less discounts on its
day, less returns on the refund's day, less a voided cancellation on its day.

A day before the store's first order with a recorded source (every day of a marketplace store,
whose exports record none) has no attributed sales at all, so its attributed ROAS is n/a; from
that day on a day without attributed orders has zero.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Select, and_, exists, func, not_, select

from connectors.attribution import AD_CHANNELS
from tasks.metrics.facts import Facts, days
from tasks.metrics.scope import NET, live
from tasks.metrics.spend_facts import campaign_key
from tasks.warehouse import schema as tables

o, refunds, sp = tables.orders, tables.refunds, tables.ad_spend.c
MEASURE = "attributed_sales_minor"
#: The ad-spend breakdowns attributed sales join.
DIMENSIONS = ("ad_channel", "campaign")


def add_attributed(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Attributed net sales for the days ``start``…``end``; after ``add_spend``, whose ad
    channels and campaigns get a zero on the days the store records sources."""
    first = conn.execute(
        select(func.min(o.c.local_date)).where(live(store), o.c.marketing_channel.is_not(None))
    ).scalar()
    if first is None or first > end:
        return
    start = max(start, first)
    for day in days(start, end):
        facts.add(("day", day, "", ""), {MEASURE: 0})
        for dimension in DIMENSIONS:
            for value in facts.dimension_values("day", day, dimension):
                facts.add(("day", day, dimension, value), {MEASURE: 0})
    campaigns = _spend_campaigns(conn, store)
    for query in _queries(store, start, end):
        for day, channel, campaign, amount in conn.execute(query):
            measures = {MEASURE: amount}
            facts.add(("day", day, "", ""), measures)
            facts.add(("day", day, "ad_channel", channel), measures)
            if campaign:
                name = campaigns.get((channel, campaign.casefold()), campaign)
                facts.add(("day", day, "campaign", campaign_key(channel, name)), measures)


def _queries(store: str, start: date, end: date) -> tuple[Select[tuple], ...]:
    """Sales by order day; returns by refund day; voided cancellations by cancellation day —
    each by the order's ad channel and campaign, returns negative."""
    attributed = and_(live(store), o.c.marketing_channel.in_(AD_CHANNELS))
    source = (o.c.marketing_channel, o.c.utm_campaign)
    refunded = exists().where(refunds.c.store == o.c.store, refunds.c.order_id == o.c.order_id)
    joined = refunds.join(o, and_(o.c.store == refunds.c.store, o.c.order_id == refunds.c.order_id))
    return (
        select(o.c.local_date, *source, func.sum(NET))
        .where(attributed, o.c.local_date.between(start, end))
        .group_by(o.c.local_date, *source),
        select(refunds.c.local_date, *source, -func.sum(refunds.c.lines_subtotal_minor))
        .select_from(joined)
        .where(attributed, refunds.c.local_date.between(start, end))
        .group_by(refunds.c.local_date, *source),
        select(o.c.cancelled_local_date, *source, -func.sum(NET))
        .where(
            attributed,
            o.c.financial_status == "voided",
            not_(refunded),
            o.c.cancelled_local_date.between(start, end),
        )
        .group_by(o.c.cancelled_local_date, *source),
    )


def _spend_campaigns(conn: Connection, store: str) -> dict[tuple[str, str], str]:
    """The store's ad-spend campaign names by (channel, name without case)."""
    rows = conn.execute(select(sp.channel, sp.campaign).where(sp.store == store).distinct())
    return {(channel, campaign.casefold()): campaign for channel, campaign in rows}
