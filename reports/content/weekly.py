"""What the weekly review says: week KPIs, pacing against targets and ad budgets, channels,
products, promotions, alerts and the cohort heatmap."""

from __future__ import annotations

from dataclasses import dataclass

from reports.content.alerts import alert_groups
from reports.content.daily import Cell, kpi_cells, product_text
from reports.i18n import Locale
from reports.model import CohortRow, WeeklyReview


@dataclass(frozen=True, slots=True)
class Heatmap:
    headers: list[str]
    #: (first-order month, customers, cells as (text, 0…1 intensity or None)).
    rows: list[tuple[str, str, list[tuple[str, float | None]]]]


@dataclass(frozen=True, slots=True)
class WeeklySections:
    title: str
    headers: list[str]
    kpi_rows: list[list[Cell]]
    #: (heading, lines) in reading order: pacing, channels, products, promotions, alerts.
    lists: list[tuple[str, list[str]]]
    heatmap: Heatmap | None
    run_url: str | None


def weekly_title(r: WeeklyReview, t: Locale) -> str:
    return f"{t('weekly_title')} · {r.store} · {t.week(r.week)}"


def weekly_sections(r: WeeklyReview, t: Locale) -> WeeklySections:
    headers = [t("kpi"), t("value"), t("vs_last_week"), t("vs_last_year")]
    rows = [kpi_cells(k, r.currency, t, ("prior", "year")) for k in r.kpis]
    money = r.currency
    pacing = [
        f"{t.metric(p.metric)}: {t('attained')} "
        + (t("na") if p.attained is None else f"{p.attained:.0%}")
        + (f" · {p.pace:.0%} {t('pace')}" if p.pace is not None else "")
        for p in r.pacing
    ]
    spend_pacing = [
        f"{t('all_channels') if p.channel is None else p.channel}: "
        + (t("na") if p.spent is None else f"{p.spent:.0%}")
        + f" {t('of_budget')}"
        + (f" · {p.pace:.0%} {t('budget_pace')}" if p.pace is not None else "")
        + f" · {t('projected')} {t.money(p.projected, money, 0)}"
        for p in r.spend_pacing
    ]
    channels = [
        f"{c.channel}: {t.money(c.sales, money, 0)} · {c.share:.0%}"
        + (f" ({t.change(None, c.points)})" if c.points is not None else "")
        for c in r.channels
    ]
    promotions = [
        f"{p.name} ({p.days} {t('days')}): {t.money(p.sales, money, 0)}, "
        f"{t.change(p.lift)} {t('vs_week_before')}"
        for p in r.promotions
    ]
    alerts = [
        f"{heading} [{a.severity_label}] {a.text}"
        for heading, views in alert_groups(r.alerts, money, t)
        for a in views
    ]
    lists = [
        (t("pacing"), pacing),
        (t("spend_pacing_heading"), spend_pacing),
        (t("channels"), channels),
        (t("top_products"), [product_text(p, money, t) for p in r.top_products]),
        (t("bottom_products"), [product_text(p, money, t) for p in r.bottom_products]),
        (t("promotions"), promotions),
        (t("alert_rollup"), alerts or [t("no_alerts_week")]),
    ]
    return WeeklySections(
        weekly_title(r, t),
        headers,
        rows,
        [(h, lines) for h, lines in lists if lines],
        _heatmap(r.cohorts, t),
        r.run_url,
    )


def _heatmap(cohorts: list[CohortRow], t: Locale) -> Heatmap | None:
    if not cohorts:
        return None
    width = max(len(c.retention) for c in cohorts)
    headers = [t("first_order"), t("customers")] + [f"M{k}" for k in range(width)]
    rows = []
    for c in cohorts:
        cells: list[tuple[str, float | None]] = [
            ("" if v is None else f"{v:.0%}", None if v is None or k == 0 else v)
            for k, v in enumerate(c.retention)
        ]
        cells += [("", None)] * (width - len(cells))
        rows.append((t.month(c.month), f"{c.customers:,}", cells))
    return Heatmap(headers, rows)
