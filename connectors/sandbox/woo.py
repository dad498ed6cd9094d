"""The sandbox's WooCommerce face: ``/wp-json/wc/v3/…`` over the same shop history.

It keeps WooCommerce's documented conventions (shared/reference §2): the keys by HTTP Basic or
the ``consumer_key``/``consumer_secret`` query string, ``woocommerce_rest_cannot_view`` for a
request without them; ``per_page`` 10 by default and 100 at most (400 ``rest_invalid_param``
above); ``page`` numbers with ``X-WP-Total``, ``X-WP-TotalPages`` and a ``Link`` header;
``modified_after``/``before`` and ``after``/``before`` compared exclusively, in GMT with
``dates_are_gmt=true`` and in the site's local time without it (the documented pitfall); trashed
orders only under ``status=trash``; ``{"code","message","data":{"status"}}`` errors.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from connectors.sandbox.amounts import Json
from connectors.sandbox.shop import SandboxShop
from connectors.sandbox.woo_json import WooRenderer, with_fields

Response = tuple[int, dict[str, str], bytes]
Params = Mapping[str, str]

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
#: An order's WooCommerce status, from the sandbox's columns.
STATUS = """CASE
    WHEN cancelled = 1 THEN 'cancelled'
    WHEN financial_status = 'refunded' THEN 'refunded'
    WHEN financial_status IN ('pending', 'authorized') THEN 'on-hold'
    WHEN fulfillment_status = 'fulfilled' THEN 'completed'
    ELSE 'processing' END"""
#: Every order with its status; trashed orders sit in their own table. WooCommerce has no test
#: orders, so the sandbox's are not shown.
ORDER_ROWS = f"""
SELECT id, created_at, updated_at, status, json FROM (
  SELECT id, created_at, updated_at, {STATUS} AS status, json
  FROM orders WHERE NOT json_extract(json, '$.test')
  UNION ALL
  SELECT id, created_at, trashed_at, 'trash', json FROM trash)
"""
SORTS = {
    "orders": {"date": "created_at", "id": "id", "modified": "updated_at", "include": "id"},
    "products": {"date": "created_at", "id": "id", "modified": "updated_at", "include": "id"},
    "customers": {"registered_date": "created_at", "id": "id", "include": "id"},
}
DATE_FILTERS = {
    "after": ("created_at", ">"),
    "before": ("created_at", "<"),
    "modified_after": ("updated_at", ">"),
    "modified_before": ("updated_at", "<"),
}


class WooError(Exception):
    """An error the face answers with, shaped like WordPress's."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = orjson.dumps(
            {"code": code, "message": message, "data": {"status": status, **data}}
        )


