"""Build Shopify REST order JSON the way the platform shapes it, and keep its totals consistent.

Money is handled in integer minor units and rendered as strings; refund line subtotals are JSON
numbers, as on the real API. Timestamps render in the shop's UTC offset.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.money import currency_exponent

Json = dict[str, Any]


class Money:
    """Render and read amounts of one currency."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.exponent = currency_exponent(currency)
        self._unit = 10**self.exponent
        self._texts: dict[int, str] = {}

    def text(self, minor: int) -> str:
        text = self._texts.get(minor)
        if text is None:
            text = self._texts[minor] = self._render(minor)
        return text

    def _render(self, minor: int) -> str:
        if self.exponent == 0:
            return str(minor)
        sign = "-" if minor < 0 else ""
        whole, frac = divmod(abs(minor), self._unit)
        return f"{sign}{whole}.{frac:0{self.exponent}d}"

    def number(self, minor: int) -> float:
        return float(Decimal(minor).scaleb(-self.exponent))

    def minor(self, text: object) -> int:
        return int(Decimal(str(text)).scaleb(self.exponent))

    def set(self, minor: int) -> Json:
        amount = {"amount": self.text(minor), "currency_code": self.currency}
        # The shop sells in one currency, so both sides are the same (and may share one dict).
        return {"shop_money": amount, "presentment_money": amount}

    def share(self, total: int, weights: list[int]) -> list[int]:
        """Split ``total`` in proportion to ``weights``; the last part takes the rounding."""
        whole = sum(weights) or 1
        parts = [total * w // whole for w in weights[:-1]]
        return [*parts, total - sum(parts)]


class Clock:
    """Render UTC epoch seconds as the shop's local ISO timestamps."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def text(self, epoch: int) -> str:
        return datetime.fromtimestamp(epoch, self.zone).isoformat()

    def epoch(self, text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp())


@dataclass(slots=True)
class Basket:
    """What a customer bought, before it becomes an order."""

    #: (variant JSON, product JSON, quantity)
    items: list[tuple[Json, Json, int]]
    channel: str
    customer: Json | None
    discount_code: str | None = None
    discount_pct: int = 0
    free_shipping: bool = False
    tax_rate_bp: int = 0  # basis points: 887 = 8.87 %
    province: str = "NY"
    location_id: int | None = None


CHANNEL_APP_IDS = {
    "web": 580111,
    "pos": 129785,
    "iphone": 1354745,
    "android": 1354745,
    "shopify_draft_order": 1150484,
}


class OrderFactory:
    """Make orders, fulfilments, refunds and cancellations for one shop."""

    def __init__(self, currency: str, timezone: str, ids: dict[str, int], rng: random.Random):
        self.money = Money(currency)
        self.clock = Clock(timezone)
        self.ids = ids
        self.rng = rng

    def token(self, bits: int) -> str:
        """A random hex token from the seeded generator, so the same seed gives the same shop."""
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def next_id(self, kind: str) -> int:
        self.ids[kind] += self.rng.randint(1, 9)
        return self.ids[kind]

    # --- creation -------------------------------------------------------------------------------

    def order(self, basket: Basket, created: int) -> Json:
        m = self.money
        lines = [self._line(v, p, q) for v, p, q in basket.items]
        gross = [line["_gross"] for line in lines]
        items_total = sum(gross)
        discount = items_total * basket.discount_pct // 100
        for line, share in zip(lines, m.share(discount, gross), strict=True):
            self._allocate_discount(line, share)
        subtotal = items_total - discount
        shipping = self._shipping(basket, subtotal)
        for line in lines:
            self._tax_line(line, basket.tax_rate_bp)
        tax = sum(line.pop("_tax") for line in lines)
        for line in lines:
            line.pop("_gross")
        number = self.next_id("order_number")
        order_id = self.next_id("order")
        created_text = self.clock.text(created)
        customer = basket.customer
        address = self._address(customer, basket.province)
        order: Json = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "app_id": CHANNEL_APP_IDS.get(basket.channel),
            "browser_ip": None,
            "buyer_accepts_marketing": bool(customer and customer.get("_marketing")),
            "cancel_reason": None,
            "cancelled_at": None,
            "cart_token": None if basket.channel == "pos" else self.token(128),
            "checkout_id": self.next_id("checkout"),
            "checkout_token": self.token(128),
            "client_details": None,
            "closed_at": None,
            "confirmation_number": self.token(40).upper(),
            "confirmed": True,
            "contact_email": customer["email"] if customer else None,
            "created_at": created_text,
            "currency": m.currency,
            "customer_locale": "en-US",
            "device_id": None,
            "discount_applications": self._applications(basket),
            "discount_codes": (
                [
                    {
                        "code": basket.discount_code,
                        "amount": m.text(discount),
                        "type": "free_shipping" if basket.free_shipping else "percentage",
                    }
                ]
                if basket.discount_code
                else []
            ),
            "email": customer["email"] if customer else "",
            "estimated_taxes": False,
            "financial_status": "paid",
            "fulfillment_status": None,
            "landing_site": "/" if basket.channel == "web" else None,
            "landing_site_ref": None,
            "location_id": basket.location_id,
            "merchant_of_record_app_id": None,
            "name": f"#{number}",
            "note": None,
            "note_attributes": [],
            "number": number - 1000,
            "order_number": number,
            "order_status_url": f"https://demo.example/orders/{self.token(128)}/authenticate",
            "original_total_additional_fees_set": None,
            "original_total_duties_set": None,
            "payment_gateway_names": ["shopify_payments"],
            "phone": None,
            "po_number": None,
            "presentment_currency": m.currency,
            "processed_at": created_text,
            "reference": None,
            "referring_site": None,
            "source_identifier": None,
            "source_name": basket.channel,
            "source_url": None,
            "subtotal_price": m.text(subtotal),
            "subtotal_price_set": m.set(subtotal),
            "tags": "",
            "tax_exempt": False,
            "tax_lines": self._order_tax_lines(tax, basket.tax_rate_bp),
            "taxes_included": False,
            "test": False,
            "token": self.token(128),
            "total_discounts": m.text(discount),
            "total_discounts_set": m.set(discount),
            "total_line_items_price": m.text(items_total),
            "total_line_items_price_set": m.set(items_total),
            "total_outstanding": m.text(0),
            "total_price": m.text(subtotal + shipping + tax),
            "total_price_set": m.set(subtotal + shipping + tax),
            "total_shipping_price_set": m.set(shipping),
            "total_tax": m.text(tax),
            "total_tax_set": m.set(tax),
            "total_tip_received": m.text(0),
            "total_weight": sum(line["grams"] * line["quantity"] for line in lines),
            "updated_at": created_text,
            "user_id": None,
            "billing_address": address,
            "customer": self._customer_ref(customer),
            "fulfillments": [],
            "line_items": lines,
            "payment_terms": None,
            "refunds": [],
            "shipping_address": None if basket.channel == "pos" else address,
            "shipping_lines": self._shipping_lines(basket, shipping),
        }
        return self.finalize(order)

    def _line(self, variant: Json, product: Json, quantity: int) -> Json:
        m = self.money
        line_id = self.next_id("line")
        price = m.minor(variant["price"])
        return {
            "id": line_id,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
            "current_quantity": quantity,
            "fulfillable_quantity": quantity,
            "fulfillment_service": "manual",
            "fulfillment_status": None,
            "gift_card": False,
            "grams": variant.get("grams", 300),
            "name": f"{product['title']} - {variant['title']}",
            "price": variant["price"],
            "price_set": m.set(price),
            "product_exists": True,
            "product_id": product["id"],
            "properties": [],
            "quantity": quantity,
            "requires_shipping": True,
            "sku": variant["sku"],
            "taxable": True,
            "title": product["title"],
            "total_discount": m.text(0),
            "total_discount_set": m.set(0),
            "variant_id": variant["id"],
            "variant_inventory_management": "shopify",
            "variant_title": variant["title"],
            "vendor": product["vendor"],
            "tax_lines": [],
            "duties": [],
            "discount_allocations": [],
            "_gross": price * quantity,
        }

    def _allocate_discount(self, line: Json, amount: int) -> None:
        if amount:
            line["discount_allocations"] = [
                {
                    "amount": self.money.text(amount),
                    "amount_set": self.money.set(amount),
                    "discount_application_index": 0,
                }
            ]
        line["_net"] = line["_gross"] - amount

    def _tax_line(self, line: Json, rate_bp: int) -> None:
        tax = (line.pop("_net") * rate_bp + 5000) // 10000
        line["_tax"] = tax
        if rate_bp:
            line["tax_lines"] = [
                {
                    "channel_liable": False,
                    "price": self.money.text(tax),
                    "price_set": self.money.set(tax),
                    "rate": rate_bp / 10000,
                    "title": "Sales Tax",
                }
            ]

    def _order_tax_lines(self, tax: int, rate_bp: int) -> list[Json]:
        if not rate_bp:
            return []
        return [
            {
                "price": self.money.text(tax),
                "rate": rate_bp / 10000,
                "title": "Sales Tax",
                "price_set": self.money.set(tax),
                "channel_liable": False,
            }
        ]

    def _shipping(self, basket: Basket, subtotal: int) -> int:
        if basket.channel == "pos" or basket.free_shipping:
            return 0
        if basket.channel == "shopify_draft_order":
            return 12 * 10**self.money.exponent
        free_above = 75 * 10**self.money.exponent
        return 0 if subtotal >= free_above else 695 * 10**self.money.exponent // 100

    def _shipping_lines(self, basket: Basket, shipping: int) -> list[Json]:
        if basket.channel == "pos":
            return []
        title = "Standard Shipping" if shipping else "Free Shipping"
        return [
            {
                "id": self.next_id("shipping_line"),
                "carrier_identifier": None,
                "code": title,
                "discounted_price": self.money.text(shipping),
                "discounted_price_set": self.money.set(shipping),
                "phone": None,
                "price": self.money.text(shipping),
                "price_set": self.money.set(shipping),
                "requested_fulfillment_service_id": None,
                "source": "shopify",
                "title": title,
                "tax_lines": [],
                "discount_allocations": [],
            }
        ]

    def _applications(self, basket: Basket) -> list[Json]:
        if not basket.discount_code:
            return []
        return [
            {
                "target_type": "shipping_line" if basket.free_shipping else "line_item",
                "type": "discount_code",
                "value": "100.0" if basket.free_shipping else f"{basket.discount_pct}.0",
                "value_type": "percentage",
                "allocation_method": "across",
                "target_selection": "all",
                "code": basket.discount_code,
            }
        ]

    def _address(self, customer: Json | None, province: str) -> Json | None:
        if customer is None:
            return None
        address = customer.get("default_address") or {}
        return {
            "first_name": customer["first_name"],
            "last_name": customer["last_name"],
            "name": f"{customer['first_name']} {customer['last_name']}",
            "address1": address.get("address1"),
            "address2": "",
            "city": address.get("city"),
            "zip": address.get("zip"),
            "province": address.get("province"),
            "province_code": address.get("province_code", province),
            "country": address.get("country"),
            "country_code": address.get("country_code"),
            "company": None,
            "phone": None,
            "latitude": None,
            "longitude": None,
        }

    @staticmethod
    def _customer_ref(customer: Json | None) -> Json | None:
        if customer is None:
            return None
        return {k: v for k, v in customer.items() if not k.startswith("_")}

    # --- later events ---------------------------------------------------------------------------

    def fulfill(self, order: Json, at: int, location_id: int) -> None:
        fulfillment_id = self.next_id("fulfillment")
        at_text = self.clock.text(at)
        items = [{"id": line["id"], "quantity": line["quantity"]} for line in order["line_items"]]
        order["fulfillments"].append(
            {
                "id": fulfillment_id,
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                "created_at": at_text,
                "location_id": location_id,
                "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
                "order_id": order["id"],
                "service": "manual",
                "shipment_status": None,
                "status": "success",
                "tracking_company": "UPS",
                "tracking_number": f"1Z{fulfillment_id % 10**10:010d}",
                "updated_at": at_text,
                "line_items": items,
            }
        )
        for line in order["line_items"]:
            line["fulfillment_status"] = "fulfilled"
            line["fulfillable_quantity"] = 0
        order["fulfillment_status"] = "fulfilled"
        self.touch(order, at)

    def close(self, order: Json, at: int) -> None:
        order["closed_at"] = self.clock.text(at)
        self.touch(order, at)

    def refund(
        self,
        order: Json,
        at: int,
        quantities: dict[int, int],
        *,
        shipping: bool = False,
        restock: bool = True,
        note: str | None = None,
    ) -> Json:
        """Refund ``quantities`` (line id → units) and optionally the shipping, at ``at``."""
        m = self.money
        refund_id = self.next_id("refund")
        at_text = self.clock.text(at)
        refund_lines: list[Json] = []
        amount = 0
        for line in order["line_items"]:
            quantity = quantities.get(line["id"], 0)
            if not quantity:
                continue
            gross = m.minor(line["price"]) * line["quantity"]
            allocated = sum(m.minor(a["amount"]) for a in line["discount_allocations"])
            tax = sum(m.minor(t["price"]) for t in line["tax_lines"])
            subtotal = (gross - allocated) * quantity // line["quantity"]
            line_tax = tax * quantity // line["quantity"]
            amount += subtotal + line_tax
            refund_line_id = self.next_id("refund_line")
            refund_lines.append(
                {
                    "id": refund_line_id,
                    "line_item_id": line["id"],
                    "location_id": None,
                    "quantity": quantity,
                    "restock_type": "return" if restock else "no_restock",
                    "subtotal": m.number(subtotal),
                    "subtotal_set": m.set(subtotal),
                    "total_tax": m.number(line_tax),
                    "total_tax_set": m.set(line_tax),
                    "line_item": {k: v for k, v in line.items() if k != "tax_lines"},
                }
            )
            line["current_quantity"] = max(0, line["current_quantity"] - quantity)
        adjustments: list[Json] = []
        if shipping:
            shipping_minor = m.minor(order["total_shipping_price_set"]["shop_money"]["amount"])
            if shipping_minor:
                amount += shipping_minor
                adjustments.append(
                    {
                        "id": self.next_id("adjustment"),
                        "amount": m.text(-shipping_minor),
                        "amount_set": m.set(-shipping_minor),
                        "kind": "shipping_refund",
                        "order_id": order["id"],
                        "reason": "Shipping refund",
                        "refund_id": refund_id,
                        "tax_amount": m.text(0),
                        "tax_amount_set": m.set(0),
                    }
                )
        transaction_id = self.next_id("transaction")
        refund = {
            "id": refund_id,
            "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
            "created_at": at_text,
            "note": note,
            "order_id": order["id"],
            "processed_at": at_text,
            "restock": restock,
            "total_additional_fees_set": m.set(0),
            "total_duties_set": m.set(0),
            "user_id": None,
            "order_adjustments": adjustments,
            "transactions": [
                {
                    "id": transaction_id,
                    "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{transaction_id}",
                    "amount": m.text(amount),
                    "authorization": None,
                    "created_at": at_text,
                    "currency": m.currency,
                    "device_id": None,
                    "error_code": None,
                    "gateway": "shopify_payments",
                    "kind": "refund",
                    "location_id": None,
                    "message": "Refunded",
                    "order_id": order["id"],
                    "parent_id": None,
                    "processed_at": at_text,
                    "status": "success",
                    "test": False,
                    "user_id": None,
                }
            ],
            "refund_line_items": refund_lines,
            "duties": [],
            "additional_fees": [],
        }
        order["refunds"].append(refund)
        self.touch(order, at)
        return self.finalize(order)

    def refund_everything(self, order: Json, at: int, note: str | None = None) -> Json:
        remaining = {line["id"]: line["current_quantity"] for line in order["line_items"]}
        return self.refund(order, at, remaining, shipping=True, note=note)

    def cancel(self, order: Json, at: int, reason: str, *, refund: bool) -> None:
        if refund:
            self.refund_everything(order, at, note="Order canceled")
        else:
            order["financial_status"] = "voided"
            for line in order["line_items"]:
                line["current_quantity"] = 0
        order["cancelled_at"] = order["closed_at"] = self.clock.text(at)
        order["cancel_reason"] = reason
        self.touch(order, at)
        self.finalize(order)

    def touch(self, order: Json, at: int) -> None:
        if self.clock.epoch(order["updated_at"]) < at:
            order["updated_at"] = self.clock.text(at)

    def finalize(self, order: Json) -> Json:
        """Recompute the ``current_*`` totals and the financial status from lines and refunds."""
        m = self.money
        refunded_sub = refunded_tax = refunded_total = 0
        for refund in order["refunds"]:
            for line in refund["refund_line_items"]:
                refunded_sub += m.minor(line["subtotal_set"]["shop_money"]["amount"])
                refunded_tax += m.minor(line["total_tax_set"]["shop_money"]["amount"])
            refunded_total += sum(m.minor(t["amount"]) for t in refund["transactions"])
        subtotal = m.minor(order["subtotal_price"])
        tax = m.minor(order["total_tax"])
        total = m.minor(order["total_price"])
        discounts = m.minor(order["total_discounts"])
        current_discounts = min(
            discounts,
            sum(
                sum(m.minor(a["amount"]) for a in line["discount_allocations"])
                * line["current_quantity"]
                // max(1, line["quantity"])
                for line in order["line_items"]
            ),
        )
        for key, value in (
            ("current_subtotal_price", subtotal - refunded_sub),
            ("current_total_tax", tax - refunded_tax),
            ("current_total_price", total - refunded_total),
            ("current_total_discounts", current_discounts),
        ):
            order[key] = m.text(value)
            order[f"{key}_set"] = m.set(value)
        order["current_total_additional_fees_set"] = None
        order["current_total_duties_set"] = None
        if order["financial_status"] != "voided" and order["refunds"]:
            order["financial_status"] = (
                "refunded" if refunded_total >= total else "partially_refunded"
            )
        return order
