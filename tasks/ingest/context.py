"""What every loader shares: the store it writes for, its result, and exact minor units."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table

from connectors.base import Rejected
from connectors.errors import MalformedRecord
from connectors.money import currency_exponent, to_minor
from tasks.warehouse import schema as tables

#: The tables each synced resource writes.
RESOURCE_TABLES: dict[str, tuple[Table, ...]] = {
    "orders": (
        tables.orders,
        tables.order_lines,
        tables.order_discount_codes,
        tables.refunds,
        tables.refund_lines,
    ),
    "customers": (tables.customers,),
    "products": (tables.products, tables.variants),
    "deletions": (tables.orders,),
    "inventory": (tables.locations, tables.inventory_levels),
    "traffic": (tables.traffic_daily,),
    "ga4": (tables.traffic_daily,),
}


@dataclass(frozen=True, slots=True)
class StoreContext:
    """What a loader needs to know about the store it writes for."""

    store: str
    zone: ZoneInfo
    currency: str
    synced_at: datetime

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def local_day(self, moment: datetime) -> tuple[date, date]:
        """The store-local date of a UTC moment, and the Monday of its ISO week."""
        day = moment.astimezone(self.zone).date()
        return day, day - timedelta(days=day.weekday())


@dataclass(slots=True)
class LoadResult:
    """How many rows a loader wrote, and the records it had to set aside."""

    upserted: int = 0
    rejected: list[Rejected] = dataclasses.field(default_factory=list)


class Minor:
    """Convert Decimal amounts to minor units, naming the field when an amount is inexact."""

    __slots__ = ("currency", "exponent")

    def __init__(self, ctx: StoreContext) -> None:
        self.currency = ctx.currency
        self.exponent = ctx.exponent

    def __call__(self, amount: Decimal, field: str) -> int:
        try:
            return to_minor(amount, self.exponent)
        except ValueError:
            raise MalformedRecord(
                f"{field} {amount} has more than {self.exponent} decimals for {self.currency}"
            ) from None


def rejected_record(what: str, key: object, reason: str, record: Any) -> Rejected:
    """Set aside a canonical record that could not be stored (it holds no personal data).

    A guard only: a source that checks currency and exactness before a record leaves it (the
    Shopify source does) quarantines the platform's own record instead, and this never runs.
    """
    payload = json.loads(json.dumps(dataclasses.asdict(record), default=str))
    return Rejected(str(key), f"{what} {key}: {reason}", payload)
