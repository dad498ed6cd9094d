"""Ad-spend exports: Google Ads, Meta Ads Manager, 巨量引擎, 万相台 and the generic spend CSV.

``read_spend`` recognises a file by its content with the marketplace exports' machinery (format
and encoding sniffed, header row found below title rows, totals left out, cells unwrapped) and
returns one ``SpendRow`` per day, channel and campaign. A row that cannot be read comes back as
``Rejected`` with the file, row and column in one sentence; the rest of the file still loads.
Exports are declared as data (``EXPORTS``): the columns that recognise each, and where each
field is read from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from connectors.base import Rejected
from connectors.marketplaces.files import UnreadableFile, find_sheet, money, read_grid, whole
from connectors.marketplaces.files import day as iso_day

__all__ = ["CHANNELS", "EXPORTS", "SpendBatch", "SpendRow", "UnreadableFile", "read_spend"]

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


@dataclass(frozen=True, slots=True)
class SpendRow:
    """One campaign's day on one channel, in the currency the file states (None: the store's).

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


@dataclass(slots=True)
class SpendBatch:
    """What one spend file holds and what it could not read."""

    kind: str
    file_format: str
    rows: int = 0
    spend: list[SpendRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


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
    columns = _Columns.of(export, sheet.header)
    batch = SpendBatch(export.kind, file_format, rows=len(sheet.rows))
    for number, row in sheet.rows:
        if export.channel == "meta" and not row.get("Campaignname"):
            continue  # Ads Manager's summary row: every campaign together, no name
        try:
            batch.spend.append(_spend_row(export, columns, row))
        except ValueError as exc:
            reason = f"{file_name} row {number}, {exc}"
            batch.rejected.append(Rejected(f"{file_name}:{number}", reason, dict(row)))
    return batch


@dataclass(frozen=True, slots=True)
class _Columns:
    """The header's column for each field (None: the export has no such column)."""

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
    def of(cls, export: SpendExport, header: Sequence[str]) -> _Columns:
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


def _find(header: Sequence[str], names: Sequence[str]) -> str | None:
    for name in names:
        if name.endswith("("):
            found = next((h for h in header if h.startswith(name)), None)
            if found:
                return found
        elif name in header:
            return name
    return None


def _spend_row(export: SpendExport, c: _Columns, row: dict[str, str | None]) -> SpendRow:
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
    )


def _currency(text: str | None, c: _Columns) -> str | None:
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
