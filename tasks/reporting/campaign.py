"""Build a campaign's review from the warehouse: each measure against its counterfactual
(``tasks/campaigns/review.py``), the discount cost, code use, the week after, and targets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import Connection, func, select

from connectors.config import Config, StoreConfig
from connectors.errors import ConfigError
from reports.model import CampaignLift, CampaignReview
from tasks.campaigns.plan import Campaign, store_campaigns
from tasks.campaigns.review import ADDITIVE, RATIOS, Lift, ratio_lift, span_lift
from tasks.checks.calendar import special_days
from tasks.checks.detect import DetectorSettings
from tasks.checks.history import HISTORY_DAYS, load_history
from tasks.metrics.registry import unit_of
from tasks.warehouse import schema as tables

#: Days after the campaign read for the pull-forward.
AFTER_DAYS = 7


def last_run(config: Config, store: StoreConfig, name: str, before: date) -> Campaign | None:
    """The latest run of the configured campaign ``name`` in ``store`` that ended before
    ``before`` (a store-local day); None when none has."""
    ended = [
        c
        for c in store_campaigns(store.name, config.campaigns, ())
        if c.name == name and c.days[-1] < before
    ]
    return ended[-1] if ended else None


def find_campaign(config: Config, store: StoreConfig, name: str, before: date) -> Campaign:
    """:func:`last_run`, required.

    Raises:
        ConfigError: no such campaign has ended for the store.
    """
    found = last_run(config, store, name, before)
    if found is None:
        raise ConfigError(
            f"no campaign {name!r} has ended for store {store.name!r} before {before}"
        )
    return found


def ended_on(config: Config, store: StoreConfig, day: date) -> Campaign | None:
    """The store's configured campaign whose last day is ``day`` (the first named, when two
    end together); retail events are not reviewed."""
    ended = [c for c in store_campaigns(store.name, config.campaigns, ()) if c.days[-1] == day]
    return ended[0] if ended else None


def build_review(
    conn: Connection,
    config: Config,
    store: StoreConfig,
    campaign: Campaign,
    run_url: str | None = None,
) -> CampaignReview:
    """The review of ``campaign`` in ``store``, from the daily metric values."""
    days = campaign.days
    after_last = days[-1] + timedelta(days=AFTER_DAYS)
    history = load_history(
        conn, store.name, after_last, [*ADDITIVE, "discounts"], HISTORY_DAYS + AFTER_DAYS
    )
    events = special_days(store.name, history.days[0], history.days[-1], config.campaigns)
    excluded = np.array([d in events or d in days for d in history.days])
    positions = [history.position(d) for d in days]
    lifts: dict[str, Lift] = {}
    for metric in ADDITIVE:
        settings = DetectorSettings(counts=metric != "net_sales")
        found = span_lift(metric, history.get(metric), positions, excluded, settings)
        if found is not None:
            lifts[metric] = found
    for ratio in RATIOS:
        if (found := ratio_lift(ratio, lifts)) is not None:
            lifts[ratio] = found
    week_after = [history.position(days[-1] + timedelta(days=i)) for i in range(1, 8)]
    after = span_lift(
        "net_sales",
        history.get("net_sales"),
        week_after,
        excluded | _after(history.days, days),
        DetectorSettings(),
    )
    discounts = history.get("discounts")[positions]
    order = ("net_sales", "orders", "aov", "conversion_rate", "new_customers", "units")
    return CampaignReview(
        store.name,
        campaign.name,
        days[0],
        days[-1],
        store.currency,
        [_model(lifts[m]) for m in order if m in lifts],
        None if after is None else _model(after),
        None if np.isnan(discounts).all() else Decimal(str(round(float(np.nansum(discounts)), 2))),
        code_orders(conn, store, campaign),
        _targets(campaign, lifts),
        run_url,
    )


def _model(x: Lift) -> CampaignLift:
    return CampaignLift(x.metric, unit_of(x.metric), x.actual, x.expected, x.lift, x.low, x.high)


def _after(spine: list[date], days: list[date]) -> np.ndarray:
    """The week after the campaign, kept out of what its own days are expected from."""
    after = {days[-1] + timedelta(days=i) for i in range(1, AFTER_DAYS + 1)}
    return np.array([d in after for d in spine])


def code_orders(conn: Connection, store: StoreConfig, campaign: Campaign) -> list[tuple[str, int]]:
    """Orders on the campaign's days that used each of its codes (codes match case-blind)."""
    if not campaign.codes:
        return []
    o, c = tables.orders.c, tables.order_discount_codes.c
    code = func.upper(c.code)
    rows = conn.execute(
        select(code, func.count())
        .join(tables.orders, (o.store == c.store) & (o.order_id == c.order_id))
        .where(
            o.store == store.name,
            o.local_date.between(campaign.days[0], campaign.days[-1]),
            code.in_([x.upper() for x in campaign.codes]),
            o.test.is_(False),
            o.deleted_at.is_(None),
        )
        .group_by(code)
    )
    used = {name: count for name, count in rows}
    return [(x, used.get(x.upper(), 0)) for x in campaign.codes]


def _targets(campaign: Campaign, lifts: dict[str, Lift]) -> list[tuple[str, float, float]]:
    """(metric, target, actual) for each target the campaign has and the review measured."""
    targets = campaign.targets
    wanted = {
        "net_sales": targets.sales,
        "orders": targets.orders,
        "new_customers": targets.new_customers,
    }
    return [
        (metric, float(target), lifts[metric].actual)
        for metric, target in wanted.items()
        if target and metric in lifts
    ]
