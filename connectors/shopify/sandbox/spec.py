"""What a sandbox shop looks like: its size, its plan, its faults."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

AnomalyKind = Literal["drop", "spike", "conversion_drop", "outage"]
PlanName = Literal["standard", "advanced", "plus"]

#: REST leaky bucket per plan: (bucket size, leak per second).
PLANS: dict[str, tuple[int, float]] = {
    "standard": (40, 2.0),
    "advanced": (80, 4.0),
    "plus": (400, 20.0),
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """An injected change on one store-local day.

    ``drop``/``spike`` scale the day's orders by ``1 - size``/``1 + size``; ``conversion_drop``
    lowers orders while sessions stay steady; ``outage`` records no orders at all.
    """

    day: date
    kind: AnomalyKind = "drop"
    size: float = 0.5

    @classmethod
    def parse(cls, text: str) -> Anomaly:
        """Read ``YYYY-MM-DD[:kind[:size]]``."""
        parts = text.split(":")
        kind = parts[1] if len(parts) > 1 else "drop"
        if kind not in ("drop", "spike", "conversion_drop", "outage"):
            raise ValueError(f"unknown anomaly kind {kind!r}")
        return cls(date.fromisoformat(parts[0]), kind, float(parts[2]) if len(parts) > 2 else 0.5)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """Everything that decides a generated shop's history; the same spec gives the same data."""

    seed: int = 1
    days: int = 730
    orders_per_day: float = 60.0
    end_date: date | None = None
    timezone: str = "America/New_York"
    currency: str = "USD"
    shop_name: str = "Demo Outfitters"
    products: int = 60
    anomalies: tuple[Anomaly, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        """A short hash of everything but the end date, to name cached data."""
        data = asdict(self) | {"end_date": None, "generator": GENERATOR_VERSION}
        text = json.dumps(data, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Bump when the generator's output changes, so cached shops are rebuilt.
GENERATOR_VERSION = 3


@dataclass(frozen=True, slots=True)
class Faults:
    """Trouble the sandbox can cause on purpose, for tests."""

    #: Share of API calls answered with a 500 or 503.
    error_rate: float = 0.0
    #: Share of API calls delayed by ``slow_seconds`` (before the time scale).
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    #: While a client pages through orders, touch one order of the listing between two pages.
    update_between_pages: bool = False
