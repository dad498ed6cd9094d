"""The Shopify REST conventions a sandbox shop follows: errors, page sizes, cursors, filters.

Listings page by opaque ``page_info`` cursors (a keyset, the query and a direction, base64 JSON);
anything the sandbox did not write is a 400, as on Shopify.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from connectors.sandbox.amounts import Json

Params = Mapping[str, str]

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGE_INFO_ALLOWED = frozenset({"limit", "fields", "page_info"})
LISTING_SORT = {
    "orders": "created_at desc",
    "customers": "id asc",
    "products": "id asc",
    "events": "created_at desc",
}
ORDER_STATUS = {
    "open": "closed = 0 AND cancelled = 0",
    "closed": "closed = 1",
    "cancelled": "cancelled = 1",
    "any": None,
}
FULFILLMENT_STATUS = {
    "shipped": "fulfillment_status = 'fulfilled'",
    "partial": "fulfillment_status = 'partial'",
    "unshipped": "fulfillment_status IS NULL",
    "unfulfilled": "(fulfillment_status IS NULL OR fulfillment_status = 'partial')",
    "any": None,
}
FINANCIAL_STATUS = (
    "authorized",
    "pending",
    "paid",
    "partially_paid",
    "refunded",
    "voided",
    "partially_refunded",
    "any",
    "unpaid",
)


class ApiError(Exception):
    """An error the sandbox answers with, shaped like Shopify's."""

    def __init__(self, status: int, errors: object) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.body = orjson.dumps({"errors": errors})


@dataclass(slots=True)
class Listing:
    """One page of a listing, ready to render: records and the keysets around it."""

    key: str
    records: list[str]
    next_info: str | None
    previous_info: str | None


def page_limit(params: Params) -> int:
    """Read a listing's ``limit``: 50 by default, 400 outside 1…250."""
    raw = params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, {"limit": f"limit must be between 1 and {MAX_LIMIT}"})
    return int(raw)


def int_param(params: Params, key: str) -> int:
    """Read a whole-number parameter, or answer 400 naming it."""
    if not params[key].isdigit():
        raise ApiError(400, {key: f"{key} must be a whole number"})
    return int(params[key])


def id_list(raw: str | None) -> list[int] | None:
    """Read a comma-separated id list, skipping what is not a number; ``None`` if absent."""
    return [int(i) for i in raw.split(",") if i.strip().isdigit()] if raw else None


def page_info_of(cursor: Json) -> str:
    """Write a cursor as the opaque ``page_info`` a listing's links carry."""
    return base64.urlsafe_b64encode(orjson.dumps(cursor)).decode().rstrip("=")


def decode_page_info(page_info: str) -> Json:
    """Read an opaque cursor back; anything we did not write is a 400, as on Shopify."""
    try:
        cursor = orjson.loads(base64.urlsafe_b64decode(page_info + "=" * (-len(page_info) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        cursor = None
    if not isinstance(cursor, dict) or not {"q", "k", "d"} <= set(cursor):
        raise ApiError(400, {"page_info": "Invalid value."})
    return cursor


def only_fields(record: str, fields: str) -> str:
    """Keep only the ``fields`` (comma-separated) of one JSON record."""
    wanted = {f.strip() for f in fields.split(",")}
    return orjson.dumps({k: v for k, v in orjson.loads(record).items() if k in wanted}).decode()
