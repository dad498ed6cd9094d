"""A sandbox shop's records as WooCommerce REST v3 shapes them.

The sandbox keeps one history (Shopify-shaped JSON); the WooCommerce face renders it the way a
WooCommerce site would: naive ``date_*`` times in the site's zone beside naive ``date_*_gmt``
ones, money as 2-decimal strings but a line's ``price`` as a JSON number, ``customer_id`` 0 for a
guest, refunds listed on the order as negative totals, and a product with one variant as a
simple product (its variants otherwise become variations).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.attribution import from_landing
from connectors.sandbox.amounts import Json
from connectors.sandbox.attribution import ONLINE

#: Shopify ``source_name`` → WooCommerce ``created_via``.
CREATED_VIA = {"pos": "pos", "shopify_draft_order": "admin"}
#: The site's home, which WooCommerce's order attribution writes landing pages under.
HOME = "https://demo.example"
#: A visit's marketing channel → the ``source_type`` WooCommerce's attribution records.
SOURCE_TYPES = {"direct": "typein", "organic": "organic", "referral": "referral"}


class WooRenderer:
    """Render one shop's records for its WooCommerce face."""

    def __init__(self, zone: ZoneInfo, simple: set[int]) -> None:
        self.zone = zone
        #: The products with one variant, which WooCommerce shows as simple products.
        self.simple = simple

    # --- times and money ------------------------------------------------------------------------

    def dates(self, name: str, text: str | None) -> Json:
        """``date_<name>`` (site time) and ``date_<name>_gmt``, both naive, from ISO text."""
        if text is None:
            return {f"date_{name}": None, f"date_{name}_gmt": None}
        moment = datetime.fromisoformat(text)
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        gmt = moment.astimezone(UTC).replace(tzinfo=None)
        return {
            f"date_{name}": local.isoformat(timespec="seconds"),
            f"date_{name}_gmt": gmt.isoformat(timespec="seconds"),
        }

    # --- orders ---------------------------------------------------------------------------------

    def order(self, o: Json, status: str) -> Json:
        customer = o.get("customer") or {}
        address = o.get("billing_address") or {}
        fulfilled = [f["created_at"] for f in o["fulfillments"] if f.get("status") == "success"]
        unpaid = o["financial_status"] in ("voided", "pending", "authorized")
        paid = None if unpaid else o["processed_at"]
        return {
            "id": o["id"],
            "parent_id": 0,
            "number": str(o["order_number"]),
            "order_key": f"wc_order_{o['token'][:13]}",
            "created_via": CREATED_VIA.get(o["source_name"], "checkout"),
            "version": "9.4.0",
            "status": status,
            "currency": o["currency"],
            **self.dates("created", o["created_at"]),
            **self.dates("modified", o["updated_at"]),
            "discount_total": o["total_discounts"],
            "discount_tax": "0.00",
            "shipping_total": o["total_shipping_price_set"]["shop_money"]["amount"],
            "shipping_tax": "0.00",
            "cart_tax": o["total_tax"],
            "total": o["total_price"],
            "total_tax": o["total_tax"],
            "prices_include_tax": False,
            "customer_id": customer.get("id") or 0,
            "customer_ip_address": "203.0.113.7" if customer else "",
            "customer_user_agent": "Mozilla/5.0",
            "customer_note": o.get("note") or "",
            "billing": _address(customer, address),
            "shipping": _address(customer, o.get("shipping_address") or {}),
            "payment_method": "stripe",
            "payment_method_title": "Credit card",
            "transaction_id": "",
            **self.dates("paid", paid),
            **self.dates("completed", min(fulfilled) if status == "completed" else None),
            "cart_hash": "",
            "meta_data": attribution_meta(o),
            "line_items": [self._line(line) for line in o["line_items"]],
            "tax_lines": [],
            "shipping_lines": [
                {
                    "id": s["id"],
                    "method_title": s["title"],
                    "method_id": "flat_rate",
                    "total": s["price"],
                    "total_tax": "0.00",
                    "taxes": [],
                    "meta_data": [],
                }
                for s in o["shipping_lines"]
            ],
            "fee_lines": [],
            "coupon_lines": [
                {"id": index + 1, "code": c["code"], "discount": c["amount"], "meta_data": []}
                for index, c in enumerate(o["discount_codes"])
            ],
            "refunds": [
                {"id": r["id"], "refund": r.get("note") or "", "total": f"-{_refunded(r)}"}
                for r in o["refunds"]
            ],
            "_links": {"self": [{"href": f"/wp-json/wc/v3/orders/{o['id']}"}]},
        }

    def refund(self, order: Json, r: Json) -> Json:
        lines = {line["id"]: line for line in order["line_items"]}
        return {
            "id": r["id"],
            **self.dates("created", r["created_at"]),
            "amount": _refunded(r),
            "reason": r.get("note") or "",
            "refunded_by": 1,
            "refunded_payment": True,
            "meta_data": [],
            "line_items": [
                self._refund_line(item, lines[item["line_item_id"]])
                for item in r["refund_line_items"]
            ],
        }

    # --- customers and catalogue ----------------------------------------------------------------

    def customer(self, c: Json) -> Json:
        address = c.get("default_address") or {}
        return {
            "id": c["id"],
            **self.dates("created", c["created_at"]),
            **self.dates("modified", c["updated_at"]),
            "email": c.get("email"),
            "first_name": c.get("first_name"),
            "last_name": c.get("last_name"),
            "role": "customer",
            "username": (c.get("email") or "").split("@")[0],
            "billing": _address(c, address),
            "shipping": _address(c, address),
            "is_paying_customer": bool(c.get("orders_count")),
            "avatar_url": "https://secure.gravatar.com/avatar/0?s=96&d=mm",
            "meta_data": [],
        }

    def product(self, product: Json, stock: dict[int, int]) -> Json:
        variants = product["variants"]
        simple = len(variants) == 1
        first = variants[0]
        return {
            "id": product["id"],
            "name": product["title"],
            "slug": product["handle"],
            "type": "simple" if simple else "variable",
            "status": "publish" if product.get("status") == "active" else "draft",
            **self.dates("created", product["created_at"]),
            **self.dates("modified", product["updated_at"]),
            "sku": first["sku"] if simple else "",
            "price": first["price"],
            "regular_price": first["price"] if simple else "",
            "manage_stock": simple,
            "stock_quantity": stock.get(first["inventory_item_id"]) if simple else None,
            "stock_status": "instock",
            "categories": [{"id": 15, "name": product["product_type"], "slug": "c"}],
            "tags": [],
            "variations": [] if simple else [v["id"] for v in variants],
        }

    def variation(self, product: Json, v: Json, stock: dict[int, int]) -> Json:
        return {
            "id": v["id"],
            **self.dates("created", v.get("created_at") or product["created_at"]),
            **self.dates("modified", v.get("updated_at") or product["updated_at"]),
            "sku": v["sku"],
            "price": v["price"],
            "regular_price": v["price"],
            "manage_stock": True,
            "stock_quantity": stock.get(v["inventory_item_id"], 0),
            "attributes": [{"id": 1, "name": "Option", "option": v["title"]}],
        }

    def _line(self, line: Json) -> Json:
        gross = Decimal(line["price"]) * line["quantity"]
        discount = sum((Decimal(a["amount"]) for a in line["discount_allocations"]), Decimal(0))
        tax = sum((Decimal(t["price"]) for t in line["tax_lines"]), Decimal(0))
        return {
            "id": line["id"],
            "name": line["name"],
            "product_id": line["product_id"],
            "variation_id": 0 if line["product_id"] in self.simple else line["variant_id"],
            "quantity": line["quantity"],
            "tax_class": "",
            "subtotal": f"{gross:.2f}",
            "subtotal_tax": f"{tax:.2f}",
            "total": f"{gross - discount:.2f}",
            "total_tax": f"{tax:.2f}",
            "taxes": [],
            "meta_data": [],
            "sku": line["sku"],
            "price": float(line["price"]),  # a number, unlike every other amount
        }

    def _refund_line(self, item: Json, line: Json) -> Json:
        subtotal = item["subtotal_set"]["shop_money"]["amount"]
        tax = item["total_tax_set"]["shop_money"]["amount"]
        rendered = self._line(line)
        return {
            "id": item["id"],
            "name": line["name"],
            "product_id": line["product_id"],
            "variation_id": rendered["variation_id"],
            "quantity": -item["quantity"],
            "subtotal": f"-{subtotal}",
            "subtotal_tax": f"-{tax}",
            "total": f"-{subtotal}",
            "total_tax": f"-{tax}",
            "meta_data": [
                {"id": item["id"] + 1, "key": "_refunded_item_id", "value": str(line["id"])}
            ],
            "sku": line["sku"],
            "price": -float(line["price"]),
        }


