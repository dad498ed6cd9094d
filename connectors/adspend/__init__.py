"""Ad-spend exports: Google Ads, Meta Ads Manager, 巨量引擎, 万相台 and the generic spend CSV.

``read_spend`` recognises a file by its content with the marketplace exports' machinery (format
and encoding sniffed, header row found below title rows, totals left out, cells unwrapped) and
returns one ``SpendRow`` per file row, each with its row number. A row that cannot be read comes
back as an ``UnreadRow`` with the file, row and column in one sentence, and with whatever of its
day, channel and campaign can be read, so the loader can set its campaign-days aside whole; the
rest of the file still loads. The time an export states it was made (a "Downloaded"/导出时间
title row) is ``SpendBatch.stated_at``. Exports are declared as data (``EXPORTS``): the columns
that recognise each, and where each field is read from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from connectors.marketplaces.files import (
    UnreadableFile,
    cell_text,
    find_sheet,
    money,
    read_grid,
    whole,
)
from connectors.marketplaces.files import day as iso_day

__all__ = [
    "CHANNELS",
    "EXPORTS",
    "GENERIC_COLUMNS",
    "SpendBatch",
    "SpendColumns",
    "SpendRow",
    "UnreadRow",
    "UnreadableFile",
    "read_spend",
    "stated_time",
]

#: The channels the platform exports name; the generic file may name others.
CHANNELS = ("google_ads", "meta", "ocean_engine", "wanxiangtai")
#: What people write in a generic file's channel column for the channels above.
CHANNEL_ALIASES = {
    "google": "google_ads",
    "adwords": "google_ads",
    "facebook": "meta",
    "facebook_ads": "meta",
    "meta_ads": "meta",
    "instagram": "meta",
    "巨量引擎": "ocean_engine",
    "巨量": "ocean_engine",
    "oceanengine": "ocean_engine",
    "万相台": "wanxiangtai",
}
_DAY_FORMATS = ("%b %d, %Y", "%a, %b %d, %Y", "%d %b %Y", "%m/%d/%Y")
_CURRENCY_IN_HEADER = re.compile(r"\(([A-Z]{3})\)$")
#: A title row stating when the export was made: ``Downloaded: Nov 11, 2026 9:05:00 AM``,
#: ``导出时间：2026-11-11 10:23:45`` (label and time in one cell or two).
_STATED = re.compile(
    r"^(?:downloaded|generated|created|exported|report generated|date created|"
    r"导出时间|下载时间|生成时间|创建时间|报表生成时间)(?:\s+(?:on|at))?\s*[:：]?\s*(?P<time>.+)$",
    re.IGNORECASE,
)
#: A zone after the stated time: ``UTC``, ``GMT+8``, ``(GMT-05:00)``, ``+08:00``.
_STATED_ZONE = re.compile(
    r"\s*\(?(?:(?P<utc>UTC|GMT)\s*)?(?P<offset>[+-]\d{1,2}(?::?\d{2})?)?\)?$", re.IGNORECASE
)
_STATED_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S",
    "%B %d, %Y %H:%M:%S",
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SpendColumns:
    """A file's header column for each field (None: the export has no such column)."""

    day: str
    campaign: str
    spend: str
    clicks: str | None
    impressions: str | None
    conversions: str | None
    conversion_value: str | None
    currency: str | None
    #: The currency the spend column's own name states.
    header_currency: str | None

    @classmethod
    def of(cls, export: SpendExport, header: Sequence[str]) -> SpendColumns:
        required = {}
        for name in ("day", "campaign", "spend"):
            found = _find(header, getattr(export, name))
            if found is None:
                wanted = getattr(export, name)[0].rstrip("(")
                raise UnreadableFile(f"is a {export.kind} without a {wanted} column")
            required[name] = found
        stated = _CURRENCY_IN_HEADER.search(required["spend"])
        return cls(
            **required,
            clicks=_find(header, export.clicks),
            impressions=_find(header, export.impressions),
            conversions=_find(header, export.conversions),
            conversion_value=_find(header, export.conversion_value),
            currency=_find(header, export.currency),
            header_currency=stated.group(1) if stated else export.fixed_currency,
        )


