"""What a report says, independent of where it goes and in which language.

Money is an exact ``Decimal`` in the store's currency (major units: 12.30 dollars, 1230 yen),
converted from the warehouse's integer minor units once, where a report is built; rates are
float fractions, counts floats. Models carry keys (metric names, check codes and their
parameters), never words: the reader's :class:`~reports.i18n.Locale` words them. Nothing here
is escaped: text a user or the platform typed (product titles, discount codes) stays raw until
a renderer escapes it for its medium.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from connectors.vocabulary import Unit
from reports.i18n import Locale, Params

if TYPE_CHECKING:  # content renders models, so it imports this module
    from reports.content.weekly import WeeklySections

AlertState = Literal["new", "ongoing", "resolved"]
#: Money as an exact Decimal in the store's currency; any other unit as a float.
Amount = Decimal | float


@dataclass(frozen=True, slots=True)
class Change:
    """A comparison: relative for amounts, in percentage points for rates; None is "n/a"."""

    ratio: float | None
    points: float | None = None


@dataclass(frozen=True, slots=True)
class Kpi:
    metric: str
    unit: Unit
    value: Amount | None
    vs_prior: Change
    vs_week: Change
    vs_year: Change
    #: Month-to-date attainment of the pace the target asks for (1.0 = on pace), when set.
    vs_target: float | None = None
    #: On an event day, against the day's special-day expectation (``SpecialDay``).
    vs_expected: Change | None = None
    #: The last days' values, oldest first, for a small trend chart.
    trend: tuple[Amount | None, ...] = ()
    good_when_up: bool = True


@dataclass(frozen=True, slots=True)
class AlertLine:
    """An alert as the reader sees it: anomalies carry numbers, other checks their code
    (``check``) and parameters, so each language words them."""

    fingerprint: str
    state: AlertState
    severity: str
    kind: str  # business or data
    check: str
    #: The check's English sentence, shown only for a check no language words (rules).
    message: str
    metric: str = ""
    unit: Unit = "count"
    actual: float | None = None
    expected: float | None = None
    lower: float | None = None
    upper: float | None = None
    #: What the check's sentence needs (hours since the last sync, counts…), by name.
    params: Params = field(default_factory=dict)
    #: The main driver and the slice that moved most (``tasks/checks/explain.py``).
    explanation: dict[str, Any] = field(default_factory=dict)
    #: The report day it opened for: a resolution told as a new message names it.
    opened_for: date | None = None


@dataclass(frozen=True, slots=True)
class ProductLine:
    title: str
    sales: Decimal
    change: Decimal


@dataclass(frozen=True, slots=True)
class ChannelFunnel:
    """One traffic channel's day: sessions → add to cart → checkout → purchase."""

    channel: str
    sessions: int
    add_to_carts: int
    checkouts: int
    purchases: int
    #: purchases ÷ sessions; None (n/a) without sessions.
    conversion: float | None


@dataclass(frozen=True, slots=True)
class TrafficFunnel:
    """The day's funnel by channel, where it came from, and what GA4 said of its quality."""

    #: ga4, csv or export: the source of the day's traffic (GA4 wins where it covers a day).
    source: str
    channels: list[ChannelFunnel]
    #: The share of events GA4 read when it sampled; None when not sampled.
    sampled_share: float | None = None
    thresholded: bool = False
    other_row: bool = False


@dataclass(frozen=True, slots=True)
class StockRisk:
    variant: str
    days_of_cover: float


@dataclass(frozen=True, slots=True)
class DataProblem:
    """A data-health finding: its check's code and the parameters its sentence needs."""

    check: str  # freshness, volume, count, quarantine
    params: Params = field(default_factory=dict)
    #: The check's English sentence, shown only for a finding recorded without parameters.
    message: str = ""


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """An event day (a campaign, a retail holiday): what its KPIs were expected from."""

    event: str
    #: ``same_event``, ``similar_campaign`` or ``ordinary_days`` (no earlier event to go by).
    source: str
    #: The past days the expectation came from.
    past: tuple[date, ...] = ()
    #: The similar past campaign, for ``similar_campaign``.
    similar: str = ""


@dataclass(frozen=True, slots=True)
class DailyDigest:
    store: str
    day: date
    currency: str
    kpis: list[Kpi]
    alerts: list[AlertLine] = field(default_factory=list)
    top_products: list[ProductLine] = field(default_factory=list)
    risers: list[ProductLine] = field(default_factory=list)
    fallers: list[ProductLine] = field(default_factory=list)
    stock_risks: list[StockRisk] = field(default_factory=list)
    #: The funnel by channel; None when no traffic source covers the day.
    traffic: TrafficFunnel | None = None
    #: Data problems (stale sync, missing orders…); empty when the data is healthy.
    data_problems: list[DataProblem] = field(default_factory=list)
    #: Where the run that made it can be seen (the Prefect UI), if known.
    run_url: str | None = None
    #: Set on an event day: the KPIs then carry ``vs_expected``.
    special_day: SpecialDay | None = None

    @property
    def key(self) -> str:
        """What identifies this report for the outbox: report, period and store."""
        return f"daily/{self.day.isoformat()}/{self.store}"


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """Alerts that opened or resolved in one run for one store, told at once (not at the
    digest); ``mentions`` (Slack user or group IDs) are called when one is critical."""

    store: str
    day: date
    currency: str
    alerts: list[AlertLine]
    mentions: list[str] = field(default_factory=list)
    run_url: str | None = None

    @property
    def critical(self) -> bool:
        return any(a.severity == "critical" and a.state == "new" for a in self.alerts)


