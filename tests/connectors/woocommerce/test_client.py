"""The WooCommerce client and source against the local stand-in, over real HTTP."""

from __future__ import annotations

import math
import re
import traceback
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import requests
from pydantic import SecretStr

from connectors.base import Window
from connectors.errors import AuthError, ConnectorError, ResponseError
from connectors.http import RetryPolicy
from connectors.sandbox import DEMO_WOO_KEYS, DemoStore
from connectors.woocommerce import WooClient, WooSource, parse
from connectors.woocommerce.source import site_timezone

FAST_RETRY = RetryPolicy(base_seconds=0.01, cap_seconds=0.05)
KEY, SECRET = DEMO_WOO_KEYS
API = "/wp-json/wc/v3"
ALL_TIME = Window(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def client(store: DemoStore, secret: str = SECRET, **options: Any) -> WooClient:
    options.setdefault("retry", FAST_RETRY)
    return WooClient(
        store="woo",
        base_url=store.url,
        consumer_key=SecretStr(KEY),
        consumer_secret=SecretStr(secret),
        **options,
    )


def source(store: DemoStore, **options: Any) -> WooSource:
    return WooSource(client(store, **options), currency="USD")


def raw_orders(store: DemoStore, **params: str) -> list[dict[str, Any]]:
    """Orders as the stand-in serves them, read without any storepulse code."""
    found: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        response = requests.get(
            f"{store.url}{API}/orders",
            params={"per_page": "100", "page": str(page), **params},
            auth=(KEY, SECRET),
            timeout=10,
        )
        found += response.json()
        pages = int(response.headers["X-WP-TotalPages"])
        page += 1
    return found


def order_requests(store: DemoStore) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(p).query)
        for p in store.stats().paths
        if urlsplit(p).path == f"{API}/orders"
    ]


def test_orders_page_by_number_with_the_filters_on_every_page(shop: DemoStore) -> None:
    woo = source(shop)
    orders = [o for page in woo.orders_updated(ALL_TIME) for o in page.records]
    sent = order_requests(shop)
    sales = raw_orders(shop, status="processing,on-hold,completed,refunded")
    assert sorted(o.order_id for o in orders) == sorted(o["id"] for o in sales)
    assert len(sent) == math.ceil(len(raw_orders(shop)) / 100)  # status any: sales and the rest
    assert [q["page"] for q in sent] == [[str(n)] for n in range(1, len(sent) + 1)]
    for query in sent:
        assert query["per_page"] == ["100"] and query["dates_are_gmt"] == ["true"]
        assert query["orderby"] == ["modified"] and query["order"] == ["asc"]
        assert query["modified_after"] == ["2019-12-31T23:59:59"]  # exclusive: one second early
        assert query["modified_before"] == ["2030-01-01T00:00:00"]
    moments = [o.updated_at for o in orders]
    assert moments == sorted(moments)


def test_the_keys_go_in_the_header_or_the_query_and_never_both(shop: DemoStore) -> None:
    header, query = client(shop), client(shop, auth="query")
    assert header.total("orders", {}) == query.total("orders", {}) > 0
    asked = order_requests(shop)
    assert "consumer_key" not in asked[0]
    assert asked[1]["consumer_key"] == [KEY] and asked[1]["consumer_secret"] == [SECRET]


def test_a_host_that_strips_the_header_is_answered_with_the_query_string(
    shop: DemoStore, caplog: pytest.LogCaptureFixture
) -> None:
    shop.set_faults(strip_authorization=True)
    c = client(shop)
    assert c.total("orders", {}) > 0
    assert c.auth == "query"
    assert "set auth: query" in caplog.text
    assert SECRET not in caplog.text


def test_an_unreachable_site_is_reported_without_the_keys_of_the_query_string() -> None:
    unreachable = WooClient(
        store="woo",
        base_url="http://127.0.0.1:9",  # discard: nothing listens
        consumer_key=SecretStr(KEY),
        consumer_secret=SecretStr(SECRET),
        auth="query",
        retry=RetryPolicy(max_attempts=2, base_seconds=0, cap_seconds=0),
    )
    with pytest.raises(ConnectorError) as failed:
        unreachable.total("orders", {})
    told = "".join(traceback.format_exception(failed.value))  # what a task's failure log shows
    assert "GET orders failed: ConnectionError (gave up after 2 attempts)" in told
    assert KEY not in told and SECRET not in told


