"""The Shopify client against the local store: paging, pacing, retries and clear errors."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from connectors.errors import AuthError, ConnectorError, ResponseError
from connectors.http import RetryPolicy
from connectors.sandbox import DemoStore
from connectors.shopify import ShopifyClient
from connectors.shopify.parse import ORDERS
from tests.conftest import SMALL_SPEC, TOKEN

FAST_RETRY = RetryPolicy(base_seconds=0.01, cap_seconds=0.05)
SCALE = 50  # the local store's rate limiter runs 50 times faster than Shopify's


@pytest.fixture
def standard(sandbox_cache: Path) -> Iterator[DemoStore]:
    """The small shop on the standard plan (bucket 40, 2 calls/s), sped up ``SCALE`` times."""
    with DemoStore.start(
        SMALL_SPEC,
        token=TOKEN,
        plan="standard",
        time_scale=SCALE,
        data_dir=sandbox_cache,
        record_paths=True,
    ) as store:
        yield store


def client(store: DemoStore, token: str = TOKEN, **options: object) -> ShopifyClient:
    options.setdefault("retry", FAST_RETRY)
    return ShopifyClient(store="demo", base_url=store.url, token=SecretStr(token), **options)  # type: ignore[arg-type]


def all_orders(c: ShopifyClient, limit: int = 250) -> list[int]:
    params = {
        "status": "any",
        "limit": limit,
        "order": "updated_at asc",
        "updated_at_min": "2020-01-01T00:00:00+00:00",
    }
    ids: list[int] = []
    for body in c.pages("orders.json", params):
        ids += [o.order_id for o in ORDERS.read(body).records]
    return ids


def order_count(c: ShopifyClient) -> int:
    return int(c.get("orders/count.json", {"status": "any"})["count"])


def test_pages_follow_the_link_header_with_filters_on_the_first_call_only(shop: DemoStore) -> None:
    c = client(shop)
    ids = all_orders(c, limit=100)
    total = order_count(c)
    assert len(ids) == len(set(ids)) == total > 1000
    requests = [p for p in shop.stats().paths if "/orders.json" in p]
    assert len(requests) == math.ceil(total / 100)
    first, *rest = (parse_qs(urlsplit(p).query) for p in requests)
    assert {"status", "updated_at_min", "order", "limit"} <= set(first)
    assert rest and all(set(q) == {"limit", "page_info"} for q in rest)


def test_a_paced_client_is_never_throttled(standard: DemoStore) -> None:
    c = client(standard, calls_per_second=2 * SCALE)
    ids = all_orders(c, limit=10)  # about 230 calls against a bucket of 40
    assert len(ids) == order_count(c)
    assert standard.stats().throttled == 0
    assert c.stats.throttle_waits > 0  # it paced itself (how often depends on machine speed)


def test_a_429_is_waited_out_and_nothing_is_lost(standard: DemoStore) -> None:
    c = client(standard, calls_per_second=10_000)  # deliberately blind to the real rate
    ids = all_orders(c, limit=10)
    assert len(ids) == len(set(ids)) == order_count(c)
    assert standard.stats().throttled > 0
    assert c.stats.throttled_429 == standard.stats().throttled


def test_server_errors_are_retried(shop: DemoStore) -> None:
    shop.set_faults(error_rate=0.3)
    c = client(shop)
    ids = all_orders(c, limit=50)
    assert c.stats.retries > 0
    shop.set_faults(error_rate=0.0)
    assert len(ids) == len(set(ids)) == order_count(c)


def test_timeouts_are_retried(shop: DemoStore) -> None:
    shop.set_faults(slow_rate=0.3, slow_seconds=1.0)
    c = client(shop, timeout=0.2)
    ids = all_orders(c, limit=250)
    shop.set_faults(slow_rate=0.0)
    assert c.stats.retries > 0
    assert len(ids) == order_count(c)


def test_bodies_cut_short_are_retried_and_every_order_arrives_once(shop: DemoStore) -> None:
    shop.set_faults(cut_rate=0.3)
    c = client(shop)
    ids = all_orders(c, limit=50)
    injected = shop.stats().errors_injected
    shop.set_faults(cut_rate=0.0)
    assert injected > 0 and c.stats.retries >= injected
    assert len(ids) == len(set(ids)) == order_count(c)


def test_a_body_that_is_always_cut_short_gives_a_clear_transient_error(shop: DemoStore) -> None:
    shop.set_faults(cut_rate=1.0)
    c = client(shop)
    with pytest.raises(
        ConnectorError, match=r"store 'demo': GET orders\.json failed: .*gave up after 6 attempts"
    ) as caught:
        all_orders(c)
    assert caught.value.transient
    assert TOKEN not in str(caught.value)


def test_a_platform_that_keeps_failing_gives_a_clear_error(shop: DemoStore) -> None:
    shop.set_faults(error_rate=1.0)
    c = client(shop)
    with pytest.raises(
        ConnectorError,
        match=r"store 'demo': GET orders/count\.json .*5\d\d.*"
        r"gave up after 6 attempts",
    ) as caught:
        order_count(c)
    assert caught.value.transient


def test_bad_credentials_are_not_retried_and_never_echo_the_token(shop: DemoStore) -> None:
    wrong = "shpat_wrong_but_secret_42"
    c = client(shop, token=wrong)
    with pytest.raises(AuthError) as caught:
        order_count(c)
    message = str(caught.value)
    assert "store 'demo'" in message and "orders/count.json" in message and "401" in message
    assert "Invalid API key" in message
    assert wrong not in message and TOKEN not in message
    assert not caught.value.transient
    assert c.stats.requests == 1


@pytest.mark.parametrize(
    ("path", "params", "status", "excerpt"),
    [
        ("orders.json", {"limit": 251}, "400", "limit must be between 1 and 250"),
        ("orders.json", {"page_info": "x", "status": "any"}, "400", "cannot be passed"),
        ("widgets.json", {}, "404", "Not Found"),
    ],
)
def test_client_errors_name_store_endpoint_and_status(
    shop: DemoStore, path: str, params: dict[str, object], status: str, excerpt: str
) -> None:
    c = client(shop)
    with pytest.raises(ResponseError) as caught:
        c.get(path, params)
    message = str(caught.value)
    assert f"store 'demo': GET {path}" in message and status in message and excerpt in message
    assert TOKEN not in message


def test_a_fallen_forward_version_is_reported(
    shop: DemoStore, caplog: pytest.LogCaptureFixture
) -> None:
    c = client(shop, api_version="2024-01")
    c.get("shop.json")
    c.get("shop.json")
    warnings = [r.getMessage() for r in caplog.records if "fell forward" in r.getMessage()]
    assert warnings == [
        "store 'demo': asked for API 2024-01, Shopify served 2025-10 (the version fell forward)"
    ]