class WooFace:
    """Answer WooCommerce REST v3 requests for one sandbox shop."""

    def __init__(self, shop: SandboxShop, keys: tuple[str, str]) -> None:
        self.shop = shop
        self.keys = keys
        simple = {
            row[0]
            for row in shop.data.connect().execute(
                "SELECT id FROM products WHERE json_array_length(json, '$.variants') = 1"
            )
        }
        self.render = WooRenderer(shop.zone, simple)

    def handle(
        self, method: str, path: str, params: Params, authorization: str | None, link_base: str
    ) -> Response:
        """Answer one request under ``/wp-json``."""
        try:
            if path in ("", "/"):
                return _json(self._index(link_base))
            api = re.fullmatch(r"/wc/v3/(?P<route>.+?)/?", path)
            if api is None:
                raise _no_route()
            self._authenticate(params, authorization)
            if method != "GET":
                raise WooError(
                    401,
                    "woocommerce_rest_cannot_edit",
                    "Sorry, you are not allowed to edit this resource.",
                )
            return self._route(api["route"], params, link_base)
        except WooError as exc:
            return exc.status, {"Content-Type": "application/json; charset=UTF-8"}, exc.body

    def _authenticate(self, params: Params, authorization: str | None) -> None:
        key, secret = params.get("consumer_key"), params.get("consumer_secret")
        if authorization and authorization.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                key = secret = None
        if not key:
            raise WooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if key != self.keys[0]:
            raise WooError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.keys[1]:
            raise WooError(
                401, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
            )

    def _route(self, route: str, params: Params, link_base: str) -> Response:
        if route == "orders":
            return self._listing("orders", ORDER_ROWS, params, link_base, self._order_filters)
        if route == "customers":
            sql = "SELECT id, created_at, updated_at, 'customer' AS status, json FROM customers"
            return self._listing("customers", sql, params, link_base, self._no_filters)
        if route == "products":
            sql = "SELECT id, created_at, updated_at, status, json FROM products"
            return self._listing("products", sql, params, link_base, self._no_filters)
        if route == "settings/general/woocommerce_currency":
            currency = self.shop.info["currency"]
            return _json({"id": "woocommerce_currency", "label": "Currency", "value": currency})
        one = re.fullmatch(r"orders/(\d+)(/refunds)?", route)
        if one:
            return self._order(int(one[1]), bool(one[2]), params)
        variations = re.fullmatch(r"products/(\d+)/variations", route)
        if variations:
            return self._variations(int(variations[1]), params, link_base)
        raise _no_route()

    def orders(self, statuses: Collection[str]) -> list[Json]:
        """Every order in one of ``statuses``, rendered as the listing renders it: the site's
        own view of its orders, for a test to compare what was synced with."""
        marks = ",".join("?" * len(statuses))
        rows = self.shop.data.connect().execute(
            f"SELECT status, json FROM ({ORDER_ROWS}) WHERE status IN ({marks}) ORDER BY id",
            tuple(statuses),
        )
        return [self.render.order(orjson.loads(raw), status) for status, raw in rows]

    # --- listings -------------------------------------------------------------------------------

    def _listing(
        self, kind: str, rows: str, params: Params, link_base: str, filters: Any
    ) -> Response:
        per_page, page = _per_page(params), _page(params)
        where, args = filters(params)
        for name, (column, op) in DATE_FILTERS.items():
            if name in params:
                where.append(f"{column} {op} ?")
                args.append(self._moment(params, name))
        orderby = params.get("orderby", "registered_date" if kind == "customers" else "date")
        if orderby not in SORTS[kind]:
            raise _invalid("orderby", f"orderby is not one of {', '.join(SORTS[kind])}.")
        direction = params.get("order", "asc" if kind == "customers" else "desc")
        if direction not in ("asc", "desc"):
            raise _invalid("order", "order is not one of asc, desc.")
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        conn = self.shop.data.connect()
        total = conn.execute(f"SELECT COUNT(*) FROM ({rows}){condition}", args).fetchone()[0]
        pages = math.ceil(total / per_page)
        if page > max(pages, 1):
            raise WooError(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        offset = int(params["offset"]) if params.get("offset", "").isdigit() else 0
        order = f"{SORTS[kind][orderby]} {direction.upper()}, id {direction.upper()}"
        found = conn.execute(
            f"SELECT * FROM ({rows}){condition} ORDER BY {order} LIMIT ? OFFSET ?",
            (*args, per_page, offset + (page - 1) * per_page),
        ).fetchall()
        records = [self._record(kind, row[3], orjson.loads(row[4])) for row in found]
        body = [with_fields(r, params.get("_fields")) for r in records]
        return _paged(body, total, pages, page, params, link_base)

    def _record(self, kind: str, status: str, raw: Json) -> Json:
        if kind == "orders":
            return self.render.order(raw, status)
        if kind == "customers":
            return self.render.customer(raw)
        return self.render.product(raw, self._stock())

    def _order_filters(self, params: Params) -> tuple[list[str], list[Any]]:
        statuses = [s.strip() for s in params.get("status", "any").split(",") if s.strip()]
        unknown = [s for s in statuses if s != "any" and s not in ORDER_STATUSES]
        if unknown:
            raise _invalid("status", f"status[0] is not one of any, {', '.join(ORDER_STATUSES)}.")
        if "any" in statuses:  # WordPress's "any" leaves trashed posts out
            return ["status != 'trash'"], []
        return [f"status IN ({','.join('?' * len(statuses))})"], list(statuses)

    @staticmethod
    def _no_filters(params: Params) -> tuple[list[str], list[Any]]:
        return [], []

    def _moment(self, params: Params, name: str) -> float:
        try:
            moment = datetime.fromisoformat(params[name])
        except ValueError:
            raise _invalid(name, "Invalid date.") from None
        # WooCommerce ignores an offset in the value: the bound is read as GMT with
        # dates_are_gmt, else as the site's local time.
        naive = moment.replace(tzinfo=None)
        gmt = params.get("dates_are_gmt", "false").lower() in ("true", "1")
        return naive.replace(tzinfo=UTC if gmt else self.shop.zone).timestamp()

    # --- single records -------------------------------------------------------------------------

    def _order(self, order_id: int, refunds: bool, params: Params) -> Response:
        conn = self.shop.data.connect()
        row = conn.execute(
            f"SELECT {STATUS}, json FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        row = (
            row
            or conn.execute("SELECT 'trash', json FROM trash WHERE id = ?", (order_id,)).fetchone()
        )
        if row is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        order = orjson.loads(row[1])
        if refunds:
            return _json([self.render.refund(order, r) for r in order["refunds"]])
        return _json(with_fields(self.render.order(order, row[0]), params.get("_fields")))

    def _variations(self, product_id: int, params: Params, link_base: str) -> Response:
        row = (
            self.shop.data.connect()
            .execute("SELECT json FROM products WHERE id = ?", (product_id,))
            .fetchone()
        )
        if row is None:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        product = orjson.loads(row[0])
        per_page, page = _per_page(params), _page(params)
        stock = self._stock()
        variants = [] if len(product["variants"]) == 1 else product["variants"]
        chosen = variants[(page - 1) * per_page : page * per_page]
        records = [self.render.variation(product, v, stock) for v in chosen]
        pages = math.ceil(len(variants) / per_page)
        return _paged(records, len(variants), pages, page, params, link_base)

    def _stock(self) -> dict[int, int]:
        rows = self.shop.data.connect().execute(
            "SELECT inventory_item_id, SUM(available) FROM inventory_levels"
            " GROUP BY inventory_item_id"
        )
        return {item: int(units or 0) for item, units in rows}

    def _index(self, link_base: str) -> Json:
        info = self.shop.info
        home = link_base.split("/wp-json", maxsplit=1)[0]
        offset = datetime.now(self.shop.zone).utcoffset()
        return {
            "name": info["name"],
            "description": "Just another WooCommerce store",
            "url": home,
            "home": home,
            "gmt_offset": (offset.total_seconds() / 3600) if offset else 0,
            "timezone_string": info["iana_timezone"],
            "namespaces": ["wp/v2", "wc/v3"],
            "authentication": {},
            "routes": {},
        }


def _per_page(params: Params) -> int:
    raw = params.get("per_page", str(DEFAULT_PER_PAGE))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise _invalid(
            "per_page", f"per_page must be between 1 (inclusive) and {MAX_PER_PAGE} (inclusive)"
        )
    return int(raw)


def _page(params: Params) -> int:
    raw = params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise _invalid("page", "page must be greater than or equal to 1")
    return int(raw)


def _paged(
    records: list[Any], total: int, pages: int, page: int, params: Params, link_base: str
) -> Response:
    status, headers, body = _json(records)
    headers |= {
        "X-WP-Total": str(total),
        "X-WP-TotalPages": str(pages),
        "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
    }
    kept = {k: v for k, v in params.items() if k not in ("consumer_key", "consumer_secret")}
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1)):
        if 1 <= number <= pages:
            links.append(f'<{link_base}?{urlencode(kept | {"page": number})}>; rel="{rel}"')
    if links:
        headers["Link"] = ", ".join(links)
    return status, headers, body


def _json(payload: Any) -> Response:
    return 200, {"Content-Type": "application/json; charset=UTF-8"}, orjson.dumps(payload)


def _invalid(param: str, problem: str) -> WooError:
    return WooError(
        400, "rest_invalid_param", f"Invalid parameter(s): {param}", params={param: problem}
    )


def _no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")