def _refunded(refund: Json) -> str:
    total = sum((Decimal(t["amount"]) for t in refund["transactions"]), Decimal(0))
    return f"{total:.2f}"


def _address(person: Json, address: Json) -> Json:
    return {
        "first_name": person.get("first_name") or "",
        "last_name": person.get("last_name") or "",
        "company": "",
        "address_1": address.get("address1") or "",
        "address_2": "",
        "city": address.get("city") or "",
        "state": address.get("province_code") or "",
        "postcode": address.get("zip") or "",
        "country": address.get("country_code") or "",
        "email": person.get("email") or "",
        "phone": "",
    }


def with_fields(record: Json, fields: str | None) -> Any:
    """Keep only the ``_fields`` asked for (comma-separated top-level keys)."""
    if not fields:
        return record
    wanted = {f.strip() for f in fields.split(",")}
    return {k: v for k, v in record.items() if k in wanted}


def attribution_meta(o: Json) -> list[Json]:
    """WooCommerce's order attribution meta (8.5+) for an order placed on a visit, as its
    sourcebuster script records one: ``(direct)``/``(none)`` for a typed-in visit, the
    referrer's host and ``organic``/``referral`` for an untagged one."""
    if o["source_name"] not in ONLINE:
        return []  # entered in the shop, not on the site: WooCommerce records no source
    landing, referrer = o.get("landing_site") or "/", o.get("referring_site")
    found = from_landing(landing, referrer)
    source_type = SOURCE_TYPES.get(found.marketing_channel, "utm")
    host = (referrer or "").split("/")[2] if referrer else None
    fields = {
        "source_type": source_type,
        "referrer": referrer,
        "utm_source": found.utm_source or (host if referrer else "(direct)"),
        "utm_medium": found.utm_medium or (source_type if referrer else "(none)"),
        "utm_campaign": found.utm_campaign,
        "session_entry": HOME + landing,
        "session_pages": "3",
        "session_count": "1",
        "device_type": "Mobile" if o["source_name"] != "web" else "Desktop",
    }
    return [
        {"id": 9_000_000 + index, "key": f"_wc_order_attribution_{key}", "value": value}
        for index, (key, value) in enumerate(fields.items())
        if value is not None
    ]
