"""What a report says, independent of where it goes: one model, one renderer per channel.

Values are plain numbers (money in the store's currency units, rates as fractions); renderers
format them for the reader's language. Nothing here is escaped: text a user or the platform
typed (product titles, discount codes) stays raw until a renderer escapes it for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Unit = Literal["money", "count", "ratio", "days", "hours", "units"]
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
