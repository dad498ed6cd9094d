"""Generate a believable shop's history, day by day, straight to disk.

The model, in the order it is applied to each store-local day: a growing base rate, weekly and
yearly seasonality, holidays, promotions with discount codes and their uplift, injected
anomalies, then over-dispersed Poisson noise. Returning customers come back after a gamma-
distributed pause with a per-customer loyalty; stock sells down and is restocked after a lead
time (some suppliers are slow, so stock-outs happen); orders are fulfilled, closed, refunded days
later (bumping their ``updated_at``), cancelled or deleted. Traffic is derived from the orders.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from connectors.sandbox.attribution import ONLINE, SourceTagger
from connectors.sandbox.catalog import Calendar, make_customer, make_products
from connectors.sandbox.db import ShopData
from connectors.sandbox.orders import Basket, OrderFactory
from connectors.sandbox.spec import StoreSpec

Json = dict[str, Any]

WEEKDAY_DEMAND = (1.06, 1.02, 0.99, 0.97, 0.93, 0.90, 1.13)  # Monday first
WEEKDAY_CONVERSION = (1.04, 1.03, 1.0, 1.0, 0.97, 0.92, 1.02)
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 12, 12, 11, 10, 10, 10, 11, 13, 14, 12, 8, 4)
#: Shopify ``source_name`` values and their share of orders.
CHANNELS: dict[str, float] = {
    "web": 0.62,
    "iphone": 0.07,
    "android": 0.05,
    "pos": 0.22,
    "shopify_draft_order": 0.04,
}
TRAFFIC_CHANNELS = (
    ("Direct", 0.30, 1.2),
    ("Organic Search", 0.28, 0.9),
    ("Paid Search", 0.17, 1.1),
    ("Email", 0.08, 2.0),
    ("Organic Social", 0.12, 0.5),
    ("Referral", 0.05, 0.8),
)
BASE_CONVERSION = 0.021
#: The day's demand shock is gamma-distributed with this shape: a mean of 1 and a standard
#: deviation of 1/√shape (20 %), as over-dispersed (negative binomial) demand is.
DEMAND_SHAPE = 25
YEARLY_GROWTH = 1.4
CANCEL_REASONS = ("customer", "inventory", "fraud", "declined")
CANCEL_WEIGHTS = (0.6, 0.15, 0.15, 0.1)
BATCH = 5000
FIRST_IDS = {
    "order": 5_800_000_000_000,
    "order_number": 1000,
    "line": 14_000_000_000_000,
    "refund": 900_000_000_000,
    "refund_line": 480_000_000_000,
    "transaction": 6_700_000_000_000,
    "adjustment": 300_000_000_000,
    "fulfillment": 4_900_000_000_000,
    "checkout": 31_000_000_000_000,
    "shipping_line": 4_600_000_000_000,
    "customer": 7_200_000_000_000,
    "product": 8_100_000_000_000,
    "variant": 44_000_000_000_000,
    "inventory_item": 46_000_000_000_000,
    "location": 70_000_000_000,
    "event": 1_000_000_000_000,
}


def order_row(order: Json, epoch: Callable[[str], int]) -> tuple[Any, ...]:
    """The sandbox's ``orders`` row for an order's JSON."""
    return (
        order["id"],
        epoch(order["created_at"]),
        epoch(order["updated_at"]),
        epoch(order["processed_at"]),
        int(order["closed_at"] is not None),
        int(order["cancelled_at"] is not None),
        order["financial_status"],
        order["fulfillment_status"],
        orjson.dumps(order).decode(),
    )


@dataclass(slots=True)
class Stock:
    """A variant's stock and its pending restock."""

    on_hand: int
    daily_rate: float
    lead_days: int
    restock_day: int | None = None
    updated_at: int = 0


@dataclass(slots=True)
class Shopper:
    """What the generator remembers about a customer: when, how often, how loyal."""

    customer_id: int
    created: int
    updated: int
    orders: int
    loyalty: float
    tax_bp: int


@dataclass(slots=True)
class DayPlan:
    day: date
    index: int
    expected: float  # orders expected before anomalies
    orders: int
    promotion: Any
    #: How the day's sessions move: with the day's demand noise, and with injected anomalies
    #: except those that change only conversion.
    traffic_factor: float = 1.0
    channel_counts: dict[str, int] = field(default_factory=dict)


