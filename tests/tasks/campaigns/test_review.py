"""The campaign review: lifts against the counterfactual, and the review sent as a report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

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
