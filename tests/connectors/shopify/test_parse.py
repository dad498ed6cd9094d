"""Reading Shopify's REST payloads: the docs' own order fixture, and records that do not fit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.shopify.parse import ORDERS, MalformedPage

FIXTURE = Path(__file__).parents[2] / "fixtures" / "shopify_orders_2024-10.json"


def _body(*orders: dict[str, object]) -> bytes:
    return json.dumps({"orders": list(orders)}).encode()


@pytest.fixture
def sample() -> dict[str, object]:
    return json.loads(FIXTURE.read_text())["orders"][0]


def test_the_documented_order_becomes_a_canonical_record(sample: dict[str, object]) -> None:
    page = ORDERS.read(_body(sample))
    assert page.rejected == []
    [order] = page.records
    assert order.order_id == 450789469
    assert order.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)  # -05:00 → UTC
    assert order.total_price == Decimal("598.94")
    assert order.total_discounts == Decimal("10.00")
    assert order.total_shipping == Decimal("0.00")
    assert order.customer_id == 207119551
    assert order.country_code == "US"
    assert order.source_name == "web"
    assert order.fulfilled_at is None  # its only fulfillment failed
    assert [c.code for c in order.discount_codes] == ["TENOFF"]
    # Line discounts come from discount_allocations; line taxes from tax_lines.
    assert sum(line.discount for line in order.lines) == Decimal("10.00")
    assert {line.tax for line in order.lines} == {Decimal("3.98")}
    [refund] = order.refunds
    assert refund.lines_subtotal == Decimal("391.33")  # from subtotal_set strings
    assert refund.transactions == Decimal("209.00")
    assert refund.processed_at.tzinfo is UTC


def test_refund_line_numbers_are_read_exactly(sample: dict[str, object]) -> None:
    line = sample["refunds"][0]["refund_line_items"][0]  # type: ignore[index]
    del line["subtotal_set"], line["total_tax_set"]
    line["subtotal"], line["total_tax"] = 195.66, 3.98
    [order] = ORDERS.read(_body(sample)).records
    assert order.refunds[0].lines[0].subtotal == Decimal("195.66")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("total_price", "12,50", "total_price"),
        ("created_at", "yesterday", "created_at"),
        ("created_at", "2026-01-05T10:00:00", "has no UTC offset"),
        ("id", "450789469", "id"),
        ("line_items", [{"id": 1, "quantity": -2, "price": "1.00"}], "negative quantity"),
    ],
)
def test_a_bad_record_is_set_aside_with_its_reason_and_the_rest_load(
    sample: dict[str, object], field: str, value: object, reason: str
) -> None:
    good = json.loads(json.dumps(sample))
    bad = json.loads(json.dumps(sample)) | {field: value}
    bad["id"] = bad["id"] if field == "id" else 1
    page = ORDERS.read(_body(good, bad))
    assert [o.order_id for o in page.records] == [450789469]
    [rejected] = page.rejected
    assert reason in rejected.reason
    assert rejected.payload[field] == value  # the raw record is kept whole


def test_a_page_without_its_list_is_not_a_page() -> None:
    with pytest.raises(MalformedPage, match="no 'orders' list"):
        ORDERS.read(b'{"errors": "Not Found"}')
    with pytest.raises(MalformedPage, match="not JSON"):
        ORDERS.read(b"<html>maintenance</html>")


def test_a_rejected_record_leaves_the_connector_with_its_personal_fields_redacted(
    sample: dict[str, object],
) -> None:
    bad = json.loads(json.dumps(sample)) | {"total_price": "12,50"}
    [rejected] = ORDERS.read(_body(bad)).rejected
    assert rejected.payload["email"] == "[redacted]"
    assert rejected.payload["customer"]["first_name"] == "[redacted]"
    assert rejected.payload["billing_address"]["address1"] == "[redacted]"
    assert "bob.norman@mail.example.com" not in json.dumps(rejected.payload)
    assert rejected.payload["total_price"] == "12,50"  # what the reason names stays readable


ID_LESS = b'{"orders": [{"total_price": "1.00", "note": "no id here"}]}'
KEY_IN_A_CHILD = (
    "from connectors.shopify.parse import ORDERS; "
    f"print(ORDERS.read({ID_LESS!r}).rejected[0].record_key)"
)


def test_a_record_without_an_id_gets_the_same_key_in_every_process() -> None:
    [rejected] = ORDERS.read(ID_LESS).rejected
    assert rejected.record_key.startswith("unidentified:")
    keys = {
        subprocess.run(
            [sys.executable, "-c", KEY_IN_A_CHILD],
            env=os.environ | {"PYTHONHASHSEED": seed},
            cwd=Path(__file__).parents[3],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert keys == {rejected.record_key}


def test_the_documented_orders_landing_and_referrer_make_a_referral(
    sample: dict[str, object],
) -> None:
    # The fixture lands on http://www.example.com?source=abc from http://www.otherexample.com.
    [order] = ORDERS.read(_body(sample)).records
    assert order.attribution is not None
    assert order.attribution.marketing_channel == "referral"
    assert order.attribution.utm_source is None


def test_a_paid_search_landing_gives_its_tags_and_nothing_else(
    sample: dict[str, object],
) -> None:
    sample["landing_site"] = (
        "/products/oak-cushion?utm_source=google&utm_medium=cpc"
        "&utm_campaign=Shopping+%E2%80%93+all+products&gclid=Cj0KCQiA&ref=ann%40example.com"
    )
    sample["referring_site"] = "https://www.google.com/"
    [order] = ORDERS.read(_body(sample)).records
    found = order.attribution
    assert found is not None
    assert (found.utm_source, found.utm_medium, found.utm_campaign) == (
        "google",
        "cpc",
        "Shopping – all products",
    )
    assert (found.click_id, found.marketing_channel) == ("gclid", "google_ads")
    assert "Cj0KCQiA" not in repr(found) and "example.com" not in repr(found)


@pytest.mark.parametrize("source_name", ["pos", "shopify_draft_order"])
def test_a_sale_no_visit_led_to_has_no_marketing_source(
    sample: dict[str, object], source_name: str
) -> None:
    sample["source_name"] = source_name
    [order] = ORDERS.read(_body(sample)).records
    assert order.attribution is None
