"""Build a campaign's review from the warehouse: each measure against its counterfactual
(``tasks/campaigns/review.py``), the discount cost, code use, the week after, and targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from connectors.config import Config, StoreConfig
from connectors.errors import ConfigError
from tasks.campaigns.plan import Campaign, store_campaigns
from tasks.campaigns.review import ADDITIVE, RATIOS, Lift, ratio_lift, span_lift, target_attainment
from tasks.checks.calendar import special_days
from tasks.checks.detect import DetectorSettings
from tasks.checks.history import HISTORY_DAYS, load_history
from tasks.warehouse import schema as tables

#: Days after the campaign read for the pull-forward.
AFTER_DAYS = 7


@dataclass(frozen=True, slots=True)
class CampaignReview:
    """What one campaign did in one store (money in the store's currency, major units)."""

    store: str
    currency: str
    campaign: str
    first: date
    last: date
    lifts: list[Lift]
    #: The week after, against its own counterfactual (net sales); None before it has passed.
    after: Lift | None
    discounts: float | None
    #: Orders that used each of the campaign's codes.
    code_orders: dict[str, int] = field(default_factory=dict)
    #: Measure → share of its target reached.
    attainment: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"campaign/{self.campaign}/{self.first.isoformat()}/{self.store}"

    def lift(self, metric: str) -> Lift | None:
        return next((x for x in self.lifts if x.metric == metric), None)


def find_campaign(config: Config, store: StoreConfig, name: str, before: date) -> Campaign:
    """The latest run of the campaign ``name`` in ``store`` that ended before ``before``.

    Raises:
        ConfigError: no such campaign has ended for the store.
    """
    years = range(before.year - 1, before.year + 1)
    ended = [
        c
        for c in store_campaigns(store.name, config.campaigns, years)
        if c.name == name and c.days[-1] < before
    ]
    if not ended:
        raise ConfigError(
            f"no campaign {name!r} has ended for store {store.name!r} before {before}"
        )
    return ended[-1]


def build_review(
    conn: Connection, config: Config, store: StoreConfig, campaign: Campaign
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
        store.currency,
        campaign.name,
        days[0],
        days[-1],
        [lifts[m] for m in order if m in lifts],
        after,
        None if np.isnan(discounts).all() else float(np.nansum(discounts)),
        _code_orders(conn, store, campaign),
        _attainment(campaign, lifts),
    )


def _after(spine: list[date], days: list[date]) -> np.ndarray:
    """The week after the campaign, kept out of what its own days are expected from."""
    after = {days[-1] + timedelta(days=i) for i in range(1, AFTER_DAYS + 1)}
    return np.array([d in after for d in spine])


def _code_orders(conn: Connection, store: StoreConfig, campaign: Campaign) -> dict[str, int]:
    if not campaign.codes:
        return {}
    o, c = tables.orders.c, tables.order_discount_codes.c
    rows = conn.execute(
        select(func.upper(c.code), func.count())
        .join(tables.orders, (o.store == c.store) & (o.order_id == c.order_id))
        .where(
            o.store == store.name,
            o.local_date.between(campaign.days[0], campaign.days[-1]),
            func.upper(c.code).in_([code.upper() for code in campaign.codes]),
            o.test.is_(False),
            o.deleted_at.is_(None),
        )
        .group_by(func.upper(c.code))
    )
    used = {code: count for code, count in rows}
    return {code: used.get(code.upper(), 0) for code in campaign.codes}


def _attainment(campaign: Campaign, lifts: dict[str, Lift]) -> dict[str, float]:
    targets = campaign.targets
    wanted = {
        "net_sales": targets.sales,
        "orders": targets.orders,
        "new_customers": targets.new_customers,
    }
    reached = {}
    for metric, target in wanted.items():
        share = (
            target_attainment(lifts[metric].actual, float(target))
            if metric in lifts and target
            else None
        )
        if share is not None:
            reached[metric] = share
    return reached
