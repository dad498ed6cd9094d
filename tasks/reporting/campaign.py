"""Build a campaign's review from the warehouse: each measure against its counterfactual
(``tasks/campaigns/review.py``), the discount cost, code use, the week after, targets, and the
halo.

The halo is what the campaign did to the products it did not promote. Its promoted products are
those its codes were used on during its days (its product scope as it sold: a code that applies
to a collection shows up on that collection's products); every other product is *outside* it.
The halo is the daily line sales (price × quantity − line discounts, before refunds) of the
outside products, against their own counterfactual: the same ordinary expectation the review
uses, learned from those products' own ordinary days. A rise is a halo (visitors drawn by the
promotion buy more), a fall cannibalisation. Lines without a product (custom items) are in
neither. A campaign without codes has no halo."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import Connection, func, select

from connectors.config import Config, StoreConfig
from connectors.errors import ConfigError
from connectors.money import currency_exponent
from reports.model import CampaignLift, CampaignReview
from tasks.campaigns.plan import Campaign, store_campaigns
from tasks.campaigns.review import ADDITIVE, RATIOS, Lift, ratio_lift, span_lift
from tasks.campaigns.run import counted_orders
from tasks.checks.calendar import special_days
from tasks.checks.detect import DetectorSettings
from tasks.checks.history import HISTORY_DAYS, History, load_history
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
    promoted = promoted_products(conn, store, campaign)
    halo = _halo(conn, store, promoted, history, positions, excluded)
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
        None if halo is None else _model(halo),
        len(promoted),
    )


def promoted_products(conn: Connection, store: StoreConfig, campaign: Campaign) -> set[int]:
    """The products the campaign's codes were used on during its days (codes case-blind)."""
    if not campaign.codes:
        return set()
    o, c, line = tables.orders.c, tables.order_discount_codes.c, tables.order_lines.c
    rows = conn.execute(
        select(line.product_id)
        .distinct()
        .select_from(
            tables.order_lines.join(
                tables.orders, (o.store == line.store) & (o.order_id == line.order_id)
            ).join(
                tables.order_discount_codes,
                (c.store == o.store) & (c.order_id == o.order_id),
            )
        )
        .where(
            o.store == store.name,
            o.local_date.between(campaign.days[0], campaign.days[-1]),
            func.upper(c.code).in_([x.upper() for x in campaign.codes]),
            line.product_id.is_not(None),
            counted_orders(),
        )
    )
    return {int(product) for product in rows.scalars()}


def outside_sales(
    conn: Connection, store: StoreConfig, promoted: set[int], days: list[date]
) -> np.ndarray:
    """Daily line sales of the products outside ``promoted`` over ``days`` (major units); a
    day before the store's first order is NaN, a day without such sales zero."""
    o, line = tables.orders.c, tables.order_lines.c
    sales = line.price_minor * line.quantity - line.discount_minor
    rows = conn.execute(
        select(o.local_date, func.sum(sales))
        .select_from(
            tables.order_lines.join(
                tables.orders, (o.store == line.store) & (o.order_id == line.order_id)
            )
        )
        .where(
            o.store == store.name,
            o.local_date.between(days[0], days[-1]),
            line.product_id.is_not(None),
            line.product_id.not_in(sorted(promoted)),
            counted_orders(),
        )
        .group_by(o.local_date)
    )
    by_day = {day: int(total) for day, total in rows}
    first = conn.execute(
        select(func.min(o.local_date)).where(o.store == store.name, counted_orders())
    ).scalar()
    scale = 10 ** currency_exponent(store.currency)
    return np.array(
        [np.nan if first is None or d < first else by_day.get(d, 0) / scale for d in days]
    )


def _halo(
    conn: Connection,
    store: StoreConfig,
    promoted: set[int],
    history: History,
    positions: list[int],
    excluded: np.ndarray,
) -> Lift | None:
    """The outside products' lift over the campaign's days (see the module)."""
    if not promoted:
        return None
    series = outside_sales(conn, store, promoted, history.days)
    return span_lift("halo_sales", series, positions, excluded, DetectorSettings())


def _model(x: Lift) -> CampaignLift:
    unit = "money" if x.metric == "halo_sales" else unit_of(x.metric)
    return CampaignLift(x.metric, unit, x.actual, x.expected, x.lift, x.low, x.high)


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
