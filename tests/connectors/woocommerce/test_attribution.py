"""WooCommerce's order attribution (``_wc_order_attribution_*`` meta, WooCommerce 8.5+)."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from connectors.woocommerce.parse import ORDERS


def _order(meta: list[dict[str, Any]]) -> dict[str, Any]:
    """A v3 order as a site returns it, with ``meta`` as its ``meta_data``."""
    return {
        "id": 727,
        "status": "processing",
        "currency": "USD",
        "created_via": "checkout",
        "date_created_gmt": "2024-08-14T08:41:02",
        "date_modified_gmt": "2024-08-14T08:41:05",
        "date_paid_gmt": "2024-08-14T08:41:05",
        "total": "29.35",
        "total_tax": "1.35",
        "shipping_total": "10.00",
        "discount_total": "0.00",
        "customer_id": 0,
        "line_items": [
            {"id": 315, "quantity": 2, "subtotal": "18.00", "total": "18.00", "price": 9}
        ],
        "meta_data": meta,
    }


def _meta(**values: str) -> list[dict[str, Any]]:
    return [
        {"id": 4617760 + n, "key": f"_wc_order_attribution_{key}", "value": value}
        for n, (key, value) in enumerate(values.items())
    ]


def _read(order: dict[str, Any]) -> Any:
    page = ORDERS.read(orjson.dumps([order]))
    assert page.rejected == []
    [found] = page.records
    return found.attribution


def test_utm_tags_and_the_landing_pages_click_id_are_read() -> None:
    meta = _meta(
        source_type="utm",
        referrer="https://www.google.com/",
        utm_campaign="Brand search",
        utm_source="google",
        utm_medium="cpc",
        session_entry="https://shop.example/winkel/?utm_source=google&gclid=Cj0KCQ&e=a%40b.nl",
        session_start_time="2024-08-14 08:27:53",
        session_pages="25",
        session_count="1",
        user_agent="Mozilla/5.0",
        device_type="Desktop",
    )
    found = _read(_order([{"id": 1, "key": "_billing_vat", "value": ""}, *meta]))
    assert dataclasses.astuple(found) == ("google", "cpc", "Brand search", "gclid", "google_ads")
    assert "Cj0KCQ" not in repr(found) and "a%40b" not in repr(found)


@pytest.mark.parametrize(
    ("values", "channel"),
    [
        (
            {"source_type": "typein", "utm_source": "(direct)", "session_entry": "https://x/"},
            "direct",
        ),
        (
            {
                "source_type": "organic",
                "referrer": "https://www.google.com/",
                "utm_source": "google",
                "utm_medium": "organic",
            },
            "organic",
        ),
        (
            {
                "source_type": "referral",
                "referrer": "https://blog.example/",
                "utm_source": "blog.example",
                "utm_medium": "referral",
            },
            "referral",
        ),
        ({"source_type": "utm", "utm_source": "mailchimp", "utm_medium": "email"}, "email"),
        ({"source_type": "utm", "utm_source": "facebook", "utm_medium": "paid"}, "meta"),
    ],
)
def test_each_source_type_maps_to_its_channel(values: dict[str, str], channel: str) -> None:
    assert _read(_order(_meta(**values))).marketing_channel == channel


@pytest.mark.parametrize(
    "meta",
    [
        [],  # attribution off, or an order placed before WooCommerce 8.5
        _meta(source_type="admin"),  # entered in wp-admin
        _meta(source_type="mobile_app"),
    ],
)
def test_an_order_without_a_visit_has_no_marketing_source(meta: list[dict[str, Any]]) -> None:
    assert _read(_order(meta)) is None
