"""The digest of an event day: its KPIs against the day's special-day expectation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tasks.reporting.daily import build_daily
from tasks.warehouse.engine import get_engine, reading
from tests.support.campaign_shop import CAMPAIGN_START, CampaignShop, campaign_config, write_shop

DAY = CAMPAIGN_START + timedelta(days=2)


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A shop whose campaign triples orders, last year and this."""
    url = f"sqlite:///{tmp_path_factory.mktemp('event') / 'w.db'}"
    write_shop(url, CampaignShop(seed=3, orders_per_day=200, history_days=500, lift=3.0))
    return url


def test_a_campaign_day_is_expected_from_the_same_campaign_last_year(lifted: str) -> None:
    config = campaign_config()
    with reading(get_engine(lifted)) as conn:
        digest = build_daily(conn, "shop", "USD", DAY, campaigns=config.campaigns)
        ordinary = build_daily(conn, "shop", "USD", DAY)  # no campaign configured
    special = digest.special_day
    assert special is not None and special.event == "Autumn sale"
    assert (special.source, special.past) == ("same_event", (DAY - timedelta(days=364),))
    orders = next(k for k in digest.kpis if k.metric == "orders")
    assert orders.vs_expected is not None and orders.vs_expected.ratio is not None
    assert orders.vs_expected.ratio == pytest.approx(0, abs=0.2)  # the lift was expected
    assert orders.vs_week.ratio is not None and orders.vs_week.ratio > 1.5  # an ordinary week ago
    assert ordinary.special_day is None
    assert all(k.vs_expected is None for k in ordinary.kpis)


def test_a_renamed_campaign_is_expected_from_the_most_similar_past_one(lifted: str) -> None:
    config = campaign_config()
    renamed = config.campaigns[1].model_copy(update={"name": "Winter sale"})
    with reading(get_engine(lifted)) as conn:
        digest = build_daily(conn, "shop", "USD", DAY, campaigns=[config.campaigns[0], renamed])
    special = digest.special_day
    assert special is not None
    assert (special.event, special.source, special.similar) == (
        "Winter sale",
        "similar_campaign",
        "Autumn sale",
    )
    orders = next(k for k in digest.kpis if k.metric == "orders")
    assert orders.vs_expected is not None and orders.vs_expected.ratio is not None
    assert orders.vs_expected.ratio == pytest.approx(0, abs=0.2)


def test_a_first_campaign_with_nothing_like_it_is_expected_as_an_ordinary_day(
    lifted: str,
) -> None:
    only = campaign_config().campaigns[1]
    with reading(get_engine(lifted)) as conn:
        digest = build_daily(conn, "shop", "USD", DAY, campaigns=[only])
    assert digest.special_day is not None and digest.special_day.source == "ordinary_days"
    orders = next(k for k in digest.kpis if k.metric == "orders")
    assert orders.vs_expected is not None and orders.vs_expected.ratio is not None
    assert orders.vs_expected.ratio > 1.5  # three times an ordinary day


def test_an_event_from_before_the_stores_history_began_is_not_what_it_is_expected_from(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A young shop: last year's campaign is configured, but its orders start after it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('young') / 'w.db'}"
    write_shop(url, CampaignShop(seed=4, orders_per_day=200, history_days=200, lift=3.0))
    with reading(get_engine(url)) as conn:
        digest = build_daily(conn, "shop", "USD", DAY, campaigns=campaign_config().campaigns)
    assert digest.special_day is not None
    assert (digest.special_day.source, digest.special_day.past) == ("ordinary_days", ())
    orders = next(k for k in digest.kpis if k.metric == "orders")
    assert orders.vs_expected is not None and orders.vs_expected.ratio is not None
    assert orders.vs_expected.ratio > 1.5  # against ordinary days, the lift shows
