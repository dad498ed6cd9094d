"""What happens to a sandbox order after it is placed, and the totals it keeps consistent.

Fulfilments, refunds and cancellations are written as Shopify's REST order JSON shapes them; after
each, ``finalize`` recomputes the ``current_*`` totals and the financial status.
"""

from __future__ import annotations

import random

from connectors.sandbox.amounts import Clock, Json, Money


class OrderEvents:
    """Fulfil, refund and cancel one shop's orders, with ids and tokens from its seeded rng."""

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
