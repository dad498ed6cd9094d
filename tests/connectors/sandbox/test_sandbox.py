"""The local store answers as Shopify's REST Admin API does (apis.md §1 and §7).

Checked with plain HTTP and with Shopify's own Python client (ShopifyAPI), which knows nothing
of storepulse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import shopify
from shopify.api_version import ApiVersion, Release

from connectors.sandbox import Anomaly, DemoStore, StoreSpec, prepare_shop_file
from connectors.sandbox.db import ShopData
from tests.conftest import SMALL_SPEC, TOKEN

API = "/admin/api/2026-10"
AUTH = {"X-Shopify-Access-Token": TOKEN}


def get(store: DemoStore, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{store.url}{API}/{path}", params=params, headers=AUTH, timeout=10)


def test_auth_is_checked_with_shopifys_error_body(shop: DemoStore) -> None:
    response = requests.get(
        f"{shop.url}{API}/orders.json", timeout=10, headers={"X-Shopify-Access-Token": "nope"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_limit_defaults_to_50_and_caps_at_250(shop: DemoStore) -> None:
    assert len(get(shop, "orders.json", status="any").json()["orders"]) == 50
    assert len(get(shop, "orders.json", status="any", limit=250).json()["orders"]) == 250
    too_many = get(shop, "orders.json", limit=251)
    assert too_many.status_code == 400
    assert "limit" in too_many.json()["errors"]


def test_status_defaults_to_open(shop: DemoStore) -> None:
    counts = {
        s: get(shop, "orders/count.json", status=s).json()["count"]
        for s in ("open", "closed", "cancelled", "any")
    }
    assert get(shop, "orders/count.json").json()["count"] == counts["open"]
    assert 0 < counts["open"] < counts["any"]
    assert counts["cancelled"] > 0 and counts["closed"] > 0


def test_cursor_pages_carry_next_and_previous_links(shop: DemoStore) -> None:
    first = get(shop, "orders.json", status="any", limit=100, order="updated_at asc")
    assert set(first.links) == {"next"}
    page_info = re.search(r"page_info=([^&>]+)", first.headers["Link"])
    assert page_info is not None
    second = requests.get(first.links["next"]["url"], headers=AUTH, timeout=10)
    assert set(second.links) == {"next", "previous"}
    back = requests.get(second.links["previous"]["url"], headers=AUTH, timeout=10)
    assert [o["id"] for o in back.json()["orders"]] == [o["id"] for o in first.json()["orders"]]
    mixed = get(shop, "orders.json", page_info=page_info[1], status="any")
    assert mixed.status_code == 400
    assert mixed.json() == {
        "errors": {"status": "status cannot be passed when page_info is present"}
    }
    assert get(shop, "orders.json", page_info="not-a-cursor").status_code == 400


def test_a_single_page_has_no_link_header(shop: DemoStore) -> None:
    response = get(shop, "orders.json", status="any", ids="1,2")
    assert response.json() == {"orders": []}
    assert "Link" not in response.headers


def test_every_response_reports_the_call_limit(shop: DemoStore) -> None:
    response = get(shop, "shop.json")
    assert re.fullmatch(r"\d+/400", response.headers["X-Shopify-Shop-Api-Call-Limit"])


def test_throttling_answers_429_with_retry_after(sandbox_cache: Path) -> None:
    with DemoStore.start(SMALL_SPEC, token=TOKEN, plan="standard", data_dir=sandbox_cache) as store:
        statuses = [get(store, "shop.json").status_code for _ in range(45)]
        throttled = get(store, "shop.json")
    assert statuses[:40] == [200] * 40 and 429 in statuses
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "2.0"
    assert throttled.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert throttled.json() == {
        "errors": "Exceeded 2 calls per second for api client. "
        "Reduce request rates to resume uninterrupted service."
    }


def test_timestamps_carry_the_shops_offset_and_money_is_text(shop: DemoStore) -> None:
    orders = get(
        shop,
        "orders.json",
        status="any",
        limit=250,
        created_at_min="2026-03-01T00:00:00-05:00",
        created_at_max="2026-03-15T00:00:00-04:00",
    ).json()["orders"]
    offsets = {o["created_at"][-6:] for o in orders}
    assert offsets == {"-05:00", "-04:00"}  # the shop crossed into daylight saving time
    for order in orders:
        moment = datetime.fromisoformat(order["created_at"])
        expected = (
            "-04:00" if moment.astimezone(UTC) >= datetime(2026, 3, 8, 7, tzinfo=UTC) else "-05:00"
        )
        assert order["created_at"].endswith(expected)
        assert isinstance(order["total_price"], str)
        assert Decimal(order["total_price"]) == (
            Decimal(order["subtotal_price"])
            + Decimal(order["total_tax"])
            + Decimal(order["total_shipping_price_set"]["shop_money"]["amount"])
        )
    refunded = [
        o
        for o in get(
            shop, "orders.json", status="any", limit=250, financial_status="partially_refunded"
        ).json()["orders"]
    ]
    line = refunded[0]["refunds"][0]["refund_line_items"][0]
    assert isinstance(line["subtotal"], float) and isinstance(
        line["subtotal_set"]["shop_money"]["amount"], str
    )


def test_shop_and_locations_describe_the_store(shop: DemoStore) -> None:
    info = get(shop, "shop.json").json()["shop"]
    assert (info["iana_timezone"], info["currency"], info["plan_name"]) == (
        "America/New_York",
        "USD",
        "shopify_plus",
    )
    assert len(get(shop, "locations.json").json()["locations"]) == 2


def test_inventory_levels_need_items_or_locations(shop: DemoStore) -> None:
    assert get(shop, "inventory_levels.json").status_code == 422
    locations = [loc["id"] for loc in get(shop, "locations.json").json()["locations"]]
    levels = get(
        shop, "inventory_levels.json", location_ids=",".join(map(str, locations)), limit=250
    ).json()["inventory_levels"]
    assert levels and {"inventory_item_id", "location_id", "available", "updated_at"} <= set(
        levels[0]
    )


def test_deletions_are_seen_only_as_events(shop: DemoStore) -> None:
    order = get(shop, "orders.json", status="any", limit=1).json()["orders"][0]
    shop.delete_order(order["id"])
    assert get(shop, f"orders/{order['id']}.json").status_code == 404
    assert get(shop, "orders.json", status="any", ids=str(order["id"])).json()["orders"] == []
    events = get(shop, "events.json", filter="Order", verb="destroy", limit=250).json()["events"]
    assert order["id"] in {e["subject_id"] for e in events}
    assert {(e["subject_type"], e["verb"]) for e in events} == {("Order", "destroy")}


def test_a_late_refund_bumps_updated_at(shop: DemoStore) -> None:
    order = get(shop, "orders.json", status="any", limit=1, financial_status="paid").json()[
        "orders"
    ][0]
    refunded = shop.refund_order(order["id"])
    assert refunded["updated_at"] > order["updated_at"]
    fetched = get(shop, f"orders/{order['id']}.json").json()["order"]
    assert fetched["financial_status"] == "refunded"
    assert Decimal(fetched["current_total_price"]) == 0


def test_old_orders_hide_without_read_all_orders(sandbox_cache: Path) -> None:
    recent = StoreSpec(seed=4, days=120, orders_per_day=10)  # ends today
    with DemoStore.start(
        recent, token=TOKEN, data_dir=sandbox_cache, read_all_orders=False
    ) as store:
        orders = get(store, "orders.json", status="any", limit=250, order="created_at asc").json()
        oldest = datetime.fromisoformat(orders["orders"][0]["created_at"])
    assert datetime.now(UTC) - oldest <= timedelta(days=60)


def test_one_process_serves_many_shops(sandbox_cache: Path) -> None:
    with DemoStore.start(SMALL_SPEC, token=TOKEN, shops=3, data_dir=sandbox_cache) as store:
        urls = [store.shop_url(name) for name in store.names]
        counts = [
            tuple(
                requests.get(
                    f"{url}{API}/{resource}/count.json",
                    headers=AUTH,
                    timeout=10,
                    params={"status": "any"},
                ).json()["count"]
                for resource in ("orders", "customers")
            )
            for url in urls
        ]
    assert urls[1].endswith("/shops/s02")
    assert len(set(counts)) == 3  # three seeds, three different shops


def test_the_same_spec_gives_the_same_shop(tmp_path: Path) -> None:
    spec = StoreSpec(seed=11, days=20, orders_per_day=15, end_date=date(2026, 6, 30))
    first = prepare_shop_file(spec, tmp_path / "a")
    second = prepare_shop_file(spec, tmp_path / "b")
    rows = [list(ShopData(path).json_rows("orders")) for path in (first, second)]
    assert rows[0] == rows[1] and len(rows[0]) > 200


def test_a_checkout_break_stops_orders_from_its_hour_and_leaves_other_shops_alone(
    tmp_path: Path,
) -> None:
    spec = StoreSpec(seed=11, days=20, orders_per_day=40, end_date=date(2026, 6, 30))
    broken = replace(spec, anomalies=(Anomaly.parse("2026-06-30:checkout_break:14"),))
    assert spec.fingerprint() == replace(spec, anomalies=()).fingerprint()
    assert broken.fingerprint() != spec.fingerprint()

    def placed_on_last_day(shop: StoreSpec, folder: str) -> list[str]:
        rows = ShopData(prepare_shop_file(shop, tmp_path / folder)).json_rows("orders")
        placed = [json.loads(row)["processed_at"] for row in rows]
        return [at[11:16] for at in placed if at.startswith("2026-06-30")]

    before = placed_on_last_day(spec, "calm")
    after = placed_on_last_day(broken, "broken")
    assert any(t >= "14:00" for t in before)
    assert after and all(t < "14:00" for t in after)
    with pytest.raises(ValueError, match="0 to 23"):
        Anomaly.parse("2026-06-30:checkout_break:24")


@pytest.fixture
def official_client(shop: DemoStore) -> Iterator[None]:
    """Shopify's own Python client, pointed at the local store."""
    ApiVersion.define_version(Release("2026-10"))
    saved = (shopify.Session.protocol, shopify.Session.myshopify_domain, shopify.Session.port)
    # The client builds https://<name>.myshopify.com; make that http://127.0.0.1:<port>.
    shopify.Session.protocol, shopify.Session.myshopify_domain = "http", "0.0.1"
    shopify.Session.port = shop.server.port
    shopify.ShopifyResource.activate_session(shopify.Session("127", "2026-10", TOKEN))
    yield
    shopify.ShopifyResource.clear_session()
    shopify.Session.protocol, shopify.Session.myshopify_domain, shopify.Session.port = saved


