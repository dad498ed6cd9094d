"""Load an ad-spend file's rows into ``ad_spend``, one row per (store, day, channel, campaign).

A file's rows for the same key (an export broken down below the campaign: ad groups, devices)
are added up first. A campaign-day with any row that cannot be loaded is set aside whole, so a
day is never loaded short: each of its rows is quarantined, the readable ones naming the row
they go with. The latest state wins: every stored row keeps the time of the export that wrote
it (``export_time``), and a file whose time is older leaves it alone while still loading the
keys only it covers; a tie goes to the file whose hash sorts last, so the order files are
imported in never changes the warehouse. Amounts stay in the currency the export states, in
that currency's minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from connectors.adspend import SpendBatch, SpendRow, UnreadRow
from connectors.base import Rejected
from connectors.money import currency_exponent, to_minor
from tasks.ingest.context import StoreContext
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

RESOURCE = "ad_spend"
Key = tuple[date, str, str]


@dataclass(slots=True)
class _Total:
    """A key's sums within one file; conversions stay None while no row states them."""

    currency: str
    spend: int = 0
    clicks: int = 0
    impressions: int = 0
    conversions: float | None = None
    conversion_value: int | None = None


@dataclass(frozen=True, slots=True)
class _Minor:
    """A row that loads: its amounts in minor units of its currency."""

    row: SpendRow
    currency: str
    spend: int
    conversion_value: int | None

    @property
    def key(self) -> Key:
        return self.row.day, self.row.channel, self.row.campaign


def export_time(
    batch: SpendBatch, modified_at: datetime | None, zone: ZoneInfo, now: datetime
) -> datetime:
    """When a spend file's state was taken (UTC): what makes one export newer than another.

    The time the export states it was made (a "Downloaded"/导出时间 title row; the store's
    zone unless one is written); else the file's modification time, when it can be the
    export's (not after the import, not before the last day the file reports began, a day's
    slack for the ad account's zone); else the import time ``now``. A report's date range is
    not used: it says which days a file covers, not when their figures were read.
    """
    if batch.stated_at is not None:
        stated = batch.stated_at
        return (stated if stated.tzinfo else stated.replace(tzinfo=zone)).astimezone(now.tzinfo)
    days = [r.day for r in batch.spend]
    if modified_at is None or not days or modified_at > now:
        return now
    last_began = datetime.combine(max(days), time(), now.tzinfo) - timedelta(days=1)
    return modified_at if modified_at >= last_began else now


def spend_rows(
    ctx: StoreContext, rows: Iterable[SpendRow], file_name: str, unread: Sequence[UnreadRow] = ()
) -> tuple[dict[Key, _Total], list[Rejected]]:
    """The file's rows summed by (day, channel, campaign), in minor units of their currency,
    and the rows set aside: those that cannot be loaded (``unread`` by the reader, an amount
    finer than its currency's minor unit, a key written in two currencies) with every other
    row of the campaign-days they may belong to."""
    loadable, bad = _in_minor_units(ctx, rows, file_name)
    bad = sorted([*unread, *bad], key=lambda b: b.row)
    aside = _set_aside({m.key for m in loadable}, bad)
    rejected = [Rejected(f"{b.file_name}:{b.row}", b.reason, b.cells) for b in bad]
    totals: dict[Key, _Total] = {}
    for minor in loadable:
        if minor.key in aside:
            rejected.append(_goes_with(file_name, minor.row, aside[minor.key]))
        else:
            _add(totals.setdefault(minor.key, _Total(minor.currency)), minor)
    return totals, rejected


def _in_minor_units(
    ctx: StoreContext, rows: Iterable[SpendRow], file_name: str
) -> tuple[list[_Minor], list[UnreadRow]]:
    """Each row's amounts in minor units, or the row as one that cannot be loaded."""
    first: dict[Key, SpendRow] = {}  # the row that sets a key's currency
    loadable, bad = [], []
    for row in rows:
        currency = row.currency or ctx.currency
        key = (row.day, row.channel, row.campaign)
        try:
            other = first.setdefault(key, row)
            if (other.currency or ctx.currency) != currency:
                column = row.columns.currency or row.columns.spend
                raise ValueError(
                    f"column {column}: {row.channel} campaign {row.campaign!r} on {row.day} "
                    f"is in {currency} where row {other.row} is in {other.currency or ctx.currency}"
                )
            loadable.append(_minor(row, currency))
        except ValueError as exc:
            bad.append(_unloadable(row, file_name, str(exc)))
    return loadable, bad


