"""Stated daily exchange rates (the ``exchange_rates`` table the user loads) and the one way
amounts in minor units are converted with them (DESIGN rule 2)."""

from __future__ import annotations

import bisect
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import Connection, select

from connectors.errors import ConfigError
from connectors.money import currency_exponent
from tasks.warehouse import schema as tables


class Rates:
    """The stated rate from one currency to another on any day."""

    def __init__(self, conn: Connection, source: str, target: str) -> None:
        self.source, self.target = source, target
        r = tables.exchange_rates.c
        rows = conn.execute(
            select(r.day, r.rate)
            .where(r.currency == source, r.reporting_currency == target)
            .order_by(r.day)
        ).all()
        self.days = [row.day for row in rows]
        self.rates = [Decimal(row.rate) for row in rows]

    def on(self, day: date) -> Decimal:
        if self.source == self.target:
            return Decimal(1)
        index = bisect.bisect_right(self.days, day) - 1
        if index < 0:
            raise ConfigError(
                f"no exchange rate from {self.source} to {self.target} on or before {day}; "
                "load daily rates with `storepulse rates load FILE.csv`"
            )
        return self.rates[index]

    def minor_factor(self, day: date) -> Decimal:
        """What an amount in the source's minor units is multiplied by to be in the target's.

        Raises:
            ConfigError: no rate on or before ``day``.
        """
        shift = currency_exponent(self.target) - currency_exponent(self.source)
        return self.on(day) * Decimal(10) ** shift


def convert_minor(value: float | int, factor: Decimal) -> int:
    """Minor units times a factor, rounded half to even to a whole minor unit."""
    return int((Decimal(value) * factor).quantize(Decimal(1), ROUND_HALF_EVEN))
