"""Ad-spend measures: per day for the store, per ad channel and per campaign, in the store's
currency.

A row in another currency is converted with the rates table's stated rate for its day (the
latest on or before it); without one it is counted in ``unconverted_spend`` instead, and every
spend metric of a period holding such a row is n/a (``tasks/metrics/registry.py``), never a
guess.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from connectors.errors import ConfigError
from tasks.metrics.facts import Facts
from tasks.metrics.rates import Rates, convert_minor
from tasks.warehouse import schema as tables

log = logging.getLogger(__name__)
sp = tables.ad_spend.c


def campaign_key(channel: str, campaign: str) -> str:
    """A campaign's dimension value: its channel and name (two channels may share a name)."""
    return f"{channel} · {campaign}"[:255]


def add_spend(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Spend, clicks, impressions and platform-reported conversions by day, channel, campaign."""
    currency = conn.execute(
        select(tables.stores.c.currency).where(tables.stores.c.store == store)
    ).scalar()
    rows = conn.execute(
        select(
            sp.local_date,
            sp.channel,
            sp.campaign,
            sp.currency,
            sp.spend_minor,
            sp.clicks,
            sp.impressions,
            sp.conversions,
            sp.conversion_value_minor,
        )
        .where(sp.store == store, sp.local_date.between(start, end))
        .order_by(sp.local_date, sp.channel, sp.campaign)
    ).all()
    if not rows:
        return
    factors = _Factors(conn, currency)
    for row in rows:
        measures = spend_measures(row, factors.on(row.currency, row.local_date))
        day = row.local_date
        facts.add(("day", day, "", ""), measures)
        facts.add(("day", day, "ad_channel", row.channel), measures)
        facts.add(("day", day, "campaign", campaign_key(row.channel, row.campaign)), measures)


def spend_measures(row: Any, factor: Decimal | None) -> dict[str, float | int | None]:
    """One campaign day's measures in the store's minor units; with no rate to convert with
    (``factor`` None), no money but one ``unconverted_spend`` row.

    ``valued_spend_minor`` is the spend whose export states a conversion value: platform ROAS
    divides by it, so a channel that reports none does not dilute the others'.
    """
    valued = row.conversion_value_minor is not None
    money = {
        "spend_minor": row.spend_minor,
        "valued_spend_minor": row.spend_minor if valued else 0,
        "conversion_value_minor": row.conversion_value_minor or 0,
    }
    if factor is None:
        converted = dict.fromkeys(money, 0) | {"unconverted_spend": 1}
    else:
        converted = {name: convert_minor(value, factor) for name, value in money.items()}
    return converted | {
        "ad_conversions": row.conversions,
        "ad_clicks": int(row.clicks),
        "ad_impressions": int(row.impressions),
    }


class _Factors:
    """Each currency's minor-unit factor into the store's, by day; None where no rate is."""

    def __init__(self, conn: Connection, store_currency: str | None) -> None:
        self.conn, self.target = conn, store_currency
        self.rates: dict[str, Rates] = {}
        self.warned: set[tuple[str, date]] = set()

    def on(self, currency: str, day: date) -> Decimal | None:
        if self.target is None or currency == self.target:
            return Decimal(1)
        if currency not in self.rates:
            self.rates[currency] = Rates(self.conn, currency, self.target)
        try:
            return self.rates[currency].minor_factor(day)
        except ConfigError as exc:
            if (currency, day) not in self.warned:
                self.warned.add((currency, day))
                log.warning("ad spend on %s left n/a: %s", day, exc)
            return None
