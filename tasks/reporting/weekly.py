"""Build the weekly review from the warehouse.

The week is an ISO week (Monday to Sunday, store-local); by default the last complete one
before the run. Everything in it is read from ``metric_values`` and the alert tables, except a
campaign's days, which need not make a whole week. Money leaves integer minor units here, once,
as exact Decimals.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, and_, or_, select

from connectors.config import CampaignConfig
from connectors.money import currency_exponent, from_minor
from reports.model import (
    AlertLine,
    ChannelShare,
    CohortRow,
    Pacing,
    PromotionResult,
    SpendPacing,
    WeeklyReview,
)
from tasks.metrics.budgets import ALL_CHANNELS
from tasks.metrics.compare import compare, evaluate_range
from tasks.metrics.movers import product_moves, risers_and_fallers, top_products
from tasks.metrics.registry import HEADLINE, REGISTRY
from tasks.reporting.daily import alert_line, kpi, product_line
from tasks.warehouse import schema as tables

WEEKLY_KPIS = (*HEADLINE, "sessions", "repeat_purchase_rate", "promotion_sales_share")
COHORT_MONTHS = 6


def default_week(local_today: date) -> date:
    """The Monday of the last complete ISO week before ``local_today``."""
    this_monday = local_today - timedelta(days=local_today.weekday())
    return this_monday - timedelta(days=7)


def build_weekly(
    conn: Connection,
    store: str,
    currency: str,
    week: date,
    campaigns: list[CampaignConfig] = (),  # type: ignore[assignment]
    run_url: str | None = None,
) -> WeeklyReview:
    if week.weekday() != 0:
        raise ValueError(f"a week starts on a Monday; {week} is a {week:%A}")
    end = week + timedelta(days=6)
    metrics = tuple(REGISTRY[m] for m in WEEKLY_KPIS if m in REGISTRY)
    comparisons = compare(conn, store, "week", week, end + timedelta(days=1), metrics)
    moves = product_moves(conn, store, "week", week)
    _, fallers = risers_and_fallers(moves, limit=5)
    exponent = currency_exponent(currency)
    return WeeklyReview(
        store=store,
        week=week,
        currency=currency,
        kpis=[kpi(c, currency) for c in comparisons],
        pacing=_pacing(conn, store, end),
        spend_pacing=_spend_pacing(conn, store, end, exponent),
        cohorts=_cohorts(conn, store, end),
        channels=_channels(conn, store, week, exponent),
        top_products=[product_line(m) for m in top_products(moves, limit=5)],
        bottom_products=[product_line(m) for m in fallers],
        promotions=_promotions(conn, store, week, campaigns, exponent),
        alerts=_alerts(conn, store, week, end),
        run_url=run_url,
    )


def _values(
    conn: Connection, store: str, metric: str, grain: str, starts: list[date]
) -> dict[tuple[date, str], float | None]:
    mv = tables.metric_values.c
    rows = conn.execute(
        select(mv.period_start, mv.dimension_value, mv.value, mv.value_minor).where(
            mv.store == store,
            mv.metric == metric,
            mv.grain == grain,
            mv.period_start.in_(starts),
        )
    )
    return {
        (r.period_start, r.dimension_value): (r.value if r.value_minor is None else r.value_minor)
        for r in rows
    }


def _pacing(conn: Connection, store: str, day: date) -> list[Pacing]:
    """Month to date at the week's end, for every metric with a target."""
    attainment = _values(conn, store, "target_attainment", "day", [day])
    pace = _values(conn, store, "target_pacing_weekday", "day", [day])
    return [
        Pacing(metric, value, pace.get((day, metric)))
        for (_, metric), value in sorted(attainment.items())
    ]


def _spend_pacing(conn: Connection, store: str, day: date, exponent: int) -> list[SpendPacing]:
    """Month to date at the week's end, for every ad budget (the store's whole spend first)."""
    spent = _values(conn, store, "budget_spent", "day", [day])
    pace = _values(conn, store, "spend_pacing", "day", [day])
    projected = _values(conn, store, "projected_spend", "day", [day])
    rows = []
    for (_, budget), share in sorted(spent.items(), key=lambda i: (i[0][1] != ALL_CHANNELS, i[0])):
        minor = projected.get((day, budget))
        rows.append(
            SpendPacing(
                None if budget == ALL_CHANNELS else budget,
                share,
                pace.get((day, budget)),
                None if minor is None else from_minor(int(minor), exponent),
            )
        )
    return rows


def _cohorts(conn: Connection, store: str, day: date) -> list[CohortRow]:
    """The last six first-order months with their retention by months since (month 0 first)."""
    months = [_month(day, -back) for back in range(COHORT_MONTHS - 1, -1, -1)]
    sizes = _values(conn, store, "cohort_customers", "month", months)
    cells = _values(conn, store, "cohort_retention", "month", months)
    rows = []
    for index, month in enumerate(months):
        size = sizes.get((month, ""))
        if not size:
            continue
        offsets = range(len(months) - index)
        rows.append(CohortRow(month, int(size), tuple(cells.get((month, str(k))) for k in offsets)))
    return rows


def _month(day: date, shift: int) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _channels(conn: Connection, store: str, week: date, exponent: int) -> list[ChannelShare]:
    before = week - timedelta(days=7)
    sales = _values(conn, store, "channel_sales", "week", [week, before])
    totals = {
        start: sum(v or 0 for (s, _), v in sales.items() if s == start) for start in (week, before)
    }
    shares = []
    for (start, channel), value in sales.items():
        if start != week or not totals[week]:
            continue
        share = (value or 0) / totals[week]
        old = sales.get((before, channel))
        points = share - (old or 0) / totals[before] if totals[before] else None
        sales_minor = int(value or 0)
        shares.append(ChannelShare(channel, from_minor(sales_minor, exponent), share, points))
    return sorted(shares, key=lambda c: (-c.sales, c.channel))


def _promotions(
    conn: Connection, store: str, week: date, campaigns: list[CampaignConfig], exponent: int
) -> list[PromotionResult]:
    end = week + timedelta(days=6)
    results = []
    for c in campaigns:
        if (c.stores and store not in c.stores) or c.end < week or c.start > end:
            continue
        first, last = max(c.start, week), min(c.end, end)
        during = _net_sales(conn, store, first, last, exponent)
        before = _net_sales(conn, store, first - timedelta(7), last - timedelta(7), exponent)
        days = (last - first).days + 1
        results.append(PromotionResult(c.name, days, during, before))
    return results


def _net_sales(conn: Connection, store: str, first: date, last: date, exponent: int) -> Decimal:
    """Net sales over the days ``first``…``last`` (a campaign's days need not make a week)."""
    minor = evaluate_range(conn, store, first, last).get("net_sales") or 0
    return from_minor(round(minor), exponent)


def _alerts(conn: Connection, store: str, week: date, end: date) -> list[AlertLine]:
    """Alerts opened in the week and those resolved in it (unsilenced)."""
    a = tables.alerts.c
    rows = conn.execute(
        select(tables.alerts)
        .where(
            a.store == store,
            a.silenced.is_(False),
            or_(
                and_(a.opened_for >= week, a.opened_for <= end),
                and_(a.resolved_for >= week, a.resolved_for <= end),
            ),
        )
        .order_by(a.opened_for, a.fingerprint)
    ).mappings()
    return [
        alert_line(row, "resolved" if row["status"] == "resolved" else "ongoing") for row in rows
    ]