@dataclass(frozen=True, slots=True)
class SpendRow:
    """One file row: a campaign's day on one channel, in the currency the file states (None:
    the store's). An export broken down below the campaign has several rows per day.

    ``conversions`` and ``conversion_value`` are the platform's own claims (its attribution
    window, its pixel), None when the export has no such column.
    """

    day: date
    channel: str
    campaign: str
    spend: Decimal
    currency: str | None
    clicks: int
    impressions: int
    conversions: Decimal | None
    conversion_value: Decimal | None
    #: The 1-based row number in the file, and the file's columns: what a reason names.
    row: int
    columns: SpendColumns


@dataclass(frozen=True, slots=True)
class UnreadRow:
    """A row that cannot be read: the sentence saying why (file, row, column), its cells, and
    the campaign-days it may belong to. A part that cannot be read is None and matches any:
    ``first_day``/``last_day`` bound the days (a Meta row spanning days covers them all)."""

    file_name: str
    row: int
    #: What is wrong, naming the column: ``column Cost: 'abc' is not an amount``.
    fault: str
    cells: dict[str, str | None]
    first_day: date | None
    last_day: date | None
    channel: str | None
    campaign: str | None

    @property
    def reason(self) -> str:
        return f"{self.file_name} row {self.row}, {self.fault}"

    def covers(self, day: date, channel: str, campaign: str) -> bool:
        """Whether the campaign-day may hold this row."""
        return (
            (self.first_day is None or self.first_day <= day)
            and (self.last_day is None or day <= self.last_day)
            and self.channel in (None, channel)
            and self.campaign in (None, campaign)
        )


@dataclass(slots=True)
class SpendBatch:
    """What one spend file holds and what it could not read."""

    kind: str
    file_format: str
    rows: int = 0
    spend: list[SpendRow] = field(default_factory=list)
    unread: list[UnreadRow] = field(default_factory=list)
    #: When the export says it was made, as written (naive: the account's wall clock).
    stated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SpendExport:
    """One platform's export: the columns that recognise it and where each field is read.

    Each field lists its possible column names (normalised: no spaces); a name ending in ``(``
    is a prefix whose parentheses name the currency (Meta's ``Amount spent (USD)``).
    """

    kind: str
    #: None: each row names its channel (the generic file).
    channel: str | None
    signature: frozenset[str]
    day: tuple[str, ...]
    campaign: tuple[str, ...]
    spend: tuple[str, ...]
    clicks: tuple[str, ...]
    impressions: tuple[str, ...]
    conversions: tuple[str, ...] = ()
    conversion_value: tuple[str, ...] = ()
    currency: tuple[str, ...] = ()
    #: The currency every amount is in when the file does not say (RMB for Chinese platforms).
    fixed_currency: str | None = None
    #: A column giving the last day a row covers: a row spanning days is refused.
    last_day: str | None = None


