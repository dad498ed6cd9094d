"""The campaign review: lifts against the counterfactual, and the review sent as a report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from connectors.config import Config
from tasks.campaigns.review import ratio_lift, span_lift
from tasks.checks.detect import DetectorSettings
from tasks.delivery.publish import publish_report
from tasks.reporting.campaign import build_review, find_campaign
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine, reading
from tests.support.campaign_shop import (
    CAMPAIGN_DAYS,
    CAMPAIGN_START,
    CampaignShop,
    campaign_config,
    write_shop,
)

LAST = CAMPAIGN_START + timedelta(days=CAMPAIGN_DAYS - 1)


def _weekly_series(days: int, level: float, rng: np.random.Generator) -> np.ndarray:
    week = np.array([1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.15])
    return level * week[np.arange(days) % 7] * rng.lognormal(0, 0.05, days)


def test_a_span_lift_recovers_a_known_lift_with_an_interval_around_it() -> None:
    rng = np.random.default_rng(5)
    series = _weekly_series(200, 300, rng)
    span = list(range(190, 197))
    series[span] *= 1.3
    excluded = np.zeros(200, bool)
    excluded[span] = True
    found = span_lift("orders", series, span, excluded, DetectorSettings(counts=True))
    assert found is not None and found.lift is not None
    assert found.lift == pytest.approx(0.3, abs=0.05)
    assert found.low is not None and found.high is not None
    assert found.low < 0.3 < found.high and found.high - found.low < 0.3


def test_a_span_without_history_or_values_has_no_lift() -> None:
    series = np.full(10, 100.0)
    assert span_lift("orders", series, [8, 9], np.zeros(10, bool), DetectorSettings()) is None
    series = _weekly_series(200, 300, np.random.default_rng(1))
    series[195] = np.nan
    assert span_lift("orders", series, [195], np.zeros(200, bool), DetectorSettings()) is None


def test_a_ratio_lift_is_the_ratio_of_its_parts() -> None:
    rng = np.random.default_rng(2)
    sales, orders = _weekly_series(200, 9000, rng), _weekly_series(200, 150, rng)
    span = list(range(193, 200))
    sales[span] *= 1.5
    orders[span] *= 1.2
    excluded = np.zeros(200, bool)
    excluded[span] = True
    parts = {
        "net_sales": span_lift("net_sales", sales, span, excluded, DetectorSettings()),
        "orders": span_lift("orders", orders, span, excluded, DetectorSettings(counts=True)),
    }
    aov = ratio_lift("aov", {k: v for k, v in parts.items() if v is not None})
    assert aov is not None and aov.lift == pytest.approx(1.5 / 1.2 - 1, abs=0.06)


@pytest.fixture
def lifted(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    write_shop(url, CampaignShop(seed=11, orders_per_day=200, history_days=200, lift=1.4))
    return url


def test_the_review_measures_the_injected_lift(lifted: str) -> None:
    config = campaign_config()
    store = config.stores[0]
    campaign = find_campaign(config, store, "Autumn sale", LAST + timedelta(days=1))
    with reading(get_engine(lifted)) as conn:
        review = build_review(conn, config, store, campaign)
    lifts = {x.metric: x for x in review.lifts}
    assert (review.first, review.last) == (CAMPAIGN_START, LAST)
    assert lifts["orders"].lift == pytest.approx(0.4, abs=0.1)
    assert lifts["aov"].lift == pytest.approx(0.0, abs=0.06)  # the lift is in orders, not baskets
    assert review.after is None  # the week after has not happened yet


def test_the_review_is_sent_and_kept_as_a_page_the_morning_after(lifted: str) -> None:
    config = campaign_config(channels=[])
    morning = datetime(2026, 11, 9, 13, tzinfo=UTC)  # 08:00 in New York, the day after
    run = publish_report("campaign", config, lifted, as_of=morning)
    assert [r.campaign for r in run.reports] == ["Autumn sale"]
    p, o = tables.report_pages.c, tables.outbox.c
    with get_engine(lifted).connect() as conn:
        pages = conn.execute(select(p.key, p.language)).all()
        subjects = [json.loads(b)["text"] for b in conn.execute(select(o.payload)).scalars()]
    assert {key for key, _ in pages} == {f"campaign/{LAST}/shop"}
    assert any("Autumn sale" in s and "Orders" in s for s in subjects)
    day_before = publish_report("campaign", config, lifted, as_of=morning - timedelta(days=1))
    assert day_before.reports == []  # the campaign had not ended


def _sell_products(url: str, promoted_share: float, campaign_share: float, seed: int) -> None:
    """One line per order of the shop: product 1 (the promoted one) on ``promoted_share`` of
    ordinary days' orders and ``campaign_share`` of the campaign's, its orders there using the
    code AUTUMN; products 2–5 otherwise (their price the order's amount)."""
    rng = np.random.default_rng(seed)
    campaign = {CAMPAIGN_START + timedelta(days=i) for i in range(CAMPAIGN_DAYS)}
    o = tables.orders.c
    with get_engine(url).begin() as conn:
        orders = conn.execute(select(o.order_id, o.local_date, o.line_items_minor)).all()
        lines, codes = [], []
        for order_id, day, amount in orders:
            share = campaign_share if day in campaign else promoted_share
            product = 1 if rng.random() < share else int(rng.integers(2, 6))
            lines.append(
                {
                    "store": "shop",
                    "line_id": order_id,
                    "order_id": order_id,
                    "product_id": product,
                    "title": f"Product {product}",
                    "quantity": 1,
                    "price_minor": amount,
                    "discount_minor": 0,
                    "tax_minor": 0,
                    "gift_card": False,
                }
            )
            if product == 1 and day in campaign:
                codes.append(
                    {
                        "store": "shop",
                        "order_id": order_id,
                        "code": "autumn",
                        "kind": "percentage",
                        "amount_minor": 0,
                    }
                )
        conn.execute(tables.order_lines.insert(), lines)
        conn.execute(tables.order_discount_codes.insert(), codes)


def _with_code(config: Config) -> Config:
    campaigns = [c.model_copy(update={"codes": ["AUTUMN"]}) for c in config.campaigns]
    return config.model_copy(update={"campaigns": campaigns})


def test_the_halo_is_the_other_products_against_their_own_counterfactual(lifted: str) -> None:
    # Orders rise 1.4×, but half of the campaign's orders are the promoted product against a
    # fifth of an ordinary day's: the other products sell 1.4 · 0.5 / 0.8 = 0.875× as much.
    _sell_products(lifted, promoted_share=0.2, campaign_share=0.5, seed=4)
    config = _with_code(campaign_config())
    store = config.stores[0]
    campaign = find_campaign(config, store, "Autumn sale", LAST + timedelta(days=1))
    with reading(get_engine(lifted)) as conn:
        review = build_review(conn, config, store, campaign)
        uncoded = build_review(conn, campaign_config(), store, replace(campaign, codes=()))
    assert review.promoted_products == 1
    assert review.halo is not None and review.halo.lift is not None
    assert review.halo.lift == pytest.approx(-0.125, abs=0.07)
    assert review.halo.low is not None and review.halo.high is not None
    assert review.halo.low < review.halo.lift < review.halo.high
    assert review.code_orders == [("AUTUMN", pytest.approx(0.5 * 1.4 * 200 * 7, rel=0.25))]
    assert uncoded.halo is None and uncoded.promoted_products == 0  # no codes, no scope
