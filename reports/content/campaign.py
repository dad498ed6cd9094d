"""What a campaign review says: each measure against what the days would have been without the
campaign (the lift with its interval), then the discount cost, code use, the week after and the
targets. Told in the weekly review's layout (titled sections), so every medium renders it."""

from __future__ import annotations

from reports.content.daily import Cell
from reports.content.weekly import WeeklySections
from reports.i18n import Locale
from reports.model import CampaignLift, CampaignReview


def campaign_title(r: CampaignReview, t: Locale) -> str:
    return f"{t('campaign_title')} · {r.campaign} · {r.store}"


def campaign_sections(r: CampaignReview, t: Locale) -> WeeklySections:
    headers = [t("kpi"), t("value"), t("without_campaign"), t("lift_interval")]
    rows = [_lift_cells(x, r.currency, t) for x in r.lifts]
    span = f"{t.day(r.first)} – {t.day(r.last)}"
    lists = [
        (t("campaign_days"), [span]),
        (t("discount_cost"), _discounts(r, t)),
        (t("code_use"), [f"{code}{t('colon')}{count:,}" for code, count in r.code_orders]),
        (t("week_after"), _after(r, t)),
        (t("halo"), _halo(r, t)),
        (t("targets_reached"), _targets(r, t)),
    ]
    return WeeklySections(
        campaign_title(r, t), headers, rows, [(h, x) for h, x in lists if x], None, r.run_url
    )


def _lift_cells(x: CampaignLift, currency: str, t: Locale) -> list[Cell]:
    return [
        Cell(t.metric(x.metric)),
        Cell(t.number(x.actual, x.unit, currency)),
        Cell(t.number(x.expected, x.unit, currency)),
        Cell(_lift_text(x, t), "" if x.lift is None else ("good" if x.lift > 0 else "bad")),
    ]


def _lift_text(x: CampaignLift, t: Locale) -> str:
    if x.lift is None:
        return t("na")
    if x.low is None or x.high is None:
        return t.change(x.lift)
    return f"{t.change(x.lift)} ({t.change(x.low)} … {t.change(x.high)})"


def _discounts(r: CampaignReview, t: Locale) -> list[str]:
    if r.discount_cost is None:
        return []
    sales = next((x for x in r.lifts if x.metric == "net_sales"), None)
    share = f" ({float(r.discount_cost) / sales.actual:.1%})" if sales and sales.actual else ""
    return [t.money(r.discount_cost, r.currency, 0) + share]


def _after(r: CampaignReview, t: Locale) -> list[str]:
    if r.after is None:
        return []
    return [f"{t.metric(r.after.metric)}{t('colon')}{_lift_text(r.after, t)}"]


def _halo(r: CampaignReview, t: Locale) -> list[str]:
    if r.halo is None:
        return []
    return [
        t("halo_line").format(
            count=r.promoted_products,
            actual=t.money(r.halo.actual, r.currency, 0),
            expected=t.money(r.halo.expected, r.currency, 0),
            lift=_lift_text(r.halo, t),
        )
    ]


def _targets(r: CampaignReview, t: Locale) -> list[str]:
    return [
        f"{t.metric(metric)}{t('colon')}{actual / target:.0%} ({actual:,.0f} / {target:,.0f})"
        for metric, target, actual in r.targets
    ]
