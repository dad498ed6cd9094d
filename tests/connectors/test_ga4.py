"""The GA4 connector against the local Data API over real HTTP: tokens, paging, quota, flags."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from google.auth import crypt, jwt
from pydantic import SecretStr

from connectors.config import parse_config
from connectors.errors import AuthError, ConfigError, RateLimitError
from connectors.ga4 import Ga4Source, load_key, parse_rows
from connectors.ga4.report import ReportFlags
from connectors.ga4.settings import QUOTA_TRIES
from connectors.sandbox.ga4 import DAILY_QUOTA, Ga4Sandbox, Property, Row, new_key

FIRST = date(2026, 11, 1)
CHANNELS = ("Direct", "Email", "Organic Search")
#: The Data API metrics a traffic report asks for, in the order the connector reads them.
METRICS = [
    "sessions",
    "totalUsers",
    "addToCarts",
    "checkouts",
    "ecommercePurchases",
    "purchaseRevenue",
]


def rows(days: int = 10) -> list[Row]:
    """Ten days of three channels whose values tell them apart."""
    return [
        {
            "day": FIRST + timedelta(days=d),
            "channel": channel,
            "sessions": 100 + 10 * d + c,
            "users": 80 + d,
            "add_to_carts": 9 + c,
            "checkouts": 4 + c,
            "purchases": 2 + c,
            "revenue": Decimal("49.99") * (2 + c),
        }
        for d in range(days)
        for c, channel in enumerate(CHANNELS)
    ]


@pytest.fixture
def ga4() -> Iterator[Ga4Sandbox]:
    with Ga4Sandbox.serving({"123": Property(rows())}) as sandbox:
        yield sandbox


def source(sandbox: Ga4Sandbox, **kwargs: object) -> Ga4Source:
    options: dict[str, object] = {"currency": "USD", "exponent": 2, "endpoint": sandbox.endpoint}
    key = kwargs.pop("key", sandbox.key)
    return Ga4Source("shop", "123", key, **(options | kwargs))  # type: ignore[arg-type]


def test_a_report_is_read_with_a_token_from_the_keys_token_uri(ga4: Ga4Sandbox) -> None:
    pages = list(source(ga4).traffic(FIRST, FIRST + timedelta(days=9)))
    days = [d for p in pages for d in p.records]
    assert ga4.state.token_grants == 1  # the JWT bearer grant, not a self-signed token
    assert len(days) == 30
    first = days[0]
    assert (first.day, first.channel, first.sessions, first.users) == (FIRST, "Direct", 100, 80)
    assert (first.add_to_carts, first.checkouts, first.purchases) == (9, 4, 2)
    assert first.revenue == Decimal("99.98")
    sent = ga4.state.requests[0]
    assert [m["name"] for m in sent["metrics"]] == METRICS
    assert [d["name"] for d in sent["dimensions"]] == ["date", "sessionDefaultChannelGroup"]
    assert sent["dateRanges"] == [{"startDate": "2026-11-01", "endDate": "2026-11-10"}]
    assert sent["returnPropertyQuota"] is True


def test_paging_walks_the_offsets_until_the_row_count(ga4: Ga4Sandbox) -> None:
    pages = list(source(ga4, page_size=7).traffic(FIRST, FIRST + timedelta(days=9)))
    assert [int(r.get("offset", 0)) for r in ga4.state.requests] == [0, 7, 14, 21, 28]
    assert {int(r["limit"]) for r in ga4.state.requests} == {7}
    assert [len(p.records) for p in pages] == [7, 7, 7, 7, 2]
    keys = [(d.day, d.channel) for p in pages for d in p.records]
    assert len(set(keys)) == 30  # no row twice, none left out


def test_an_empty_report_is_one_request_and_no_rows(ga4: Ga4Sandbox) -> None:
    pages = list(source(ga4).traffic(date(2025, 1, 1), date(2025, 1, 31)))
    assert [p.records for p in pages] == [[]]
    assert len(ga4.state.requests) == 1


def test_quota_refusals_are_waited_out_then_the_report_is_read(ga4: Ga4Sandbox) -> None:
    waits: list[float] = []
    ga4.refuse(2)
    reader = source(ga4, sleep=waits.append)
    days = [d for p in reader.traffic(FIRST, FIRST) for d in p.records]
    assert len(days) == 3
    assert waits == [2.0, 4.0]  # doubling backoff
    stats = reader.stats()
    assert (stats.requests, stats.throttle_waits) == (3, 2)
    assert reader.quota is not None and reader.quota.tokens_per_day < 200_000
    assert "tokens today" in reader.quota.text()


def test_a_quota_that_stays_exhausted_is_one_clear_sentence(ga4: Ga4Sandbox) -> None:
    waits: list[float] = []
    ga4.refuse(QUOTA_TRIES + 5)
    with pytest.raises(RateLimitError) as raised:
        list(source(ga4, sleep=waits.append).traffic(FIRST, FIRST))
    message = str(raised.value)
    assert len(waits) == QUOTA_TRIES - 1
    assert message.startswith("store 'shop': GA4 property 123: quota exhausted after 4 tries")
    assert "\n" not in message and "Exhausted property tokens per hour" in message


def test_the_days_quota_is_not_waited_for(ga4: Ga4Sandbox) -> None:
    waits: list[float] = []
    ga4.refuse(1, DAILY_QUOTA)
    with pytest.raises(RateLimitError, match=r"after 1 try .* returns within 24 hours"):
        list(source(ga4, sleep=waits.append).traffic(FIRST, FIRST))
    assert waits == []


def test_sampling_and_thresholding_flags_are_kept() -> None:
    flagged = Property(rows(1), sampling=(25, 100), thresholded=True, other_row=True)
    with Ga4Sandbox.serving({"123": flagged}) as ga4:
        days = [d for p in source(ga4).traffic(FIRST, FIRST) for d in p.records]
    assert {(d.sampled_share, d.thresholded, d.other_row) for d in days} == {(0.25, True, True)}


def test_a_key_the_account_did_not_sign_is_refused(ga4: Ga4Sandbox) -> None:
    stranger, _ = new_key(ga4.key["token_uri"], ga4.key["client_email"])
    with pytest.raises(AuthError, match=r"token was refused .*Invalid JWT Signature") as raised:
        list(source(ga4, key=stranger).traffic(FIRST, FIRST))
    assert "PRIVATE KEY" not in str(raised.value)


def test_an_unknown_property_is_refused_as_permission(ga4: Ga4Sandbox) -> None:
    reader = Ga4Source("shop", "999", ga4.key, currency="USD", exponent=2, endpoint=ga4.endpoint)
    with pytest.raises(AuthError, match=r"access refused .*403.*sufficient permissions"):
        list(reader.traffic(FIRST, FIRST))


def _assertion(key: dict[str, str], **claims: object) -> str:
    now = int(time.time())
    payload = {
        "iss": key["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "scope": "https://www.googleapis.com/auth/analytics.readonly",
        "iat": now,
        "exp": now + 3600,
    } | claims
    signer = crypt.RSASigner.from_service_account_info(key)
    return jwt.encode(signer, payload).decode()


def _grant(ga4: Ga4Sandbox, assertion: str) -> requests.Response:
    return requests.post(
        ga4.key["token_uri"],
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=10,
    )


def test_the_token_endpoint_checks_the_assertion_as_google_does(ga4: Ga4Sandbox) -> None:
    granted = _grant(ga4, _assertion(ga4.key))
    assert granted.status_code == 200 and granted.json()["token_type"] == "Bearer"
    expired = _grant(
        ga4, _assertion(ga4.key, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    )
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"
    assert "short-lived token" in expired.json()["error_description"]
    wrong_scope = _grant(ga4, _assertion(ga4.key, scope="https://www.googleapis.com/auth/drive"))
    assert wrong_scope.json()["error"] == "invalid_scope"


def test_reports_follow_the_data_apis_conventions(ga4: Ga4Sandbox) -> None:
    token = _grant(ga4, _assertion(ga4.key)).json()["access_token"]
    url = f"{ga4.endpoint}/v1beta/properties/123:runReport"

    def report(body: dict[str, object], bearer: str = token) -> requests.Response:
        headers = {"Authorization": f"Bearer {bearer}"}
        return requests.post(url, json=body, headers=headers, timeout=10)

    base = {
        "dateRanges": [{"startDate": "2026-11-01", "endDate": "2026-11-02"}],
        "dimensions": [{"name": "date"}],
        "metrics": [{"name": "sessions"}],
    }
    body = report(base).json()
    assert body["rows"][0] == {
        "dimensionValues": [{"value": "20261101"}],
        "metricValues": [{"value": "303"}],
    }
    assert body["rowCount"] == 2 and body["metricHeaders"][0]["type"] == "TYPE_INTEGER"
    assert "propertyQuota" not in body
    empty = report(base | {"dateRanges": [{"startDate": "2025-01-01", "endDate": "2025-01-02"}]})
    assert "rows" not in empty.json() and "rowCount" not in empty.json()
    unknown = report(base | {"metrics": [{"name": "conversions"}]})
    assert unknown.status_code == 400 and unknown.json()["error"]["status"] == "INVALID_ARGUMENT"
    refused = report(base, bearer="ya29.forged")
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "UNAUTHENTICATED"
    capped = report(base | {"limit": "999999"})
    assert capped.status_code == 200  # above 250,000 the API returns at most 250,000 rows


def test_unreadable_rows_are_set_aside_with_their_row_and_field() -> None:
    page = parse_rows(
        "store 'shop': GA4 property 123",
        ["date", "sessionDefaultChannelGroup"],
        METRICS,
        [
            (["20261101", "Direct"], ["10", "8", "2", "1", "1", "12.345"]),
            (["2026-11-01", "Direct"], ["10", "8", "2", "1", "1", "0"]),
            (["20261101", "Email"], ["10.5", "8", "2", "1", "1", "0"]),
        ],
        ReportFlags(),
        2,
        first_row=11,
    )
    assert [d.revenue for d in page.records] == [Decimal("12.34")]  # half-even to the cent
    assert [r.reason for r in page.rejected] == [
        "store 'shop': GA4 property 123 row 12: date '2026-11-01' is not YYYYMMDD",
        "store 'shop': GA4 property 123 row 13: sessions '10.5' is not a whole number",
    ]


def test_a_key_that_is_not_json_is_named_without_its_content() -> None:
    with pytest.raises(ConfigError, match="not JSON") as raised:
        load_key("shop", SecretStr("-----BEGIN PRIVATE KEY----- secret"))
    assert "secret" not in str(raised.value)
    with pytest.raises(ConfigError, match="lacks private_key, token_uri"):
        load_key("shop", SecretStr(json.dumps({"client_email": "a@b"})))


def test_the_configuration_names_where_the_key_lives() -> None:
    base = {
        "name": "shop",
        "platform": "shopify",
        "url": "https://shop.example",
        "timezone": "America/New_York",
        "currency": "USD",
        "token_env": "SHOP_TOKEN",
    }
    store = parse_config({"stores": [base | {"ga4_property": 123, "ga4_credentials_env": "K"}]})
    assert store.stores[0].ga4_property == "123"  # YAML's unquoted number is the ID
    with pytest.raises(ConfigError, match="give exactly one of ga4_credentials_env or"):
        parse_config({"stores": [base | {"ga4_property": "123"}]})
    with pytest.raises(ConfigError, match="must be a GA4 property ID"):
        parse_config({"stores": [base | {"ga4_property": "G-ABC", "ga4_credentials_env": "K"}]})
