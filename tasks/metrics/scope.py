"""The orders every metric counts, and the order expressions the metric queries share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, false
from sqlalchemy.sql.elements import ColumnElement

from tasks.warehouse import schema as tables

o = tables.orders
CHANNELS = {
    "web": "online_store",
    "pos": "pos",
    "iphone": "mobile_app",
    "android": "mobile_app",
    "shopify_draft_order": "draft_orders",
}
#: An order's sales: its line items less its discounts, in minor units.
NET = o.c.line_items_minor - o.c.discounts_minor


def live(store: str) -> ColumnElement[bool]:
    """The orders every metric counts: the store's, not test, not deleted."""
    return and_(o.c.store == store, o.c.test.is_(false()), o.c.deleted_at.is_(None))


def channel_of(source: Any) -> Any:
    """Shopify's ``source_name`` as one of the channels the registry names."""
    return case(*((source == name, label) for name, label in CHANNELS.items()), else_="other")


def row_measures(row: Any, *keys: str) -> dict[str, Any]:
    """A result row as measures, without the columns it is grouped by."""
    return {k: v for k, v in dict(row).items() if k not in keys}
