"""The local store's orders carry marketing sources that agree with its traffic and with the
demo's ad campaigns, read alike through its Shopify and WooCommerce faces."""

from __future__ import annotations

from collections import Counter
from datetime import date

import msgspec
import orjson
import pytest

from connectors.base import Order
from connectors.sandbox import StoreSpec, prepare_shop_file
from connectors.sandbox.attribution import SEARCH_CAMPAIGNS, SOCIAL_CAMPAIGNS
from connectors.sandbox.db import ShopData
from connectors.sandbox.woo_json import attribution_meta
from connectors.shopify.parse import ORDERS
from connectors.woocommerce import payloads as woo
from connectors.woocommerce.parse import attribution as woo_attribution

SPEC = StoreSpec(seed=11, days=20, orders_per_day=40, end_date=date(2026, 6, 30))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ShopData:
    return ShopData(prepare_shop_file(SPEC, tmp_path_factory.mktemp("attribution")))


@pytest.fixture(scope="module")
def orders(shop: ShopData) -> list[tuple[dict[str, object], Order]]:
    raw = [orjson.loads(text) for text in shop.json_rows("orders")]
    page = ORDERS.read(orjson.dumps({"orders": raw}))
    assert page.rejected == []
    return list(zip(raw, page.records, strict=True))


def test_paid_orders_follow_the_days_paid_search_purchases(
    shop: ShopData, orders: list[tuple[dict[str, object], Order]]
) -> None:
    purchases = {
        (day, channel): bought
        for day, channel, *_, bought in shop.connect().execute("SELECT * FROM traffic")
    }
    google: Counter[str] = Counter()
    for raw, order in orders:
        if order.attribution and order.attribution.marketing_channel == "google_ads":
            google[str(raw["processed_at"])[:10]] += 1  # the shop's local day
    assert sum(google.values()) > 0.12 * len(orders)
    for day, count in google.items():  # an order deleted later leaves its purchase behind
        assert count <= purchases[(day, "Paid Search")], day


def test_sources_name_the_demo_campaigns_and_keep_no_click_id_value(
    orders: list[tuple[dict[str, object], Order]],
) -> None:
    channels = Counter(o.attribution.marketing_channel for _, o in orders if o.attribution)
    assert {"google_ads", "meta", "email", "organic", "referral", "direct"} <= channels.keys()
    campaigns = {
        (o.attribution.marketing_channel, o.attribution.utm_campaign)
        for _, o in orders
        if o.attribution and o.attribution.marketing_channel in ("google_ads", "meta")
    }
    assert campaigns == {("google_ads", name) for name, _ in SEARCH_CAMPAIGNS} | {
        ("meta", name) for name, _ in SOCIAL_CAMPAIGNS
    }
    assert all(o.attribution is None for _, o in orders if o.source_name == "pos")


def test_the_woocommerce_face_records_the_same_source(
    orders: list[tuple[dict[str, object], Order]],
) -> None:
    for raw, order in orders:
        meta = msgspec.convert(attribution_meta(raw), list[woo.Meta])
        found = woo_attribution(meta)
        if order.attribution is None or order.source_name not in ("web", "iphone", "android"):
            assert found is None
            continue
        assert found is not None
        shopify = order.attribution
        assert found.marketing_channel == shopify.marketing_channel
        assert (found.utm_campaign, found.click_id) == (shopify.utm_campaign, shopify.click_id)
        if shopify.utm_source:  # untagged, WooCommerce names the referrer's host as source
            assert found.utm_source == shopify.utm_source