def test_wrong_keys_are_refused_in_one_sentence_without_the_secret(shop: DemoStore) -> None:
    with pytest.raises(AuthError) as refused:
        client(shop, secret="cs_wrong_secret_value").total("orders", {})
    message = str(refused.value)
    assert message == (
        "store 'woo': GET orders answered 401 Unauthorized: Consumer secret is invalid. "
        "(woocommerce_rest_authentication_error)"
    )
    assert "cs_wrong" not in message


def test_a_page_larger_than_wordpress_allows_is_refused_with_its_reason(shop: DemoStore) -> None:
    with pytest.raises(ResponseError, match=r"per_page must be between 1 \(inclusive\) and 100"):
        client(shop).get_body("orders", {"per_page": 101})


def test_gmt_dates_are_read_as_utc_and_bounds_are_sent_in_gmt(shop: DemoStore) -> None:
    raw = raw_orders(shop)
    sold = next(o for o in raw if o["status"] == "completed")
    woo = source(shop)
    order = next(
        o for page in woo.orders_updated(ALL_TIME) for o in page.records if o.order_id == sold["id"]
    )
    assert order.created_at == datetime.fromisoformat(sold["date_created_gmt"]).replace(tzinfo=UTC)
    assert order.processed_at == datetime.fromisoformat(sold["date_paid_gmt"]).replace(tzinfo=UTC)
    assert sold["date_created"] != sold["date_created_gmt"]  # the site is not on UTC
    # A one-second window at the order's last change finds it: the bounds are GMT.
    window = Window(order.updated_at, order.updated_at + timedelta(seconds=1))
    found = [o.order_id for page in woo.orders_updated(window) for o in page.records]
    assert sold["id"] in found


def test_an_order_set_aside_is_named_once_in_its_reason(shop: DemoStore) -> None:
    sales = raw_orders(shop, status="processing")[:2]
    sales[0]["status"] = "wc-shipped"  # a plugin's own status
    page = parse.ORDERS.read(orjson.dumps(sales))
    assert [o.order_id for o in page.records] == [sales[1]["id"]]
    assert [r.reason for r in page.rejected] == [
        f"order {sales[0]['id']}: status 'wc-shipped' is not one storepulse counts "
        "(sales are processing, completed, on-hold, refunded)"
    ]


def test_trashed_and_unpaid_orders_come_as_deletions(shop: DemoStore) -> None:
    sale = next(o for o in raw_orders(shop) if o["status"] == "processing")
    shop.trash_order(sale["id"])
    woo = source(shop)
    gone = {d.order_id: d for page in woo.order_deletions(ALL_TIME) for d in page.records}
    assert sale["id"] in gone
    assert gone[sale["id"]].deleted_at.tzinfo == UTC
    cancelled = [o["id"] for o in raw_orders(shop, status="cancelled")]
    assert cancelled and set(cancelled) <= set(gone)
    listed = {o.order_id for page in woo.orders_updated(ALL_TIME) for o in page.records}
    assert not listed & set(gone)


def test_refunds_are_read_from_their_endpoint_as_positive_amounts(shop: DemoStore) -> None:
    refunded = [o for o in raw_orders(shop) if o["refunds"] and o["status"] != "cancelled"]
    assert refunded and all(Decimal(r["total"]) < 0 for o in refunded for r in o["refunds"])
    woo = source(shop)
    orders = {o.order_id: o for page in woo.orders_updated(ALL_TIME) for o in page.records}
    for raw in refunded:
        order = orders[raw["id"]]
        listed = -sum(Decimal(r["total"]) for r in raw["refunds"])
        assert sum(r.transactions for r in order.refunds) == listed
        assert order.current_total_price == Decimal(raw["total"]) - listed
        for refund in order.refunds:
            assert refund.lines_subtotal >= 0 and refund.shipping >= 0
            line_ids = {line.line_id for line in order.lines}
            assert {line.line_id for line in refund.lines} <= line_ids


def test_guests_have_no_customer(shop: DemoStore) -> None:
    raw = {o["id"]: o for o in raw_orders(shop)}
    woo = source(shop)
    orders = [o for page in woo.orders_updated(ALL_TIME) for o in page.records]
    guests = [o for o in orders if raw[o.order_id]["customer_id"] == 0]
    assert guests and all(o.customer_id is None for o in guests)
    assert all(o.customer_id == raw[o.order_id]["customer_id"] for o in orders if o not in guests)