EXPORTS: tuple[SpendExport, ...] = (
    SpendExport(
        "Google Ads campaign report",
        "google_ads",
        frozenset({"Campaign", "Day", "Cost", "Impr."}),
        day=("Day",),
        campaign=("Campaign",),
        spend=("Cost",),
        clicks=("Clicks",),
        impressions=("Impr.",),
        conversions=("Conversions",),
        conversion_value=("Conv.value", "Allconv.value"),
        currency=("Currencycode", "Currency"),
    ),
    SpendExport(
        "Meta Ads Manager",
        "meta",
        frozenset({"Reportingstarts", "Campaignname", "Impressions"}),
        day=("Day", "Reportingstarts"),
        campaign=("Campaignname",),
        spend=("Amountspent(",),
        clicks=("Linkclicks", "Clicks(all)"),
        impressions=("Impressions",),
        conversions=("Purchases", "Websitepurchases", "Results"),
        conversion_value=("Purchasesconversionvalue", "Websitepurchasesconversionvalue"),
        currency=("Currency",),
        last_day="Reportingends",
    ),
    SpendExport(
        "巨量引擎 广告计划",
        "ocean_engine",
        frozenset({"消耗", "展示数", "点击数"}),
        day=("日期", "时间"),
        campaign=("计划名称", "广告计划", "广告计划名称"),
        spend=("消耗",),
        clicks=("点击数",),
        impressions=("展示数",),
        conversions=("转化数",),
        conversion_value=("支付金额", "成交金额"),
        fixed_currency="CNY",
    ),
    SpendExport(
        "万相台 推广报表",
        "wanxiangtai",
        frozenset({"花费", "展现量", "点击量"}),
        day=("日期",),
        campaign=("计划名称", "主体名称"),
        spend=("花费",),
        clicks=("点击量",),
        impressions=("展现量",),
        conversions=("总成交笔数", "成交笔数"),
        conversion_value=("总成交金额", "成交金额"),
        fixed_currency="CNY",
    ),
    SpendExport(
        "generic spend CSV",
        None,
        frozenset({"date", "channel", "campaign", "spend", "clicks", "impressions"}),
        day=("date",),
        campaign=("campaign",),
        spend=("spend",),
        clicks=("clicks",),
        impressions=("impressions",),
        conversions=("conversions",),
        conversion_value=("conversion_value",),
        currency=("currency",),
    ),
)
KNOWN = "Google Ads, Meta Ads Manager, 巨量引擎, 万相台 or the generic spend CSV"


def read_spend(data: bytes, file_name: str) -> SpendBatch:
    """Read one ad-spend export.

    Raises:
        UnreadableFile: the file is not a table, or not an ad-spend export storepulse knows.
    """
    file_format, grid = read_grid(data)
    try:
        sheet, matched = find_sheet(file_format, grid, [e.signature for e in EXPORTS])
    except UnreadableFile:
        raise UnreadableFile(f"is not an ad-spend export ({KNOWN})") from None
    export = EXPORTS[matched]
    columns = SpendColumns.of(export, sheet.header)
    rows = sheet.rows
    stated_at = stated_time(grid[: sheet.header_at])
    batch = SpendBatch(export.kind, file_format, rows=len(rows), stated_at=stated_at)
    for number, row in rows:
        if export.channel == "meta" and not row.get("Campaignname"):
            continue  # Ads Manager's summary row: every campaign together, no name
        try:
            batch.spend.append(_spend_row(export, columns, row, number))
        except ValueError as exc:
            batch.unread.append(_unread(export, columns, row, number, file_name, str(exc)))
    return batch


def stated_time(title_rows: Sequence[Sequence[Any]]) -> datetime | None:
    """When the export's title rows say it was made: naive (the account's wall clock) unless
    a zone follows the time; None when no title row states a time that can be read."""
    for cells in title_rows:
        text = " ".join(t for t in map(cell_text, cells) if t)
        found = _STATED.match(text)
        if found:
            return _moment(found.group("time"))
    return None


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)  # 2026-11-11T10:23:45+08:00
    except ValueError:
        pass
    zone = _STATED_ZONE.search(text)
    offset = None
    if zone and (zone.group("utc") or zone.group("offset")):
        offset = _offset(zone.group("offset"))
        text = text[: zone.start()]
    for pattern in _STATED_FORMATS:
        try:
            moment = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return moment if offset is None else moment.replace(tzinfo=offset)
    return None


def _offset(text: str | None) -> timezone:
    """``+8``, ``-05:00`` or ``+0800`` as a fixed offset; none stated is UTC."""
    if not text:
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if text[0] == "-" else delta)