class Generator:
    """Write a shop described by ``spec`` into ``data``, ending at ``end`` (store-local)."""

    def __init__(self, spec: StoreSpec, end: date, cutoff: datetime) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.zone = ZoneInfo(spec.timezone)
        self.end = end
        self.start = end - timedelta(days=spec.days - 1)
        self.cutoff = int(cutoff.timestamp())
        self.ids = dict(FIRST_IDS)
        self.factory = OrderFactory(spec.currency, spec.timezone, self.ids, self.rng)
        self.calendar = Calendar.for_years(range(self.start.year, end.year + 1))
        self.calendar.add_sales(spec.sales)
        self.anomalies = spec.anomalies
        #: Only behaviour stays in memory; each customer's record goes to disk when created.
        self.shoppers: dict[int, Shopper] = {}
        self.new_customers: list[tuple[Any, ...]] = []
        self.intents: dict[int, list[int]] = {}
        self.ready: list[tuple[int, int]] = []  # (day the intent woke, customer id)
        self.pending: list[tuple[int, Json]] = []  # (order, when it can be written)
        self.sources = SourceTagger(spec.seed)

    # --- the whole run --------------------------------------------------------------------------

    def run(self, data: ShopData) -> None:
        created = self._local(self.start - timedelta(days=14), time(9))
        self.shop_created = created
        self.products = make_products(
            self.rng, self.spec.products, self.ids, self.factory.money.text
        )
        self.locations = self._locations(created)
        self.variants = [(v, p) for p in self.products for v in p["variants"]]
        self.stock = self._initial_stock()
        self.data = data
        self._recent: dict[int, Json] = {}  # today's new customers, not yet on disk
        conn = data.connect()
        conn.execute("BEGIN")
        traffic_rows: list[tuple[Any, ...]] = []
        orders_out: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for index in range(self.spec.days):
            plan = self._plan(index)
            day_orders = self._orders_for(plan)
            day_traffic = self._traffic(plan)
            traffic_rows.extend(day_traffic)
            self.sources.tag(day_orders, {row[1]: row[5] for row in day_traffic})
            for order in day_orders:
                deleted_at = self._after_sale(order)
                if deleted_at is not None:
                    events.append(self._deletion_event(order, deleted_at))
                    continue
                orders_out.append(order_row(order, self.factory.clock.epoch))
            if len(orders_out) >= BATCH:
                data.save_orders(orders_out)
                orders_out.clear()
        data.save_orders(orders_out)
        self._write_catalog(data, events, traffic_rows)
        conn.execute("COMMIT")

    # --- demand ---------------------------------------------------------------------------------

    def expected_orders(self, index: int) -> float:
        """Orders the day at ``index`` is expected to hold before anomalies and noise."""
        day = self.start + timedelta(days=index)
        growth = YEARLY_GROWTH ** (index / 365) / self._mean_growth()
        yearly = 1 + 0.10 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 330) / 365)
        promotion = self.calendar.promotions.get(day)
        return (
            self.spec.orders_per_day
            * growth
            * yearly
            * WEEKDAY_DEMAND[day.weekday()]
            * self.calendar.demand.get(day, 1.0)
            * (promotion.uplift if promotion else 1.0)
        )

    def mean_conversion(self, day: date) -> float:
        """The online conversion rate ``day`` is expected to have (before its own noise)."""
        promoted = day in self.calendar.promotions
        return BASE_CONVERSION * WEEKDAY_CONVERSION[day.weekday()] * (1.2 if promoted else 1.0)

    def _plan(self, index: int) -> DayPlan:
        day = self.start + timedelta(days=index)
        promotion = self.calendar.promotions.get(day)
        expected = self.expected_orders(index)
        factor, traffic_factor = 1.0, 1.0
        for anomaly in self.anomalies:
            change = anomaly.factor(day)
            if change is not None:
                factor *= change
                traffic_factor *= change if anomaly.moves_traffic else 1.0
        # Most of a day's swing is how many people came; the same noise moves sessions below.
        noise = self.rng.gammavariate(DEMAND_SHAPE, 1 / DEMAND_SHAPE)
        plan = DayPlan(
            day, index, expected, _poisson(self.rng, expected * factor * noise), promotion
        )
        plan.traffic_factor = traffic_factor * noise
        return plan

    def _checkout_broken(self, day: date) -> int | None:
        """When the checkout breaks on ``day`` (an epoch), if it does."""
        hours = [h for a in self.anomalies if (h := a.breaks_at(day)) is not None]
        return self._local(day, time(min(hours))) if hours else None

    def _mean_growth(self) -> float:
        days = self.spec.days
        return sum(YEARLY_GROWTH ** (i / 365) for i in range(days)) / days

    # --- orders ---------------------------------------------------------------------------------

    def _orders_for(self, plan: DayPlan) -> list[Json]:
        self._restock(plan.index)
        self._wake_intents(plan.index)
        self._weigh_variants(plan.index)
        returning_share = 0.15 + 0.25 * (1 - math.exp(-plan.index / 200))
        returning_left = min(len(self.ready), _binomial(self.rng, plan.orders, returning_share))
        day_start = self._local(plan.day, time(0))
        moments = sorted(self._moment(plan.day) for _ in range(plan.orders))
        broken = self._checkout_broken(plan.day)
        placed = [m for m in moments if m <= self.cutoff and (broken is None or m < broken)]
        # Returning shoppers are handed out first: on a day cut short (a broken checkout, the
        # run's own moment) only their share of the orders placed may return.
        returning_left = round(returning_left * len(placed) / max(len(moments), 1))
        orders = []
        for moment in placed:
            channel = self._channel(moment, day_start)
            plan.channel_counts[channel] = plan.channel_counts.get(channel, 0) + 1
            shopper = None
            if returning_left and (channel != "pos" or self.rng.random() < 0.5):
                shopper = self._returning()
                returning_left -= shopper is not None
            if shopper is None and not self._is_guest(channel):
                shopper = self._new_customer(moment)
            order = self._sell(plan, channel, shopper, moment)
            if order is not None:
                orders.append(order)
        self._save_new_customers()
        return orders

    def _sell(
        self, plan: DayPlan, channel: str, shopper: Shopper | None, moment: int
    ) -> Json | None:
        items = self._basket_items(channel, plan.index)
        if not items:
            return None
        if self.spec.bulk_share and self.rng.random() < self.spec.bulk_share:
            items = self._bulk(items)
        promotion = plan.promotion
        code, percent, free_shipping = None, 0, False
        if promotion and self.rng.random() < promotion.usage and channel != "pos":
            code, percent, free_shipping = (
                promotion.code,
                promotion.percent,
                promotion.free_shipping,
            )
        elif shopper and shopper.orders == 0 and self.rng.random() < 0.2:
            code, percent = "WELCOME10", 10
        basket = Basket(
            items=items,
            channel=channel,
            customer=self._customer_record(shopper) if shopper else None,
            discount_code=code,
            discount_pct=percent,
            free_shipping=free_shipping,
            tax_rate_bp=888 if channel == "pos" or shopper is None else shopper.tax_bp,
            location_id=self.locations[1]["id"] if channel == "pos" else None,
        )
        order = self.factory.order(basket, moment)
        if shopper is not None:
            self._remember_purchase(shopper, moment, plan.index)
        return order

    def _basket_items(self, channel: str, day_index: int) -> list[tuple[Json, Json, int]]:
        count = self.rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0]
        if channel == "shopify_draft_order":
            count += 2
        if not any(self.weights):
            return []
        items: dict[int, tuple[Json, Json, int]] = {}
        for variant, product in self.rng.choices(
            self.variants, cum_weights=self.cumulative, k=count
        ):
            quantity = self.rng.choices((1, 2, 3), weights=(85, 12, 3))[0]
            if channel == "shopify_draft_order":
                quantity *= self.rng.randint(2, 6)
            stock = self.stock[variant["id"]]
            quantity = min(
                quantity,
                stock.on_hand - sum(q for v, _, q in items.values() if v["id"] == variant["id"]),
            )
            if quantity > 0 and variant["id"] not in items:
                items[variant["id"]] = (variant, product, quantity)
        for variant, _, quantity in items.values():
            self._take_stock(variant["id"], quantity, day_index)
        return list(items.values())

    def _bulk(self, items: list[tuple[Json, Json, int]]) -> list[tuple[Json, Json, int]]:
        """The basket ordered 10–50 times over (log-uniform), filled from a wholesale allotment
        rather than the shop's retail stock, so a bulk order never empties the shelves."""
        times = round(math.exp(self.rng.uniform(math.log(10), math.log(50))))
        return [(variant, product, quantity * times) for variant, product, quantity in items]

    def _after_sale(self, order: Json) -> int | None:
        """Play out what happens to an order later; return when it is deleted, if it is."""
        rng, factory = self.rng, self.factory
        created = factory.clock.epoch(order["created_at"])
        channel = order["source_name"]
        if channel == "web" and rng.random() < 0.003:
            order["test"] = True
            order["tags"] = "test"
            if rng.random() < 0.5:
                return self._within_cutoff(created + rng.randint(3600, 5 * 86400))
        if channel == "shopify_draft_order" and rng.random() < 0.02:
            return self._within_cutoff(created + rng.randint(86400, 10 * 86400))
        if rng.random() < 0.015 and channel != "pos":
            at = created + rng.randint(600, 2 * 86400)
            if at <= self.cutoff:
                reason = rng.choices(CANCEL_REASONS, weights=CANCEL_WEIGHTS)[0]
                factory.cancel(order, at, reason, refund=reason in ("customer", "inventory"))
                self._return_stock(order)
                return None
        fulfilled = created + (0 if channel == "pos" else int(rng.uniform(0.2, 4) * 86400))
        if fulfilled <= self.cutoff:
            location = self.locations[1 if channel == "pos" else 0]["id"]
            factory.fulfill(order, fulfilled, location)
            if rng.random() < 0.8:
                factory.close(order, min(self.cutoff, fulfilled + rng.randint(60, 3600)))
        if channel != "pos" and rng.random() < 0.07:
            at = fulfilled + rng.randint(3 * 86400, 30 * 86400)
            if at <= self.cutoff:
                self._return(order, at)
        return None

    def _return(self, order: Json, at: int) -> None:
        lines = order["line_items"]
        if self.rng.random() < 0.3 or len(lines) == 1:
            quantities = {line["id"]: line["quantity"] for line in lines}
        else:
            line = self.rng.choice(lines)
            quantities = {line["id"]: line["quantity"]}
        self.factory.refund(order, at, quantities, note="Return")
        for line in lines:
            if line["id"] in quantities:
                self.stock[line["variant_id"]].on_hand += quantities[line["id"]]

    def _return_stock(self, order: Json) -> None:
        for line in order["line_items"]:
            self.stock[line["variant_id"]].on_hand += line["quantity"]

    def _within_cutoff(self, at: int) -> int | None:
        return at if at <= self.cutoff else None

    # --- customers ------------------------------------------------------------------------------

    def _new_customer(self, moment: int) -> Shopper:
        customer = make_customer(self.rng, self.ids)
        customer["currency"] = self.spec.currency
        created = moment - self.rng.randint(0, 600)
        shopper = Shopper(
            customer["id"], created, created, 0, customer["_loyalty"], customer["_tax_bp"]
        )
        self.shoppers[shopper.customer_id] = shopper
        record = customer_json(customer, self.factory.clock.text(created))
        self._recent[shopper.customer_id] = record
        self.new_customers.append(
            (shopper.customer_id, created, created, orjson.dumps(record).decode())
        )
        return shopper

    def _customer_record(self, shopper: Shopper) -> Json:
        """The customer as Shopify shows it inside an order."""
        record = self._recent.get(shopper.customer_id)
        if record is None:
            row = (
                self.data.connect()
                .execute("SELECT json FROM customers WHERE id = ?", (shopper.customer_id,))
                .fetchone()
            )
            record = orjson.loads(row[0])
        return record

    def _save_new_customers(self) -> None:
        self.data.save("customers", ("id", "created_at", "updated_at", "json"), self.new_customers)
        self.new_customers.clear()
        self._recent.clear()

    def _is_guest(self, channel: str) -> bool:
        return self.rng.random() < (0.4 if channel == "pos" else 0.04)

    def _returning(self) -> Shopper | None:
        if not self.ready:
            return None
        position = self.rng.randrange(len(self.ready))
        self.ready[position], self.ready[-1] = self.ready[-1], self.ready[position]
        return self.shoppers[self.ready.pop()[1]]

    def _remember_purchase(self, shopper: Shopper, moment: int, day_index: int) -> None:
        shopper.orders += 1
        shopper.updated = moment
        shopper.loyalty = min(0.85, shopper.loyalty * (1.3 if shopper.orders > 1 else 1.0))
        if self.rng.random() < shopper.loyalty:
            pause = max(3, int(self.rng.gammavariate(2, 25)))
            self.intents.setdefault(day_index + pause, []).append(shopper.customer_id)

    def _wake_intents(self, day_index: int) -> None:
        # Customers who meant to come back a month ago and did not have drifted away.
        self.ready = [r for r in self.ready if r[0] >= day_index - 30]
        self.ready.extend((day_index, c) for c in self.intents.pop(day_index, []))

    # --- stock ----------------------------------------------------------------------------------

    def _initial_stock(self) -> dict[int, Stock]:
        total_weight = sum(v["_weight"] for v, _ in self.variants)
        units_per_day = self.spec.orders_per_day * 1.7 * 1.2
        stock = {}
        for variant, _ in self.variants:
            rate = units_per_day * variant["_weight"] / total_weight
            lead = self.rng.randint(5, 20) * (3 if variant["_unreliable"] else 1)
            stock[variant["id"]] = Stock(int(rate * 45) + 5, rate, lead)
        return stock

    def _weigh_variants(self, day_index: int) -> None:
        """How likely each variant is to be picked today: in stock and launched, by popularity."""
        self.weights = [
            v["_weight"]
            if self.stock[v["id"]].on_hand > 0 and self._launched(p, day_index)
            else 0.0
            for v, p in self.variants
        ]
        self.cumulative = list(itertools.accumulate(self.weights))

    def _take_stock(self, variant_id: int, quantity: int, day_index: int) -> None:
        stock = self.stock[variant_id]
        stock.on_hand -= quantity
        if stock.on_hand <= 0:
            self._weigh_variants(day_index)
        if stock.restock_day is None and stock.on_hand < stock.daily_rate * 10:
            stock.restock_day = day_index + stock.lead_days

    def _restock(self, day_index: int) -> None:
        moment = self._local(self.start + timedelta(days=day_index), time(7))
        for stock in self.stock.values():
            if stock.restock_day is not None and stock.restock_day <= day_index:
                stock.on_hand += int(stock.daily_rate * 50) + 5
                stock.restock_day = None
                stock.updated_at = moment

    def _launched(self, product: Json, day_index: int) -> bool:
        return day_index >= product["_launch_share"] * self.spec.days

    # --- time -----------------------------------------------------------------------------------

    def _local(self, day: date, at: time) -> int:
        return int(datetime.combine(day, at, self.zone).timestamp())

    def _moment(self, day: date) -> int:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)))
        return int(local.replace(tzinfo=self.zone).timestamp())

    def _channel(self, moment: int, day_start: int) -> str:
        channel = self.rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        hour = (moment - day_start) // 3600
        if channel == "pos" and not 10 <= hour < 19:
            return "web"
        return channel

    # --- traffic --------------------------------------------------------------------------------

    def _traffic(self, plan: DayPlan) -> list[tuple[Any, ...]]:
        online = sum(plan.channel_counts.get(c, 0) for c in ONLINE)
        online_share = sum(CHANNELS[name] for name in ONLINE)
        steady = (
            plan.expected * plan.traffic_factor * online_share * self.rng.gammavariate(400, 1 / 400)
        )
        conversion = self.mean_conversion(plan.day) * self.rng.uniform(0.93, 1.07)
        sessions = max(1, round(steady / conversion))
        weights = [share * self.rng.uniform(0.85, 1.15) for _, share, _ in TRAFFIC_CHANNELS]
        channel_sessions = [round(sessions * w / sum(weights)) for w in weights]
        buy_weights = [
            s * lift for s, (_, _, lift) in zip(channel_sessions, TRAFFIC_CHANNELS, strict=True)
        ]
        purchases = [0] * len(TRAFFIC_CHANNELS)
        for index in self.rng.choices(range(len(TRAFFIC_CHANNELS)), weights=buy_weights, k=online):
            purchases[index] += 1
        rows = []
        for (name, _, _), visits, bought in zip(
            TRAFFIC_CHANNELS, channel_sessions, purchases, strict=True
        ):
            checkouts = max(bought, round(visits * self.rng.uniform(0.028, 0.038)))
            carts = max(checkouts, round(visits * self.rng.uniform(0.065, 0.085)))
            rows.append((plan.day.isoformat(), name, max(visits, carts), carts, checkouts, bought))
        return rows

    # --- the rest of the shop -------------------------------------------------------------------

    def _locations(self, created: int) -> list[Json]:
        text = self.factory.clock.text(created)
        locations = []
        for name, city in (("Main Warehouse", "Newark"), ("Downtown Store", "New York")):
            location_id = self.factory.next_id("location")
            locations.append(
                {
                    "id": location_id,
                    "name": name,
                    "address1": "1 Commerce Way",
                    "address2": None,
                    "city": city,
                    "zip": "10001",
                    "province": "New York",
                    "country": "US",
                    "phone": "",
                    "created_at": text,
                    "updated_at": text,
                    "country_code": "US",
                    "country_name": "United States",
                    "province_code": "NY",
                    "legacy": False,
                    "active": True,
                    "admin_graphql_api_id": f"gid://shopify/Location/{location_id}",
                    "localized_country_name": "United States",
                    "localized_province_name": "New York",
                }
            )
        return locations

    def _deletion_event(self, order: Json, at: int) -> tuple[Any, ...]:
        event_id = self.factory.next_id("event")
        event = deletion_event(event_id, order["id"], order["name"], self.factory.clock.text(at))
        return (event_id, at, order["id"], "Order", "destroy", orjson.dumps(event).decode())

    def _write_catalog(
        self, data: ShopData, events: list[tuple[Any, ...]], traffic: list[tuple[Any, ...]]
    ) -> None:
        clock = self.factory.clock
        # A customer's updated_at is their last order.
        data.connect().executemany(
            "UPDATE customers SET updated_at = ?, json = json_set(json, '$.updated_at', ?)"
            " WHERE id = ?",
            (
                (s.updated, clock.text(s.updated), s.customer_id)
                for s in self.shoppers.values()
                if s.updated != s.created
            ),
        )
        product_rows, item_rows, level_rows = [], [], []
        for product in self.products:
            created = self.shop_created + int(product["_launch_share"] * self.spec.days * 86400)
            updated = min(self.cutoff, created + self.rng.randint(0, 200) * 86400)
            for variant in product["variants"]:
                stock = self.stock[variant["id"]]
                variant["inventory_quantity"] = max(0, stock.on_hand)
                variant["created_at"] = clock.text(created)
                variant["updated_at"] = clock.text(updated)
                item_rows.append(self._inventory_item(variant, clock.text(created)))
                level_rows.extend(self._levels(variant, stock, created))
                events.append(self._product_event(product, created))
            public = {k: v for k, v in product.items() if not k.startswith("_")}
            public["variants"] = [
                {k: v for k, v in variant.items() if not k.startswith("_")}
                for variant in product["variants"]
            ]
            public |= {
                "created_at": clock.text(created),
                "updated_at": clock.text(updated),
                "published_at": clock.text(created),
            }
            product_rows.append(
                (product["id"], created, updated, "active", orjson.dumps(public).decode())
            )
        data.save("products", ("id", "created_at", "updated_at", "status", "json"), product_rows)
        data.save("inventory_items", ("id", "json"), item_rows)
        data.save(
            "locations",
            ("id", "json"),
            [(loc["id"], orjson.dumps(loc).decode()) for loc in self.locations],
        )
        data.save(
            "inventory_levels",
            ("inventory_item_id", "location_id", "available", "updated_at"),
            level_rows,
        )
        data.save(
            "events", ("id", "created_at", "subject_id", "subject_type", "verb", "json"), events
        )
        data.save(
            "traffic",
            ("day", "channel", "sessions", "add_to_carts", "checkouts", "purchases"),
            traffic,
        )
        data.set_meta("ids", self.ids)
        data.set_meta("shop", self._shop_json())

    def _inventory_item(self, variant: Json, created: str) -> tuple[int, str]:
        item = {
            "id": variant["inventory_item_id"],
            "sku": variant["sku"],
            "created_at": created,
            "updated_at": created,
            "requires_shipping": True,
            "cost": self.factory.money.text(variant["_cost"]),
            "country_code_of_origin": None,
            "province_code_of_origin": None,
            "harmonized_system_code": None,
            "tracked": True,
            "country_harmonized_system_codes": [],
            "admin_graphql_api_id": f"gid://shopify/InventoryItem/{variant['inventory_item_id']}",
        }
        return variant["inventory_item_id"], orjson.dumps(item).decode()

    def _levels(self, variant: Json, stock: Stock, created: int) -> list[tuple[Any, ...]]:
        on_hand = max(0, stock.on_hand)
        store_share = on_hand // 5
        updated = max(stock.updated_at, created)
        warehouse, shop = self.locations[0]["id"], self.locations[1]["id"]
        return [
            (variant["inventory_item_id"], warehouse, on_hand - store_share, updated),
            (variant["inventory_item_id"], shop, store_share, updated),
        ]

    def _product_event(self, product: Json, at: int) -> tuple[Any, ...]:
        event_id = self.factory.next_id("event")
        event = {
            "id": event_id,
            "subject_id": product["id"],
            "created_at": self.factory.clock.text(at),
            "subject_type": "Product",
            "verb": "create",
            "arguments": [product["title"]],
            "body": None,
            "message": f"{product['title']} was created.",
            "author": "Shopify",
            "description": f"{product['title']} was created.",
            "path": f"/admin/products/{product['id']}",
        }
        return (event_id, at, product["id"], "Product", "create", orjson.dumps(event).decode())

    def _shop_json(self) -> Json:
        created = self.factory.clock.text(self.shop_created)
        offset = datetime.now(self.zone).strftime("%z")
        return {
            "id": 548380009,
            "name": self.spec.shop_name,
            "email": "owner@demo.example",
            "domain": "demo.example",
            "province": "New York",
            "country": "US",
            "address1": "1 Commerce Way",
            "zip": "10001",
            "city": "New York",
            "source": None,
            "phone": "",
            "latitude": None,
            "longitude": None,
            "primary_locale": "en",
            "address2": None,
            "created_at": created,
            "updated_at": created,
            "country_code": "US",
            "country_name": "United States",
            "currency": self.spec.currency,
            "customer_email": "owner@demo.example",
            "timezone": f"(GMT{offset[:3]}:{offset[3:]}) {self.spec.timezone}",
            "iana_timezone": self.spec.timezone,
            "shop_owner": "Demo Owner",
            "money_format": "${{amount}}",
            "money_with_currency_format": "${{amount}} USD",
            "weight_unit": "lb",
            "province_code": "NY",
            "taxes_included": False,
            "auto_configure_tax_inclusivity": None,
            "tax_shipping": None,
            "county_taxes": True,
            "plan_display_name": "Basic",
            "plan_name": "basic",
            "has_discounts": True,
            "has_gift_cards": False,
            "myshopify_domain": "demo-outfitters.myshopify.com",
            "google_apps_domain": None,
            "google_apps_login_enabled": None,
            "money_in_emails_format": "${{amount}}",
            "money_with_currency_in_emails_format": "${{amount}} USD",
            "eligible_for_payments": True,
            "requires_extra_payments_agreement": False,
            "password_enabled": False,
            "has_storefront": True,
            "finances": True,
            "primary_location_id": self.locations[0]["id"],
            "checkout_api_supported": True,
            "multi_location_enabled": True,
            "setup_required": False,
            "pre_launch_enabled": False,
            "enabled_presentment_currencies": [self.spec.currency],
            "marketing_sms_consent_enabled_at_checkout": False,
            "transactional_sms_disabled": False,
        }


def customer_json(customer: Json, created: str) -> Json:
    """A new customer's record as the API shows it (private ``_`` keys left out)."""
    public = {k: v for k, v in customer.items() if not k.startswith("_")}
    public |= {
        "created_at": created,
        "updated_at": created,
        "email_marketing_consent": {
            "state": "subscribed" if customer["_marketing"] else "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": created,
        },
        "sms_marketing_consent": None,
    }
    return public


def deletion_event(event_id: int, order_id: int, name: str, at: str) -> Json:
    return {
        "id": event_id,
        "subject_id": order_id,
        "created_at": at,
        "subject_type": "Order",
        "verb": "destroy",
        "arguments": [name],
        "body": None,
        "message": f"Order {name} was deleted.",
        "author": "Shopify",
        "description": f"Order {name} was deleted.",
        "path": f"/admin/orders/{order_id}",
    }


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, count, product = math.exp(-lam), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n > 60:
        return max(0, min(n, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    return sum(rng.random() < p for _ in range(n))
