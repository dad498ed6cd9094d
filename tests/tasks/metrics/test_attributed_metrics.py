"""Attributed sales and ROAS on a hand-checked store, beside a marketplace store that records
no marketing source. Every expected value is worked by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.adspend import GENERIC_COLUMNS, SpendRow
from connectors.attribution import Attribution
from connectors.base import Order
from connectors.config import parse_config
from tasks.ingest.context import StoreContext
from tasks.ingest.spend import load_spend
from tasks.metrics.run import refresh_metrics
from tasks.reporting.daily import build_daily
from tasks.warehouse.engine import get_engine
from tests.tasks.metrics.fixtures import load, order, refund
from tests.tasks.metrics.test_definitions import values

TODAY = date(2026, 11, 12)
STORE = {"timezone": "America/New_York", "currency": "USD", "token_env": "T", "url": "http://x"}
CONFIG = {
    "stores": [
        {"name": "web", "platform": "shopify", **STORE},
        {"name": "mall", "platform": "shopify", **STORE},
    ]
}


def tagged(o: Order, channel: str, campaign: str | None = None) -> Order:
    source = {"google_ads": "google", "meta": "facebook"}.get(channel)
    o.attribution = Attribution(source, "cpc" if source else None, campaign, None, channel)  # type: ignore[arg-type]
    return o


def spend(day: int, channel: str, campaign: str, amount: str) -> SpendRow:
    day_ = date(2026, 11, day)
    return SpendRow(
        day_, channel, campaign, Decimal(amount), "USD", 10, 1000, None, None, day, GENERIC_COLUMNS
    )


@pytest.fixture
def computed(warehouse_url: str) -> str:
    engine = get_engine(warehouse_url)
    noon = "T12:00:00-05:00"
    load(
        engine,
        "web",
        "America/New_York",
        "USD",
        [
            # A: Google, campaign "brand" (the export spells it "Brand"); 40.00 of it comes
            # back on the 10th.
            tagged(
                order(
                    f"2026-11-09{noon}",
                    [("100.00", 1, "0.00")],
                    refunds=[refund(f"2026-11-10{noon}", "40.00")],
                ),
                "google_ads",
                "brand",
            ),
            tagged(order(f"2026-11-09{noon}", [("50.00", 1, "0.00")]), "meta"),  # no campaign
            tagged(order(f"2026-11-09{noon}", [("30.00", 1, "0.00")]), "organic"),
            tagged(
                order(f"2026-11-09{noon}", [("25.00", 1, "5.00")], discount="5.00"),
                "google_ads",
                "Unknown",
            ),  # 20.00 net, a campaign without spend
            tagged(order(f"2026-11-10{noon}", [("80.00", 1, "0.00")]), "meta", "Prospect"),
            order(f"2026-11-10{noon}", [("60.00", 1, "0.00")]),  # no source recorded (POS)
            order(f"2026-11-03{noon}", [("70.00", 1, "0.00")]),  # read before sources were
        ],
    )
    load(
        engine,
        "mall",
        "America/New_York",
        "USD",
        [order(f"2026-11-09{noon}", [("90.00", 1, "0.00")])],
    )
    rows = {
        "web": [
            spend(8, "google_ads", "Brand", "5.00"),  # before the first order with a source
            spend(9, "google_ads", "Brand", "40.00"),
            spend(9, "meta", "Prospect", "20.00"),
            spend(10, "google_ads", "Brand", "10.00"),
            spend(10, "meta", "Prospect", "20.00"),
            spend(11, "google_ads", "Brand", "7.00"),
        ],
        "mall": [spend(9, "ocean_engine", "直播间", "30.00")],
    }
    with engine.begin() as conn:
        for store, batch in rows.items():
            ctx = StoreContext(store, ZoneInfo("America/New_York"), "USD", datetime.now(UTC))
            at = ctx.synced_at
            load_spend(conn, ctx, batch, f"{store}.csv", store.ljust(64, "0"), exported_at=at)
    refresh_metrics(parse_config(CONFIG), warehouse_url, today=TODAY)
    return warehouse_url


def test_attributed_sales_and_roas_by_channel_and_campaign(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 9))
    # Ad channels: 100.00 + 20.00 (Google) + 50.00 (Meta); the organic 30.00 is not attributed.
    assert day["attributed_sales"] == Decimal("170.00")
    assert day[("channel_attributed_sales", "google_ads")] == Decimal("120.00")
    assert day["attributed_roas"] == pytest.approx(170 / 60)
    assert day[("channel_attributed_roas", "google_ads")] == pytest.approx(3.0)  # 120 / 40
    assert day[("channel_attributed_roas", "meta")] == pytest.approx(2.5)  # 50 / 20
    # "brand" meets the export's "Brand"; a campaign without spend has sales but no ROAS.
    assert day[("campaign_attributed_roas", "google_ads · Brand")] == pytest.approx(2.5)
    assert day[("campaign_attributed_sales", "google_ads · Unknown")] == Decimal("20.00")
    assert day[("campaign_attributed_roas", "google_ads · Unknown")] is None
    assert day[("campaign_attributed_roas", "meta · Prospect")] == 0.0  # spent, sold nothing
    # Platform ROAS stays the platforms' own: these exports state no conversion value.
    assert day["platform_roas"] is None


def test_returns_are_dated_by_the_refund_against_the_orders_channel(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 10))
    # 80.00 (Meta) − 40.00 returned of the Google order; the untagged 60.00 is not attributed.
    assert day["attributed_sales"] == Decimal("40.00")
    assert day["attributed_roas"] == pytest.approx(40 / 30)
    assert day[("channel_attributed_sales", "google_ads")] == Decimal("-40.00")
    assert day[("campaign_attributed_roas", "meta · Prospect")] == pytest.approx(4.0)


def test_a_day_without_attributed_orders_is_zero_and_one_before_any_source_na(
    computed: str,
) -> None:
    quiet: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 11))
    assert quiet["attributed_sales"] == Decimal(0) and quiet["attributed_roas"] == 0.0
    no_spend = values(computed, "web", "day", date(2026, 11, 12))
    assert no_spend["attributed_sales"] == Decimal(0) and no_spend["attributed_roas"] is None
    before: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 8))
    assert before["ad_spend"] == Decimal("5.00")
    assert before["attributed_sales"] is None and before["attributed_roas"] is None


def test_week_sums_its_days(computed: str) -> None:
    week: dict[Any, Any] = values(computed, "web", "week", date(2026, 11, 9))
    # 170.00 + 40.00 + 0 over 60.00 + 30.00 + 7.00 of spend.
    assert week["attributed_sales"] == Decimal("210.00")
    assert week["attributed_roas"] == pytest.approx(210 / 97)
    assert week[("channel_attributed_roas", "google_ads")] == pytest.approx(80 / 57)


def test_a_store_whose_orders_record_no_source_is_na(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "mall", "day", date(2026, 11, 9))
    assert day["ad_spend"] == Decimal("30.00") and day["mer"] == pytest.approx(3.0)
    assert day["attributed_sales"] is None and day["attributed_roas"] is None
    assert day[("channel_attributed_roas", "ocean_engine")] is None


def test_the_digest_shows_attributed_roas_beside_platform_roas_where_sources_exist(
    computed: str,
) -> None:
    with get_engine(computed).connect() as conn:
        web = build_daily(conn, "web", "USD", date(2026, 11, 10))
        mall = build_daily(conn, "mall", "USD", date(2026, 11, 10))
    shown = [k.metric for k in web.kpis]
    assert shown[-4:] == ["ad_spend", "platform_roas", "attributed_roas", "mer"]
    attributed = web.kpis[shown.index("attributed_roas")]
    assert attributed.value == pytest.approx(40 / 30)
    assert attributed.vs_prior.ratio == pytest.approx((40 / 30) / (170 / 60) - 1)
    # A store whose orders record no source shows spend without an attributed ROAS line.
    assert [k.metric for k in mall.kpis][-3:] == ["ad_spend", "platform_roas", "mer"]
