"""One sandbox shop at run time: REST semantics over its data, and the changes tests make."""

from __future__ import annotations

import csv
import io
import random
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from connectors.sandbox.amounts import Json, Money
from connectors.sandbox.db import SORTABLE, Query, ShopData
from connectors.sandbox.generator import deletion_event, order_row
from connectors.sandbox.orders import Basket, OrderFactory
from connectors.sandbox.rest import (
    FINANCIAL_STATUS,
    FULFILLMENT_STATUS,
    LISTING_SORT,
    ORDER_STATUS,
    PAGE_INFO_ALLOWED,
    ApiError,
    Listing,
    Params,
    decode_page_info,
    id_list,
    int_param,
    only_fields,
    page_info_of,
    page_limit,
)

#: Without ``read_all_orders``, Shopify shows only this many days of orders.
VISIBLE_DAYS = 60


class SandboxShop:
    """Answer REST reads for one shop and apply the changes tests ask for."""

    def __init__(
        self,
        data: ShopData,
        *,
        read_all_orders: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data = data
        self.read_all_orders = read_all_orders
        self.clock = clock
        self.info: Json = data.get_meta("shop")
        self.zone = ZoneInfo(self.info["iana_timezone"])
        self.touched: list[int] = []
        ids = data.get_meta("ids")
        self._factory = OrderFactory(
            self.info["currency"], self.info["iana_timezone"], ids, random.Random(ids["order"])
        )
        self._lock = threading.RLock()

    # --- reads ----------------------------------------------------------------------------------

    def listing(self, table: str, params: Params) -> Listing:
        """Return a page of ``table`` for a list request's query parameters.

        Raises:
            ApiError: a bad ``limit``, a filter mixed with ``page_info``, a bad cursor.
        """
        limit = page_limit(params)
        if "page_info" in params:
            extra = sorted(set(params) - PAGE_INFO_ALLOWED)
            if extra:
                raise ApiError(
                    400, {extra[0]: f"{extra[0]} cannot be passed when page_info is present"}
                )
            cursor = decode_page_info(params["page_info"])
            params, after, backwards = cursor["q"], cursor["k"], cursor["d"] == "prev"
        else:
            after, backwards = None, False
        query = self.query(table, params)
        rows = self.data.page(query, after, limit + 1, backwards=backwards)
        more = len(rows) > limit
        rows = rows[1:] if backwards and more else rows[:limit]
        if not rows:
            return Listing(table, [], None, None)
        first, last = [rows[0][0], rows[0][1]], [rows[-1][0], rows[-1][1]]
        has_next = more if not backwards else True
        has_previous = more if backwards else after is not None
        fields = params.get("fields")
        records = [only_fields(r[2], fields) for r in rows] if fields else [r[2] for r in rows]
        return Listing(
            table,
            records,
            page_info_of({"q": dict(params), "k": last, "d": "next"}) if has_next else None,
            page_info_of({"q": dict(params), "k": first, "d": "prev"}) if has_previous else None,
        )

    def count(self, table: str, params: Params) -> int:
        return self.data.count(self.query(table, {k: v for k, v in params.items() if k != "limit"}))

    def query(self, table: str, params: Params) -> Query:
        sort, _, direction = params.get("order", LISTING_SORT[table]).partition(" ")
        if sort not in SORTABLE[table] or direction.lower() not in ("", "asc", "desc"):
            raise ApiError(400, {"order": f"{params['order']!r} is not a valid sort"})
        query = Query(table, sort=sort, descending=direction.lower() == "desc")
        for field in ("created_at", "updated_at", "processed_at"):
            if field not in SORTABLE[table]:
                continue
            for suffix, op in (("_min", ">="), ("_max", "<=")):
                if f"{field}{suffix}" in params:
                    query.filter(f"{field} {op} ?", self._time(params, f"{field}{suffix}"))
        if "since_id" in params:
            query.filter("id > ?", int_param(params, "since_id"))
        if "ids" in params:
            ids = [int(i) for i in params["ids"].split(",") if i.strip().isdigit()]
            query.filter(f"id IN ({','.join('?' * len(ids))})" if ids else "0", *ids)
        if table == "orders":
            self._order_filters(query, params)
        if table == "events":
            for param, column in (("filter", "subject_type"), ("verb", "verb")):
                if param in params:
                    query.filter(f"{column} = ?", params[param])
        return query

    def _order_filters(self, query: Query, params: Params) -> None:
        status = params.get("status", "open")
        if status not in ORDER_STATUS:
            raise ApiError(400, {"status": f"{status!r} is not a valid status"})
        if ORDER_STATUS[status]:
            query.filter(str(ORDER_STATUS[status]))
        fulfillment = params.get("fulfillment_status", "any")
        if FULFILLMENT_STATUS.get(fulfillment, "x") == "x":
            raise ApiError(400, {"fulfillment_status": f"{fulfillment!r} is not valid"})
        if FULFILLMENT_STATUS[fulfillment]:
            query.filter(str(FULFILLMENT_STATUS[fulfillment]))
        financial = params.get("financial_status", "any")
        if financial not in FINANCIAL_STATUS:
            raise ApiError(400, {"financial_status": f"{financial!r} is not valid"})
        if financial == "unpaid":
            query.filter("financial_status IN ('pending', 'authorized', 'partially_paid')")
        elif financial != "any":
            query.filter("financial_status = ?", financial)
        if not self.read_all_orders:
            query.filter("created_at >= ?", self.clock() - VISIBLE_DAYS * 86400)

    def _time(self, params: Params, key: str) -> float:
        try:
            moment = datetime.fromisoformat(params[key].replace(" ", "+"))
        except ValueError:
            raise ApiError(400, {key: f"{key} must be an ISO 8601 date-time"}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)  # Shopify reads a bare time as shop time
        return moment.timestamp()

    def shop_json(self, plan: str) -> Json:
        plan_names = {
            "standard": ("basic", "Basic"),
            "advanced": ("unlimited", "Advanced"),
            "plus": ("shopify_plus", "Shopify Plus"),
        }
        name, display = plan_names[plan]
        return self.info | {"plan_name": name, "plan_display_name": display}

    def inventory_levels(self, params: Params) -> Listing:
        limit = page_limit(params)
        if "page_info" in params:
            cursor = decode_page_info(params["page_info"])
            params, after = cursor["q"], cursor["k"]
        else:
            after = None
        locations = id_list(params.get("location_ids"))
        items = id_list(params.get("inventory_item_ids"))
        if not locations and not items:
            raise ApiError(
                422, {"base": ["inventory_item_ids, location_ids, or both are required"]}
            )
        updated_min = self._time(params, "updated_at_min") if "updated_at_min" in params else None
        rows = self.data.inventory_levels(locations, items, updated_min, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        render = self._level_json
        records = [render(r) for r in rows]
        next_info = (
            page_info_of({"q": dict(params), "k": rows[-1][0], "d": "next"}) if more else None
        )
        return Listing("inventory_levels", records, next_info, None)

    def _level_json(self, row: tuple[Any, ...]) -> str:
        _, item, location, available, updated = row
        return orjson.dumps(
            {
                "inventory_item_id": item,
                "location_id": location,
                "available": available,
                "updated_at": self._render_time(updated) if updated else None,
                "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}",
            }
        ).decode()

    def _render_time(self, epoch: float) -> str:
        return datetime.fromtimestamp(int(epoch), self.zone).isoformat()

    def traffic_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "channel", "sessions", "add_to_carts", "checkouts", "purchases"])
        writer.writerows(self.data.connect().execute("SELECT * FROM traffic ORDER BY day, channel"))
        return out.getvalue()

    def truth(self) -> dict[date, tuple[int, int]]:
        """Per store-local day of ``processed_at``: the live (not test) orders and what their
        buyers paid (``total_price``) in minor units, from the shop's own records."""
        money = Money(self.info["currency"])
        days: dict[date, tuple[int, int]] = {}
        for text in self.data.json_rows("orders"):
            order = orjson.loads(text)
            if order["test"]:
                continue
            day = datetime.fromisoformat(order["processed_at"]).astimezone(self.zone).date()
            count, paid = days.get(day, (0, 0))
            days[day] = (count + 1, paid + money.minor(order["total_price"]))
        return days

    # --- changes --------------------------------------------------------------------------------

    def create_order(
        self,
        *,
        at: float | None = None,
        channel: str = "web",
        quantity: int = 1,
        customer_id: int | None = None,
        test: bool = False,
    ) -> Json:
        """Place an order now (or at ``at``) for the first product, as a new or known customer."""
        with self._lock, self.data.write_lock:
            moment = int(at if at is not None else self.clock())
            product = orjson.loads(next(self.data.json_rows("products")))
            customer = None
            if customer_id is not None:
                row = (
                    self.data.connect()
                    .execute("SELECT json FROM customers WHERE id = ?", (customer_id,))
                    .fetchone()
                )
                customer = orjson.loads(row[0]) if row else None
            basket = Basket(
                items=[(product["variants"][0], product, quantity)],
                channel=channel,
                customer=customer,
                tax_rate_bp=888,
            )
            order = self._factory.order(basket, moment)
            order["test"] = test
            self._save(order)
            return order

    def refund_order(
        self,
        order_id: int,
        *,
        quantities: dict[int, int] | None = None,
        shipping: bool = False,
        at: float | None = None,
    ) -> Json:
        """Refund some units (all of them by default) of an order, bumping its ``updated_at``."""
        with self._lock, self.data.write_lock:
            order = self._order(order_id)
            moment = int(at if at is not None else self.clock())
            if quantities is None:
                self._factory.refund_everything(order, moment, note="Late refund")
            else:
                self._factory.refund(
                    order, moment, quantities, shipping=shipping, note="Late refund"
                )
            self._save(order)
            return order

    def edit_order(
        self,
        order_id: int,
        *,
        note: str | None = None,
        tags: str | None = None,
        at: float | None = None,
    ) -> Json:
        with self._lock, self.data.write_lock:
            order = self._order(order_id)
            if note is not None:
                order["note"] = note
            if tags is not None:
                order["tags"] = tags
            self._factory.touch(order, int(at if at is not None else self.clock()))
            self._save(order)
            return order

    def await_payment(self, order_id: int, *, at: float | None = None) -> Json:
        """Set an order to awaiting payment (a bank transfer not yet received): Shopify's
        ``pending``, WooCommerce's ``on-hold`` without ``date_paid``."""
        with self._lock, self.data.write_lock:
            order = self._order(order_id)
            order["financial_status"] = "pending"
            self._factory.touch(order, int(at if at is not None else self.clock()))
            self._save(order)
            return order

    def delete_order(self, order_id: int, *, at: float | None = None) -> None:
        """Delete an order: it leaves every listing and an ``Order/destroy`` event records it."""
        with self._lock, self.data.write_lock:
            order = self._order(order_id)
            moment = int(at if at is not None else self.clock())
            event_id = self._factory.next_id("event")
            event = deletion_event(event_id, order_id, order["name"], self._render_time(moment))
            conn = self.data.connect()
            conn.execute("BEGIN IMMEDIATE")
            self.data.delete_order(order_id)
            self.data.save(
                "events",
                ("id", "created_at", "subject_id", "subject_type", "verb", "json"),
                [(event_id, moment, order_id, "Order", "destroy", orjson.dumps(event).decode())],
            )
            self.data.set_meta("ids", self._factory.ids)
            conn.execute("COMMIT")

    def trash_order(self, order_id: int, *, at: float | None = None) -> None:
        """Move an order to WooCommerce's trash: it leaves every listing but ``status=trash``
        (and the Shopify face, as a delete that records no event)."""
        with self._lock, self.data.write_lock:
            order = self._order(order_id)
            moment = int(at if at is not None else self.clock())
            self._factory.touch(order, moment)
            created = self._factory.clock.epoch(order["created_at"])
            conn = self.data.connect()
            conn.execute("BEGIN IMMEDIATE")
            self.data.delete_order(order_id)
            self.data.save(
                "trash",
                ("id", "created_at", "trashed_at", "json"),
                [(order_id, created, moment, orjson.dumps(order).decode())],
            )
            conn.execute("COMMIT")

    def touch_some_order(self, params: Params) -> int | None:
        """Bump one order of a listing's range, as a merchant editing it mid-sync would."""
        query = self.query("orders", {k: v for k, v in params.items() if k != "limit"})
        rows = self.data.page(query, None, 500)
        if not rows:
            return None
        order_id = random.Random(len(self.touched)).choice(rows)[1]
        self.edit_order(order_id, note="edited while a client was paging")
        self.touched.append(order_id)
        return order_id

    def _order(self, order_id: int) -> Json:
        order = self.data.order(order_id)
        if order is None:
            raise ApiError(404, "Not Found")
        return order

    def _save(self, order: Json) -> None:
        conn = self.data.connect()
        conn.execute("BEGIN IMMEDIATE")
        self.data.save_orders([order_row(order, self._factory.clock.epoch)])
        self.data.set_meta("ids", self._factory.ids)
        conn.execute("COMMIT")
