"""Build the daily digest's model from the warehouse: KPIs, alerts, products, stock, data health.

Money leaves the warehouse's integer minor units here, once, as exact Decimals
(``connectors.money.from_minor``); the headline values and their trends are both read from the
stored ``metric_values``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, or_, select

from connectors.config import CampaignConfig
from connectors.money import currency_exponent, from_minor
from reports.model import (
    AlertLine,
    AlertState,
    Amount,
    Change,
    ChannelFunnel,
    DailyDigest,
    DataProblem,
    Kpi,
    ProductLine,
    SpecialDay,
    StockRisk,
    TrafficFunnel,
)
from tasks.checks.calendar import special_days_through
from tasks.checks.expected import day_expectations
from tasks.checks.history import EVENT_HISTORY_DAYS
from tasks.metrics.compare import Comparison, Delta, compare
from tasks.metrics.movers import ProductMove, product_moves, risers_and_fallers, top_products
from tasks.metrics.query import metric_rows
from tasks.metrics.registry import HEADLINE, REGISTRY
from tasks.metrics.scope import live
from tasks.warehouse import schema as tables

TREND_DAYS = 14
#: What the digest adds for a store with ad spend in the trend's days; attributed ROAS only
#: where the store's orders record their marketing source (not on marketplaces).
SPEND_KPIS = ("ad_spend", "platform_roas", "attributed_roas", "mer")
#: Variants with fewer days of cover than this are listed as stock at risk.
AT_RISK_DAYS = 7.0


def build_daily(
    conn: Connection,
    store: str,
    currency: str,
    day: date,
    run_url: str | None = None,
    campaigns: Sequence[CampaignConfig] = (),
) -> DailyDigest:
    """The digest of ``day`` (a complete store-local day) for ``store``; on an event day (a
    retail holiday or one of ``campaigns``) its KPIs are also set against the day's
    special-day expectation."""
    shown = HEADLINE + _spend_kpis(conn, store, day)
    comparisons = compare(
        conn, store, "day", day, day + timedelta(days=1), tuple(REGISTRY[m] for m in shown)
    )
    trends = _trends(conn, store, day, shown)
    pacing = _target_pacing(conn, store, day)
    special, expected = special_day(conn, store, day, campaigns)
    kpis = [
        with_expected(kpi(c, currency, trends.get(c.metric, ()), pacing.get(c.metric)), expected)
        for c in comparisons
    ]
    moves = product_moves(conn, store, "day", day)
    risers, fallers = risers_and_fallers(moves, limit=3)
    return DailyDigest(
        store=store,
        day=day,
        currency=currency,
        kpis=kpis,
        alerts=_alerts(conn, store, day),
        top_products=[product_line(m) for m in top_products(moves, limit=5)],
        risers=[product_line(m) for m in risers],
        fallers=[product_line(m) for m in fallers],
        stock_risks=_stock_risks(conn, store, day),
        traffic=traffic_funnel(conn, store, day),
        data_problems=_data_problems(conn, store, day),
        run_url=run_url,
        special_day=special,
    )


def special_day(
    conn: Connection, store: str, day: date, campaigns: Sequence[CampaignConfig]
) -> tuple[SpecialDay | None, dict[str, float]]:
    """The event ``day`` is, with the headline KPIs' special-day expectations (by the checks'
    method, ``tasks/checks/special.py``); (None, {}) on an ordinary day. A KPI whose
    expectation could not come from the day's reference has none."""
    first = day - timedelta(days=EVENT_HISTORY_DAYS)
    events = special_days_through(store, first, day, campaigns)
    if day not in events:
        return None, {}
    found = day_expectations(conn, store, day, events, HEADLINE)
    reference = found.reference
    expected = {
        metric: e.expected for metric, e in found.expected.items() if e.source == reference.source
    }
    similar = reference.event if reference.source == "similar_campaign" else ""
    return SpecialDay(events[day], reference.source, found.past, similar), expected


def with_expected(k: Kpi, expected: Mapping[str, float]) -> Kpi:
    """``k`` set against its expected value, when the day has one (an event day)."""
    if not expected:
        return k
    value, base = k.value, expected.get(k.metric)
    if value is None or base is None:
        return replace(k, vs_expected=Change(None))
    if k.unit == "ratio":
        return replace(k, vs_expected=Change(None, float(value) - base))
    return replace(k, vs_expected=Change(float(value) / base - 1 if base > 0 else None))