@dataclass(frozen=True, slots=True)
class CohortRow:
    """A first-order month, its size, and the share who ordered again N months later."""

    month: date
    customers: int
    retention: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class ChannelShare:
    channel: str
    sales: Decimal
    share: float
    #: Change in share since the week before, in points (None without a base).
    points: float | None


@dataclass(frozen=True, slots=True)
class PromotionResult:
    """A campaign's days in the week: sales on them against the same weekdays a week earlier."""

    name: str
    days: int
    sales: Decimal
    before: Decimal

    @property
    def lift(self) -> float | None:
        return float(self.sales / self.before) - 1 if self.before else None


@dataclass(frozen=True, slots=True)
class Pacing:
    """Month to date against a metric's monthly target."""

    metric: str
    #: Share of the month's target reached so far.
    attained: float | None
    #: Attainment against what the target asks by now, weekdays weighted (1.0 = on pace).
    pace: float | None


@dataclass(frozen=True, slots=True)
class SpendPacing:
    """Month to date against an ad budget: the store's whole spend (``channel`` None) or one
    channel's."""

    channel: str | None
    #: Share of the month's budget spent so far.
    spent: float | None
    #: Spend against what the budget allows by now (1.0 = on budget, above = overspending).
    pace: float | None
    #: Where the month ends at the pace so far, in the store's currency.
    projected: Decimal | None


@dataclass(frozen=True, slots=True)
class WeeklyReview:
    store: str
    week: date  # the ISO week's Monday
    currency: str
    #: Week KPIs: ``vs_prior`` is last week, ``vs_year`` the same ISO week a year ago.
    kpis: list[Kpi]
    pacing: list[Pacing] = field(default_factory=list)
    spend_pacing: list[SpendPacing] = field(default_factory=list)
    cohorts: list[CohortRow] = field(default_factory=list)
    channels: list[ChannelShare] = field(default_factory=list)
    top_products: list[ProductLine] = field(default_factory=list)
    bottom_products: list[ProductLine] = field(default_factory=list)
    promotions: list[PromotionResult] = field(default_factory=list)
    #: Alerts opened in the week (their state now), resolved in it, and still open at its end.
    alerts: list[AlertLine] = field(default_factory=list)
    run_url: str | None = None

    @property
    def key(self) -> str:
        return f"weekly/{self.week.isoformat()}/{self.store}"


@dataclass(frozen=True, slots=True)
class CampaignLift:
    """One measure over a campaign's days against its counterfactual (the days as they would
    have been without it); the lift with its 95 % interval, None when it cannot be told."""

    metric: str
    unit: Unit
    actual: float
    expected: float
    lift: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class CampaignReview:
    """What a campaign did in one store, the morning after it ended."""

    store: str
    campaign: str
    first: date
    last: date
    currency: str
    lifts: list[CampaignLift]
    #: Net sales of the week after against their counterfactual (a fall: the pull-forward).
    after: CampaignLift | None = None
    discount_cost: Decimal | None = None
    #: Orders that used each of the campaign's codes, in the configuration's order.
    code_orders: list[tuple[str, int]] = field(default_factory=list)
    #: (metric, target, actual) for each target the campaign has.
    targets: list[tuple[str, float, float]] = field(default_factory=list)
    run_url: str | None = None
    #: The halo: sales of the products outside the promotion against their own counterfactual
    #: (``halo_sales``); None without codes to tell the promotion's products by.
    halo: CampaignLift | None = None
    #: How many products the promotion covered (its codes were used on them).
    promoted_products: int = 0

    @property
    def key(self) -> str:
        return f"campaign/{self.last.isoformat()}/{self.store}"


M = TypeVar("M")
#: What a medium renders: text (plain, Markdown, HTML) or Slack blocks.
Body = str | list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Medium:
    """One medium's renderer of every report. A new medium (a chat app's card) is one module
    under ``reports/media/`` that defines one of these, registered in ``reports.renderers``."""

    #: The body's key in an outbox message (text, html, markdown, blocks).
    name: str
    daily: Callable[[DailyDigest, Locale], Body]
    weekly: Callable[[WeeklyReview, Locale], Body]
    alerts: Callable[[AlertNotice, Locale], Body]
    #: A report told as titled sections (the weekly review's layout): a campaign review.
    sections: Callable[[WeeklySections, Locale], Body] | None = None


@dataclass(frozen=True, slots=True)
class Renderers(Generic[M]):
    """One report's renderers: its title, a body per medium, and its images."""

    title: Callable[[M, Locale], str]
    #: Medium name → renderer.
    media: Mapping[str, Callable[[M, Locale], Body]]
    #: PNG images by file name, referenced from the HTML as ``cid:NAME``.
    images: Callable[[M, Locale], dict[str, bytes]] | None = None

    def bodies(self, model: M, t: Locale) -> dict[str, Body]:
        """``model`` in every medium, in ``t``'s language, keyed by medium."""
        return {name: render(model, t) for name, render in self.media.items()}


@dataclass(frozen=True, slots=True)
class LiveHour:
    """Orders placed by the end of a store-local hour, against the expected curve there; the
    hours still to come have no count."""

    hour: int
    orders: int | None
    expected: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class LiveStore:
    """One store's campaign day so far."""

    store: str
    currency: str
    #: The store-local moment the numbers run to.
    as_of: datetime
    hours: list[LiveHour]
    sales: Decimal
    #: (metric, target, actual, due by now) for each target of the campaign.
    pace: list[tuple[str, float, float, float]] = field(default_factory=list)
    #: (product title, units) sold today, most first.
    top_products: list[tuple[str, int]] = field(default_factory=list)
    #: Orders that used each of the campaign's codes so far.
    code_orders: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LiveCampaign:
    """The live page of a campaign: each store where it is live now."""

    campaign: str
    stores: list[LiveStore]