def _find(header: Sequence[str], names: Sequence[str]) -> str | None:
    for name in names:
        if name.endswith("("):
            found = next((h for h in header if h.startswith(name)), None)
            if found:
                return found
        elif name in header:
            return name
    return None


#: The generic spend CSV's columns (a currency column, no currency in the spend column's name).
GENERIC_COLUMNS = SpendColumns.of(
    EXPORTS[-1], [*EXPORTS[-1].signature, "conversions", "conversion_value", "currency"]
)


def _spend_row(
    export: SpendExport, c: SpendColumns, row: dict[str, str | None], number: int
) -> SpendRow:
    day = spend_day(row.get(c.day), c.day)
    last = row.get(export.last_day) if export.last_day else None
    if export.last_day and last is not None and spend_day(last, export.last_day) != day:
        raise ValueError(
            f"column {export.last_day}: the row covers {day} to {last}; "
            "export with a breakdown by day"
        )
    campaign = (row.get(c.campaign) or "").strip()
    if not campaign:
        raise ValueError(f"column {c.campaign}: the campaign name is empty")
    spend = money(row.get(c.spend), c.spend)
    if spend < 0:
        raise ValueError(f"column {c.spend}: {row.get(c.spend)!r} is a negative amount")
    return SpendRow(
        day=day,
        channel=export.channel or channel_of(row.get("channel"), "channel"),
        campaign=campaign[:255],
        spend=spend,
        currency=_currency(row.get(c.currency) if c.currency else None, c) or c.header_currency,
        clicks=whole(row.get(c.clicks), c.clicks) if c.clicks else 0,
        impressions=whole(row.get(c.impressions), c.impressions) if c.impressions else 0,
        conversions=money(row.get(c.conversions), c.conversions) if c.conversions else None,
        conversion_value=(
            money(row.get(c.conversion_value), c.conversion_value) if c.conversion_value else None
        ),
        row=number,
        columns=c,
    )


def _unread(
    export: SpendExport,
    c: SpendColumns,
    row: dict[str, str | None],
    number: int,
    file_name: str,
    fault: str,
) -> UnreadRow:
    """The unread row with whatever of its day, channel and campaign its cells give."""
    first = _or_none(spend_day, row.get(c.day), c.day)
    last = first
    if export.last_day and row.get(export.last_day) is not None:
        last = _or_none(spend_day, row.get(export.last_day), export.last_day)
    channel = export.channel or _or_none(channel_of, row.get("channel"), "channel")
    campaign = (row.get(c.campaign) or "").strip()[:255] or None
    return UnreadRow(file_name, number, fault, dict(row), first, last, channel, campaign)


def _or_none(read: Callable[[str | None, str], T], text: str | None, column: str) -> T | None:
    try:
        return read(text, column)
    except ValueError:
        return None


def _currency(text: str | None, c: SpendColumns) -> str | None:
    if text is None:
        return None
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"column {c.currency}: {text!r} is not a currency code such as USD")
    return code


def channel_of(text: str | None, column: str) -> str:
    """A generic file's channel as a short lower-case name (``Google Ads`` → ``google_ads``).

    Raises:
        ValueError: the channel is empty.
    """
    name = re.sub(r"[\s\-]+", "_", (text or "").strip().lower())
    if not name:
        raise ValueError(f"column {column}: the channel is empty")
    return CHANNEL_ALIASES.get(name, name)[:64]


def spend_day(text: str | None, column: str) -> date:
    """A report day as ad platforms write it: ``2026-11-11``, ``20261111``, ``Nov 11, 2026``.

    Raises:
        ValueError: naming the column and the value.
    """
    if text is None:
        raise ValueError(f"column {column}: the day is empty")
    try:
        return iso_day(text, column)
    except ValueError:
        for pattern in _DAY_FORMATS:
            try:
                return datetime.strptime(text.strip(), pattern).date()
            except ValueError:
                continue
        raise