def kpi(
    c: Comparison, currency: str, trend: tuple[Amount | None, ...] = (), pace: float | None = None
) -> Kpi:
    """A comparison as a KPI line, money converted to an exact amount in ``currency``."""
    m = REGISTRY[c.metric]

    def change(d: Delta | None) -> Change:
        if d is None:
            return Change(None)
        if m.unit == "ratio":
            return Change(d.ratio, d.change)
        return Change(d.ratio)

    value: Amount | None = c.number
    if c.value_minor is not None:
        value = from_minor(c.value_minor, currency_exponent(currency))
    return Kpi(
        metric=c.metric,
        unit=m.unit,
        value=value,
        vs_prior=change(c.previous),
        vs_week=change(c.last_week),
        vs_year=change(c.last_year),
        vs_target=pace,
        trend=trend,
        good_when_up=m.good != "down",
    )


def _spend_kpis(conn: Connection, store: str, day: date) -> tuple[str, ...]:
    """The spend KPIs the digest shows: none without spend; attributed ROAS beside platform
    ROAS once the store's orders record their marketing source."""
    if not _advertises(conn, store, day):
        return ()
    if _records_sources(conn, store, day):
        return SPEND_KPIS
    return tuple(m for m in SPEND_KPIS if m != "attributed_roas")


def _records_sources(conn: Connection, store: str, day: date) -> bool:
    o = tables.orders.c
    query = (
        select(o.order_id)
        .where(live(store), o.marketing_channel.is_not(None), o.local_date <= day)
        .limit(1)
    )
    return conn.execute(query).first() is not None


def _advertises(conn: Connection, store: str, day: date) -> bool:
    """Whether the store had ad spend in the trend's days (its digest then shows spend)."""
    sp = tables.ad_spend.c
    start = day - timedelta(days=TREND_DAYS - 1)
    query = select(sp.store).where(sp.store == store, sp.local_date.between(start, day)).limit(1)
    return conn.execute(query).first() is not None


def _trends(
    conn: Connection, store: str, day: date, metrics: tuple[str, ...] = HEADLINE
) -> dict[str, tuple[Amount | None, ...]]:
    """The KPIs' stored values over the last ``TREND_DAYS`` days, oldest first; a day
    without a stored value is None."""
    start = day - timedelta(days=TREND_DAYS - 1)
    stored = {
        (row["metric"], row["period_start"]): row["value"]
        for row in metric_rows(conn, store, "day", start, day, list(metrics))
        if row["dimension"] is None
    }
    spine = [start + timedelta(days=i) for i in range(TREND_DAYS)]
    return {m: tuple(stored.get((m, d)) for d in spine) for m in metrics}


def _target_pacing(conn: Connection, store: str, day: date) -> dict[str, float]:
    mv = tables.metric_values.c
    rows = conn.execute(
        select(mv.dimension_value, mv.value).where(
            mv.store == store,
            mv.metric == "target_pacing_weekday",
            mv.grain == "day",
            mv.period_start == day,
        )
    ).all()
    return {metric: value for metric, value in rows if value is not None}


def _alerts(conn: Connection, store: str, day: date) -> list[AlertLine]:
    """New (opened for the day), ongoing (open), and resolved (on the day) alerts, unsilenced."""
    a = tables.alerts.c
    rows = conn.execute(
        select(tables.alerts)
        .where(
            a.store == store,
            a.silenced.is_(False),
            or_(
                a.status == "open",
                and_(a.status == "resolved", a.resolved_for == day),
            ),
        )
        .order_by(a.severity, a.fingerprint)
    ).mappings()
    lines = [
        alert_line(
            row,
            "resolved"
            if row["status"] == "resolved"
            else ("new" if row["opened_for"] == day else "ongoing"),
        )
        for row in rows
    ]
    order = {"new": 0, "ongoing": 1, "resolved": 2}
    return sorted(lines, key=lambda x: (order[x.state], x.severity != "critical", x.fingerprint))