def _minor(row: SpendRow, currency: str) -> _Minor:
    exponent = currency_exponent(currency)
    spend = _exact(row.spend, exponent, currency, row.columns.spend)
    value = None
    if row.conversion_value is not None:
        column = row.columns.conversion_value or "conversion value"
        value = _exact(row.conversion_value, exponent, currency, column)
    return _Minor(row, currency, spend, value)


def _exact(amount: Decimal, exponent: int, currency: str, column: str) -> int:
    try:
        return to_minor(amount, exponent)
    except ValueError:
        raise ValueError(
            f"column {column}: {amount} is finer than {currency}'s minor unit"
        ) from None


def _unloadable(row: SpendRow, file_name: str, fault: str) -> UnreadRow:
    """A row that reads but cannot be loaded: its key is whole."""
    key = (row.day, row.day, row.channel, row.campaign)
    return UnreadRow(file_name, row.row, fault, _payload(row), *key)


def _set_aside(keys: set[Key], bad: list[UnreadRow]) -> dict[Key, list[UnreadRow]]:
    """The campaign-days in ``keys`` that a bad row may belong to, with those rows. A row
    whose day, channel or campaign cannot be read sets aside every key it may belong to."""
    aside: dict[Key, list[UnreadRow]] = {}
    partial = []
    for b in bad:
        if b.first_day is None or b.first_day != b.last_day or not (b.channel and b.campaign):
            partial.append(b)
        elif (key := (b.first_day, b.channel, b.campaign)) in keys:
            aside.setdefault(key, []).append(b)
    for key in keys if partial else ():
        covering = [b for b in partial if b.covers(*key)]
        if covering:
            aside[key] = sorted([*aside.get(key, []), *covering], key=lambda b: b.row)
    return aside


def _goes_with(file_name: str, row: SpendRow, bad: list[UnreadRow]) -> Rejected:
    rows = ", ".join(str(b.row) for b in bad)
    reason = (
        f"{file_name} row {row.row}: {row.channel} campaign {row.campaign!r} on {row.day} is "
        f"set aside whole with row{'s' if len(bad) > 1 else ''} {rows} "
        f"(row {bad[0].row}, {bad[0].fault})"
    )
    return Rejected(f"{file_name}:{row.row}", reason, _payload(row))


def _add(total: _Total, minor: _Minor) -> None:
    row = minor.row
    total.spend += minor.spend
    total.clicks += row.clicks
    total.impressions += row.impressions
    if row.conversions is not None:
        total.conversions = (total.conversions or 0.0) + float(row.conversions)
    if minor.conversion_value is not None:
        total.conversion_value = (total.conversion_value or 0) + minor.conversion_value


def _payload(row: SpendRow) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "channel": row.channel,
        "campaign": row.campaign,
        "spend": str(row.spend),
        "currency": row.currency,
    }


def load_spend(
    conn: Connection,
    ctx: StoreContext,
    rows: Iterable[SpendRow],
    file_name: str,
    digest: str,
    *,
    exported_at: datetime,
    unread: Sequence[UnreadRow] = (),
) -> tuple[int, list[Rejected]]:
    """Upsert the file's campaign days, leaving those a newer file wrote; return how many were
    written, and the rows set aside.

    Args:
        exported_at: the file's time (``export_time``), kept on every row it writes.
    """
    totals, rejected = spend_rows(ctx, rows, file_name, unread)
    newer = _newer_stored(conn, ctx, set(totals), exported_at, digest)
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
            "exported_at": exported_at,
            "synced_at": ctx.synced_at,
        }
        for (day, channel, campaign), t in totals.items()
        if (day, channel, campaign) not in newer
    ]
    return upsert(conn, tables.ad_spend, out), rejected


def _newer_stored(
    conn: Connection, ctx: StoreContext, keys: set[Key], exported_at: datetime, digest: str
) -> set[Key]:
    """The keys whose stored row a later state wrote (a later time, or the same time and a
    hash that sorts after this file's)."""
    if not keys:
        return set()
    days = [key[0] for key in keys]
    params = {"store": ctx.store, "first": min(days), "last": max(days)}
    return {
        (day, channel, campaign)
        for day, channel, campaign, at, content_hash in conn.execute(_STORED, params)
        if (day, channel, campaign) in keys and (at, content_hash) > (exported_at, digest)
    }


_s = tables.ad_spend.c
_STORED = select(_s.local_date, _s.channel, _s.campaign, _s.exported_at, _s.content_hash).where(
    _s.store == bindparam("store"),
    _s.local_date.between(bindparam("first"), bindparam("last")),
)