def test_a_429_is_waited_out_and_5xx_retried_and_nothing_is_lost(shop: DemoStore) -> None:
    expected = client(shop).total("orders", {"status": "any"})
    shop.set_faults(throttle_rate=0.3, error_rate=0.2)
    waits: list[float] = []
    c = client(shop, sleep=waits.append)
    ids = [o["id"] for body in c.pages("orders", {"per_page": 100}) for o in _json(body)]
    assert len(ids) == len(set(ids)) == expected
    assert c.stats.throttled_429 > 0 and c.stats.retries > 0
    assert 2.0 / 50 in waits or any(w > 0 for w in waits)


def test_a_listing_that_shrinks_while_paged_is_read_again(shop: DemoStore) -> None:
    expected = {o["id"] for o in raw_orders(shop, status="any")}
    shop.set_faults(update_between_pages=True)
    window = Window(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC).replace(microsecond=0))
    woo = source(shop)
    seen = {o.order_id for page in woo.orders_updated(window) for o in page.records}
    deleted = {d.order_id for page in woo.order_deletions(window) for d in page.records}
    touched = set(shop.shop().touched)
    assert touched  # orders were edited while the client paged
    # Every order not edited during the read was read; the edited ones belong to a later window.
    assert expected - touched <= seen | deleted


def test_the_site_index_gives_the_shop(shop: DemoStore) -> None:
    info = source(shop).shop()
    assert (info.timezone, info.currency, info.name) == (
        "America/New_York",
        "USD",
        "Demo Outfitters",
    )
    assert info.created_at <= min(
        datetime.fromisoformat(o["date_created_gmt"]).replace(tzinfo=UTC) for o in raw_orders(shop)
    )


@pytest.mark.parametrize(
    ("site", "zone"),
    [
        ({"timezone_string": "Europe/Berlin", "gmt_offset": 1}, "Europe/Berlin"),
        ({"timezone_string": "", "gmt_offset": 8}, "Etc/GMT-8"),
        ({"timezone_string": "", "gmt_offset": -5}, "Etc/GMT+5"),
        ({"timezone_string": "", "gmt_offset": 0}, "UTC"),
    ],
)
def test_a_site_on_a_bare_offset_gets_the_zone_that_holds_it(
    site: dict[str, Any], zone: str
) -> None:
    assert site_timezone(site) == zone


def test_a_site_on_a_half_hour_offset_is_told_to_choose_a_city() -> None:
    with pytest.raises(ResponseError, match="choose one in WordPress Settings"):
        site_timezone({"timezone_string": "", "gmt_offset": 5.5})


def test_an_unreachable_site_gives_up_with_the_endpoint_named() -> None:
    c = WooClient(
        store="woo",
        base_url="http://127.0.0.1:9",
        consumer_key=SecretStr(KEY),
        consumer_secret=SecretStr(SECRET),
        retry=RetryPolicy(max_attempts=2, base_seconds=0.01, cap_seconds=0.01),
    )
    with pytest.raises(ConnectorError, match="store 'woo': GET orders failed: ConnectionError"):
        c.total("orders", {})


def _json(body: bytes) -> list[dict[str, Any]]:
    return list(orjson.loads(body))


def woo_entry(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "woo",
        "platform": "woocommerce",
        "url": "https://shop.example",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "consumer_key_env": "WOO_KEY",
        "consumer_secret_env": "WOO_SECRET",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"url": "http://shop.example"}, "must start with https://"),
        ({"consumer_secret_env": None}, "give exactly one of consumer_secret_env or"),
        ({"token_env": "SHOPIFY_TOKEN"}, "token_env is for shopify stores"),
        ({"sync": {"page_size": 250}}, "WooCommerce pages hold at most 100"),
        ({"auth": "cookie"}, "auth"),
    ],
)
def test_a_woocommerce_store_is_refused_with_the_key_and_the_problem(
    overrides: dict[str, Any], problem: str
) -> None:
    from connectors.config import parse_config
    from connectors.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_config({"stores": [woo_entry(**overrides)]})


def test_a_local_stand_in_may_use_plain_http() -> None:
    from connectors.config import parse_config

    store = parse_config({"stores": [woo_entry(url="http://127.0.0.1:8080")]}).stores[0]
    assert (store.platform, store.auth) == ("woocommerce", "header")