def alert_line(row: Mapping[str, Any] | RowMapping, state: AlertState) -> AlertLine:
    """An ``alerts`` row as the reader sees it."""
    metric = REGISTRY.get(row["metric"])
    explanation = json.loads(row["explanation"] or "{}")
    return AlertLine(
        fingerprint=row["fingerprint"],
        state=state,
        severity=row["severity"],
        kind=row["kind"],
        check=row["check_name"],
        message=row["message"],
        metric=row["metric"],
        unit=metric.unit if metric else "count",
        actual=row["actual"],
        expected=row["expected"],
        lower=row["lower"],
        upper=row["upper"],
        params=explanation.pop("params", {}),
        explanation=explanation,
        opened_for=row.get("opened_for"),
    )


def product_line(move: ProductMove) -> ProductLine:
    return ProductLine(move.title, move.sales, move.change)


def _stock_risks(conn: Connection, store: str, day: date, limit: int = 5) -> list[StockRisk]:
    """Variants under a week of cover on the latest snapshot up to the day after ``day``."""
    mv = tables.metric_values.c
    latest = conn.execute(
        select(mv.period_start)
        .where(mv.store == store, mv.metric == "variant_days_of_cover", mv.grain == "day")
        .where(mv.period_start <= day + timedelta(days=1))
        .order_by(mv.period_start.desc())
        .limit(1)
    ).scalar()
    if latest is None:
        return []
    v = tables.variants.c
    p = tables.products.c
    rows = conn.execute(
        select(mv.dimension_value, mv.value, p.title, v.title)
        .select_from(
            tables.metric_values.join(
                tables.variants,
                and_(
                    v.store == mv.store,
                    mv.dimension_value == v.variant_id.cast(mv.dimension_value.type),
                ),
                isouter=True,
            ).join(
                tables.products,
                and_(p.store == v.store, p.product_id == v.product_id),
                isouter=True,
            )
        )
        .where(
            mv.store == store,
            mv.metric == "variant_days_of_cover",
            mv.grain == "day",
            mv.period_start == latest,
            mv.value < AT_RISK_DAYS,
        )
        .order_by(mv.value, mv.dimension_value)
        .limit(limit)
    ).all()
    return [
        StockRisk(f"{product} – {variant}" if product else key, float(value))
        for key, value, product, variant in rows
    ]


#: The stored metrics of a channel's funnel, in ``ChannelFunnel``'s order.
FUNNEL_METRICS = (
    "channel_sessions",
    "channel_add_to_carts",
    "channel_checkouts",
    "channel_purchases",
    "channel_conversion_rate",
)


def traffic_funnel(conn: Connection, store: str, day: date) -> TrafficFunnel | None:
    """The day's stored funnel by channel, with its source and GA4's quality flags."""
    t = tables.traffic_daily.c
    loaded = conn.execute(
        select(t.source, t.sampled_share, t.thresholded, t.other_row).where(
            t.store == store, t.local_date == day
        )
    ).all()
    if not loaded:
        return None
    values: dict[str, dict[str, Any]] = {}
    for row in metric_rows(conn, store, "day", day, day, list(FUNNEL_METRICS)):
        if row["dimension"] == "traffic_channel":
            values.setdefault(row["dimension_value"], {})[row["metric"]] = row["value"]
    channels = [channel_funnel(channel, found) for channel, found in sorted(values.items())]
    shares = [r.sampled_share for r in loaded if r.sampled_share is not None]
    return TrafficFunnel(
        source=loaded[0].source,  # one source a day: GA4 replaces the others (load_traffic)
        channels=channels,
        sampled_share=min(shares) if shares else None,
        thresholded=any(r.thresholded for r in loaded),
        other_row=any(r.other_row for r in loaded),
    )


def channel_funnel(channel: str, found: Mapping[str, Any]) -> ChannelFunnel:
    """A channel's stored funnel values; a step without a stored value is 0."""
    sessions, carts, checkouts, purchases = (int(found.get(m) or 0) for m in FUNNEL_METRICS[:4])
    conversion = found.get("channel_conversion_rate")
    return ChannelFunnel(
        channel,
        sessions,
        carts,
        checkouts,
        purchases,
        None if conversion is None else float(conversion),
    )


def _data_problems(conn: Connection, store: str, day: date) -> list[DataProblem]:
    f = tables.check_findings.c
    rows = conn.execute(
        select(f.check_name, f.explanation, f.message)
        .where(f.store == store, f.check_day == day, f.kind == "data")
        .order_by(f.fingerprint)
    )
    return [
        DataProblem(check, json.loads(explanation or "{}").get("params", {}), message)
        for check, explanation, message in rows
    ]
