"""Load an ad-spend file's rows into ``ad_spend``, one row per (store, day, channel, campaign).

A file's rows for the same key (an export broken down below the campaign: ad groups, devices)
are added up first. A later export that covers a key replaces its row, so overlapping exports
never count a day twice; keys the later file does not cover keep their earlier rows. Amounts
stay in the currency the export states, in that currency's minor units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from connectors.adspend import SpendRow
from connectors.base import Rejected
from connectors.money import currency_exponent, to_minor
from tasks.ingest.context import StoreContext
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

RESOURCE = "ad_spend"
Key = tuple[Any, str, str]


@dataclass(slots=True)
class _Total:
    """A key's sums within one file; conversions stay None while no row states them."""

    currency: str
    spend: int = 0
    clicks: int = 0
    impressions: int = 0
    conversions: float | None = None
    conversion_value: int | None = None


def spend_rows(
    ctx: StoreContext, rows: Iterable[SpendRow], file_name: str
) -> tuple[dict[Key, _Total], list[Rejected]]:
    """The file's rows summed by (day, channel, campaign), in minor units of their currency;
    an amount finer than its currency's minor unit, or a key written in two currencies, is
    set aside."""
    totals: dict[Key, _Total] = {}
    rejected = []
    for index, row in enumerate(rows):
        currency = row.currency or ctx.currency
        key = (row.day, row.channel, row.campaign)
        new = key not in totals
        total = totals.setdefault(key, _Total(currency))
        try:
            if total.currency != currency:
                raise ValueError(f"is in {currency} where its other rows are in {total.currency}")
            _add(total, row, currency_exponent(currency))
        except ValueError as exc:
            if new:
                del totals[key]
            where = f"{file_name}: {row.channel} campaign {row.campaign!r} on {row.day}"
            rejected.append(Rejected(f"{file_name}:spend{index}", f"{where} {exc}", _payload(row)))
    return totals, rejected


def _add(total: _Total, row: SpendRow, exponent: int) -> None:
    spend = _minor(row.spend, exponent, "spend")
    value = None if row.conversion_value is None else _minor(row.conversion_value, exponent, "")
    total.spend += spend
    total.clicks += row.clicks
    total.impressions += row.impressions
    if row.conversions is not None:
        total.conversions = (total.conversions or 0.0) + float(row.conversions)
    if value is not None:
        total.conversion_value = (total.conversion_value or 0) + value


def _minor(amount: Decimal, exponent: int, what: str) -> int:
    try:
        return to_minor(amount, exponent)
    except ValueError:
        name = what or "conversion value"
        raise ValueError(f"has a {name} ({amount}) finer than its currency's minor unit") from None


def _payload(row: SpendRow) -> dict[str, object]:
    return {
        "day": row.day.isoformat(),
        "channel": row.channel,
        "campaign": row.campaign,
        "spend": str(row.spend),
        "currency": row.currency,
    }


def load_spend(
    conn: Connection, ctx: StoreContext, rows: Iterable[SpendRow], file_name: str, digest: str
) -> tuple[int, list[Rejected]]:
    """Upsert the file's campaign days; return how many, and the rows set aside."""
    totals, rejected = spend_rows(ctx, rows, file_name)
    out = [
        {
            "store": ctx.store,
            "local_date": day,
            "channel": channel,
            "campaign": campaign,
            "currency": t.currency,
            "spend_minor": t.spend,
            "clicks": t.clicks,
            "impressions": t.impressions,
            "conversions": t.conversions,
            "conversion_value_minor": t.conversion_value,
            "content_hash": digest,
            "synced_at": ctx.synced_at,
        }
        for (day, channel, campaign), t in totals.items()
    ]
    return upsert(conn, tables.ad_spend, out), rejected
