"""Daily storefront traffic from a CSV file (an export from an analytics tool, or the sandbox).

Columns: ``date`` (store-local ``YYYY-MM-DD``), ``channel``, ``sessions``, ``add_to_carts``,
``checkouts``, ``purchases``. Rows that cannot be read are set aside with their line number.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.base import Page, Rejected, TrafficDay
from connectors.csv_files import csv_rows

COLUMNS = ("date", "channel", "sessions", "add_to_carts", "checkouts", "purchases")
COUNTS = COLUMNS[2:]


def read_traffic_csv(path: Path) -> Page[TrafficDay]:
    """Read the whole file into one page.

    Raises:
        ConfigError: the file is missing or lacks a required column.
    """
    page: Page[TrafficDay] = Page(records=[])
    for where, row in csv_rows(path, "traffic", COLUMNS):
        try:
            page.records.append(_day(row))
        except ValueError as exc:
            key = f"{row.get('date')}/{row.get('channel')}"
            page.rejected.append(Rejected(key, f"{where}: {exc}", dict(row)))
    return page


def _day(row: dict[str, str]) -> TrafficDay:
    try:
        day = date.fromisoformat(row["date"])
    except (TypeError, ValueError):
        raise ValueError(f"date {row.get('date')!r} is not YYYY-MM-DD") from None
    if not row.get("channel"):
        raise ValueError("channel is empty")
    counts = {}
    for column in COUNTS:
        value = (row.get(column) or "").strip()
        if not value.isdigit():
            raise ValueError(f"{column} {value!r} is not a whole number")
        counts[column] = int(value)
    return TrafficDay(
        day=day,
        channel=row["channel"],
        sessions=counts["sessions"],
        add_to_carts=counts["add_to_carts"],
        checkouts=counts["checkouts"],
        purchases=counts["purchases"],
    )
