"""What a report says, independent of where it goes: one model, one renderer per channel.

Values are plain numbers (money in the store's currency units, rates as fractions); renderers
format them for the reader's language. Nothing here is escaped: text a user or the platform
typed (product titles, discount codes) stays raw until a renderer escapes it for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from connectors.vocabulary import Unit

AlertState = Literal["new", "ongoing", "resolved"]


@dataclass(frozen=True, slots=True)
class Change:
    """A comparison: relative for amounts, in percentage points for rates; None is "n/a"."""

    ratio: float | None
    points: float | None = None


@dataclass(frozen=True, slots=True)
class Kpi:
    metric: str
    label_en: str
    label_zh: str
    unit: Unit
    value: float | None
    vs_prior: Change
    vs_week: Change
    vs_year: Change
    #: Month-to-date attainment of the pace the target asks for (1.0 = on pace), when set.
    vs_target: float | None = None
    #: The last days' values, oldest first, for a small trend chart.
    trend: tuple[float | None, ...] = ()
    good_when_up: bool = True


@dataclass(frozen=True, slots=True)
class AlertLine:
    """An alert as the reader sees it; anomalies carry numbers, so each language words them."""

    fingerprint: str
    state: AlertState
    severity: str
    kind: str  # business or data
    check: str
    #: The checks' own English sentence, used when there are no numbers to word (data checks).
    message: str
    label_en: str = ""
    label_zh: str = ""
    unit: Unit = "count"
    actual: float | None = None
    expected: float | None = None
    lower: float | None = None
    upper: float | None = None
    #: The main driver and the slice that moved most (``tasks/checks/explain.py``).
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProductLine:
    title: str
    sales: float
    change: float


@dataclass(frozen=True, slots=True)
class StockRisk:
    variant: str
    days_of_cover: float


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
    #: Data problems (stale sync, missing orders…); empty when the data is healthy.
    data_problems: list[str] = field(default_factory=list)
    #: Where the run that made it can be seen (the Prefect UI), if known.
    run_url: str | None = None

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
    sales: float
    share: float
    #: Change in share since the week before, in points (None without a base).
    points: float | None


@dataclass(frozen=True, slots=True)
class PromotionResult:
    """A campaign's days in the week: sales on them against the same weekdays a week earlier."""

    name: str
    days: int
    sales: float
    before: float

    @property
    def lift(self) -> float | None:
        return self.sales / self.before - 1 if self.before else None


@dataclass(frozen=True, slots=True)
class Pacing:
    """Month to date against a metric's monthly target."""

    label_en: str
    label_zh: str
    #: Share of the month's target reached so far.
    attained: float | None
    #: Attainment against what the target asks by now, weekdays weighted (1.0 = on pace).
    pace: float | None


@dataclass(frozen=True, slots=True)
class WeeklyReview:
    store: str
    week: date  # the ISO week's Monday
    currency: str
    #: Week KPIs: ``vs_prior`` is last week, ``vs_year`` the same ISO week a year ago.
    kpis: list[Kpi]
    pacing: list[Pacing] = field(default_factory=list)
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
class Renderers:
    """One report's renderers, one per medium; each takes the model and a locale."""

    title: Any
    text: Any
    html: Any
    markdown: Any
    blocks: Any
    #: PNG images by file name, referenced from the HTML as ``cid:NAME``.
    images: Any = None
