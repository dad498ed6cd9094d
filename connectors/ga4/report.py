"""Turn runReport rows into traffic days: pure, so it is tested without a server.

GA4 sends every value as a string (``date`` as ``YYYYMMDD``, counts as integers, revenue as a
decimal); a row whose values do not read is set aside with its row number and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from connectors.base import Page, Rejected, TrafficDay
from connectors.ga4.settings import METRICS

COUNT_FIELDS = ("sessions", "users", "add_to_carts", "checkouts", "purchases")


@dataclass(frozen=True, slots=True)
class ReportFlags:
    """What GA4 says about a report's quality, from its response metadata."""

    #: The share of events GA4 read when it sampled (``samplesReadCount / samplingSpaceSize``);
    #: None when the report is not sampled.
    sampled_share: float | None = None
    #: Rows with few users were withheld (Google signals thresholding).
    thresholded: bool = False
    #: Some channels were folded into an ``(other)`` row (the cardinality cap).
    other_row: bool = False


def sampled_share(samples: Iterable[tuple[int, int]]) -> float | None:
    """The smallest read share over the sampling metadatas (one per date range), or None."""
    shares = [read / space for read, space in samples if space]
    return min(shares) if shares else None


def parse_rows(
    where: str,
    dimensions: Sequence[str],
    metrics: Sequence[str],
    rows: Iterable[tuple[Sequence[str], Sequence[str]]],
    flags: ReportFlags,
    exponent: int,
    first_row: int = 1,
) -> Page[TrafficDay]:
    """Read one page of rows, named by header; ``where`` names the property in reasons.

    ``first_row`` is the 1-based number of the page's first row in the whole report, so a
    reason points at the same row whatever the page size.
    """
    page: Page[TrafficDay] = Page(records=[])
    for number, (dims, values) in enumerate(rows, first_row):
        fields = dict(zip(dimensions, dims, strict=True)) | dict(zip(metrics, values, strict=True))
        try:
            page.records.append(_day(fields, flags, exponent))
        except ValueError as exc:
            key = f"{fields.get('date')}/{fields.get('sessionDefaultChannelGroup')}"
            page.rejected.append(Rejected(key, f"{where} row {number}: {exc}", fields))
    return page


def _day(fields: dict[str, str], flags: ReportFlags, exponent: int) -> TrafficDay:
    raw_date = fields.get("date", "")
    try:
        day = datetime.strptime(raw_date, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"date {raw_date!r} is not YYYYMMDD") from None
    channel = fields.get("sessionDefaultChannelGroup", "").strip()
    if not channel:
        raise ValueError("sessionDefaultChannelGroup is empty")
    counts = {name: _count(fields, METRICS[name]) for name in COUNT_FIELDS}
    return TrafficDay(
        day=day,
        channel=channel,
        **counts,
        revenue=_money(fields, METRICS["revenue"], exponent),
        sampled_share=flags.sampled_share,
        thresholded=flags.thresholded,
        other_row=flags.other_row,
    )


def _count(fields: dict[str, str], name: str) -> int:
    value = fields.get(name, "").strip()
    if not value.isdigit():
        raise ValueError(f"{name} {value!r} is not a whole number")
    return int(value)


def _money(fields: dict[str, str], name: str, exponent: int) -> Decimal:
    """GA4's revenue, rounded to the currency's minor unit (GA4 sums converted amounts)."""
    value = fields.get(name, "").strip()
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} {value!r} is not an amount")
    return amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_EVEN)
