"""Ad-spend metrics on a hand-checked store: spend in two currencies, platform ROAS, MER, CAC,
budget pacing, and a day whose currency has no rate. Every expected value is worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.adspend import GENERIC_COLUMNS, SpendRow
from connectors.config import parse_config
from tasks.ingest.context import StoreContext
from tasks.ingest.spend import load_spend
from tasks.metrics.budgets import pace
from tasks.metrics.rollup import load_rates_csv
from tasks.metrics.run import refresh_metrics
from tasks.warehouse.engine import get_engine
from tests.tasks.metrics.fixtures import load, order
from tests.tasks.metrics.test_definitions import values

TODAY = date(2026, 11, 12)
CONFIG = {
    "stores": [
        {
            "name": "web",
            "platform": "shopify",
            "url": "http://x",
            "timezone": "America/New_York",
            "currency": "USD",
            "token_env": "T",
        }
    ],
    "budgets": [
        {"store": "web", "month": "2026-11", "amount": 900},
        {"store": "web", "channel": "meta", "month": "2026-11", "amount": 300},
    ],
}


def row(day: int, channel: str, campaign: str, spend: str, currency: str, value: str | None):
    return SpendRow(
        date(2026, 11, day),
        channel,
        campaign,
        Decimal(spend),
        currency,
        10,
        1000,
        None if value is None else Decimal(2),
        None if value is None else Decimal(value),
        day,
        GENERIC_COLUMNS,
    )


@pytest.fixture
def computed(warehouse_url: str, tmp_path: Path) -> str:
    engine = get_engine(warehouse_url)
    load(
        engine,
        "web",
        "America/New_York",
        "USD",
        [
            order("2026-11-09T12:00:00-05:00", [("100.00", 1, "0.00")], customer=1),
            order("2026-11-09T13:00:00-05:00", [("50.00", 1, "0.00")], customer=2),
            order("2026-11-10T12:00:00-05:00", [("80.00", 1, "0.00")], customer=1),
        ],
    )
    spend = [
        row(9, "google_ads", "Brand", "40.00", "USD", "120.00"),
        row(9, "meta", "Prospect", "20.00", "EUR", "30.00"),
        row(10, "tiktok", "Spark", "10.00", "USD", None),
        row(11, "meta", "Prospect", "5.00", "GBP", "9.00"),  # no GBP rate: n/a
        row(11, "google_ads", "Brand", "7.00", "USD", "0.00"),
    ]
    ctx = StoreContext("web", ZoneInfo("America/New_York"), "USD", datetime.now(UTC))
    rates = tmp_path / "rates.csv"
    rates.write_text("day,currency,reporting_currency,rate\n2026-11-01,EUR,USD,1.10\n")
    with engine.begin() as conn:
        load_spend(conn, ctx, spend, "spend.csv", "0" * 64, exported_at=ctx.synced_at)
        load_rates_csv(conn, rates)
    refresh_metrics(parse_config(CONFIG), warehouse_url, today=TODAY)
    return warehouse_url


def test_spend_roas_mer_and_cac_against_hand_computed_figures(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 9))
    # 40.00 USD + 20.00 EUR × 1.10 = 62.00 USD; platform value 120.00 + 33.00 = 153.00.
    assert day["ad_spend"] == Decimal("62.00")
    assert day[("channel_ad_spend", "meta")] == Decimal("22.00")
    assert day["platform_roas"] == pytest.approx(153 / 62)
    assert day[("channel_platform_roas", "meta")] == pytest.approx(1.5)
    assert day[("campaign_platform_roas", "google_ads · Brand")] == pytest.approx(3.0)
    assert day["mer"] == pytest.approx(150 / 62)  # net sales 150.00
    assert day["cac"] == Decimal("31.00")  # two new customers
    assert day["new_customer_cpa"] == Decimal("31.00")


def test_a_base_of_zero_is_na(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 10))
    assert day["ad_spend"] == Decimal("10.00")
    assert day["platform_roas"] is None  # tiktok's file states no conversion value
    assert day["mer"] == pytest.approx(8.0)
    assert day["cac"] is None  # the only order is a returning customer's
    quiet: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 12))
    assert quiet["ad_spend"] == Decimal(0) and quiet["mer"] is None


def test_a_day_without_a_rate_for_its_currency_is_na(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 11))
    assert day["ad_spend"] is None
    assert day[("channel_ad_spend", "meta")] is None
    assert day[("channel_ad_spend", "google_ads")] == Decimal("7.00")


def test_week_sums_its_days(computed: str) -> None:
    week: dict[Any, Any] = values(computed, "web", "week", date(2026, 11, 9))
    # The 11th holds GBP spend without a rate: the whole week of spend is n/a, but not a
    # channel the rate does not touch.
    assert week["ad_spend"] is None and week["platform_roas"] is None
    assert week[("channel_ad_spend", "tiktok")] == Decimal("10.00")
    assert week[("channel_platform_roas", "google_ads")] == pytest.approx(120 / 47)


def test_pacing_against_the_store_and_channel_budgets(computed: str) -> None:
    day: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, 10))
    # 72.00 spent by the 10th of a 30-day month: a third of 900.00 is 300.00 due.
    assert day[("budget_spent", "all")] == pytest.approx(72 / 900)
    assert day[("spend_pacing", "all")] == pytest.approx(72 / 300)
    assert day[("projected_spend", "all")] == Decimal("216.00")
    assert day[("spend_pacing", "meta")] == pytest.approx(22 / 100)
    assert day[("projected_spend", "meta")] == Decimal("66.00")


def test_pacing_is_na_from_a_day_whose_spend_has_no_rate(computed: str) -> None:
    # The 11th holds meta spend in GBP, which has no rate: the month-to-date is unknown from then.
    for day in (11, 12):
        paced: dict[Any, Any] = values(computed, "web", "day", date(2026, 11, day))
        for budget in ("all", "meta"):
            assert paced[("budget_spent", budget)] is None, (day, budget)
            assert paced[("spend_pacing", budget)] is None, (day, budget)
            assert paced[("projected_spend", budget)] is None, (day, budget)


def test_pace_arithmetic() -> None:
    p = pace(15_000, 31_000, date(2026, 12, 15))  # 150 of 310 by the 15th of 31 days
    assert p.spent_share == pytest.approx(150 / 310)
    assert p.pacing == pytest.approx(150 / (310 * 15 / 31))
    assert p.projected_minor == 31_000
    assert pace(0, 10_000, date(2026, 2, 28)).projected_minor == 0
