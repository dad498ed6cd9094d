"""Build a new Shopify REST order the way the platform shapes it, from what a customer bought.

Amounts and times are written as ``connectors.sandbox.amounts`` says; what happens to an order
later (fulfilment, refunds, cancellation) is ``connectors.sandbox.order_events``'.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.sandbox.amounts import Json
from connectors.sandbox.order_events import OrderEvents


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


class OrderFactory(OrderEvents):
    """Make one shop's orders; their fulfilments, refunds and cancellations: ``OrderEvents``."""

    def order(self, basket: Basket, created: int) -> Json:
        """Place ``basket`` at ``created`` (UTC epoch seconds) as a paid order."""
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