@pytest.mark.usefixtures("official_client")
def test_shopifys_own_client_reads_the_whole_shop(shop: DemoStore) -> None:
    assert shopify.Shop.current().iana_timezone == "America/New_York"
    # fields= keeps the client's object building quick; the link must carry it onward.
    page = shopify.Order.find(status="any", limit=250, order="updated_at asc", fields="id,name")
    ids = [o.id for o in page]
    assert set(page[0].attributes) == {"id", "name"}
    while page.has_next_page():
        page = page.next_page()
        ids += [o.id for o in page]
        assert set(page[-1].attributes) == {"id", "name"}
    assert len(ids) == len(set(ids)) == shopify.Order.count(status="any")
    assert shopify.Order.count() < len(ids)  # open orders only, by default
    assert len(shopify.Location.find()) == 2
    assert shopify.Product.count() == len(shopify.Product.find(limit=250)) == SMALL_SPEC.products


def test_control_endpoints_change_the_shop_over_http(shop: DemoStore) -> None:
    control = f"{shop.url}/_control"
    created = requests.post(f"{control}/orders", json={"channel": "pos"}, timeout=10).json()
    order_id = created["order"]["id"]
    assert get(shop, f"orders/{order_id}.json").json()["order"]["source_name"] == "pos"
    line = created["order"]["line_items"][0]["id"]
    refunded = requests.post(
        f"{control}/orders/{order_id}/refund", timeout=10, json={"quantities": {str(line): 1}}
    ).json()["order"]
    assert refunded["financial_status"] == "refunded"
    requests.post(f"{control}/faults", json={"error_rate": 1.0}, timeout=10)
    assert get(shop, "shop.json").status_code in (500, 503)
    requests.post(f"{control}/faults", json={"error_rate": 0.0}, timeout=10)
    requests.post(f"{control}/orders/{order_id}/delete", timeout=10)
    assert get(shop, f"orders/{order_id}.json").status_code == 404
    stats = requests.get(f"{control}/stats", timeout=10).json()
    assert stats["errors_injected"] == 1
    traffic = requests.get(f"{control}/traffic.csv", timeout=10).text.splitlines()
    assert traffic[0] == "date,channel,sessions,add_to_carts,checkouts,purchases"
    assert len(traffic) == 1 + SMALL_SPEC.days * 6


def test_injected_429s_carry_retry_after(shop: DemoStore) -> None:
    shop.set_faults(throttle_rate=1.0)
    response = get(shop, "shop.json")
    shop.set_faults(throttle_rate=0.0)
    assert response.status_code == 429
    assert float(response.headers["Retry-After"]) > 0
    assert "errors" in response.json()


def test_a_body_cut_short_breaks_off_or_is_not_json(shop: DemoStore) -> None:
    whole = get(shop, "orders.json", status="any", limit=50).content
    shop.set_faults(cut_rate=1.0)
    broken = garbled = 0
    for _ in range(12):
        try:
            response = get(shop, "orders.json", status="any", limit=50)
        except requests.exceptions.ChunkedEncodingError:
            broken += 1  # the full Content-Length was promised, then the connection closed
            continue
        assert response.status_code == 200
        assert 0 < len(response.content) < len(whole)
        assert whole.startswith(response.content)
        with pytest.raises(requests.exceptions.JSONDecodeError):
            response.json()
        garbled += 1
    shop.set_faults(cut_rate=0.0)
    assert broken and garbled
    assert get(shop, "orders.json", status="any", limit=50).content == whole
