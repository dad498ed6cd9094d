"""What a sandbox shop looks like: its size, its plan, its faults."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

AnomalyKind = Literal[
    "drop",
    "spike",
    "conversion_drop",
    "outage",
    "level_shift",
    "drift",
    "decline",
    "checkout_break",
]
ANOMALY_KINDS: tuple[str, ...] = AnomalyKind.__args__  # type: ignore[attr-defined]

#: REST leaky bucket per plan: (bucket size, leak per second).
PLANS: dict[str, tuple[int, float]] = {
    "standard": (40, 2.0),
    "advanced": (80, 4.0),
    "plus": (400, 20.0),
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """An injected change starting on a store-local day and lasting ``days``.

    ``drop``/``spike`` scale orders and traffic by ``1 - size``/``1 + size``; ``conversion_drop``
    lowers orders while sessions stay steady; ``outage`` records no orders at all;
    ``level_shift`` scales by ``1 - size`` for ``days``; ``drift`` slides linearly from no change
    to ``1 - size`` over ``days``; ``decline`` slides the same way and then stays at ``1 - size``
    (a shop slowly losing ground, not an incident). A negative ``size`` turns a drop, shift,
    drift or decline into a rise. ``checkout_break`` places no order from store-local
    ``hour`` on that day (visitors keep coming): ``YYYY-MM-DD:checkout_break:14``.
    """

    day: date
    kind: AnomalyKind = "drop"
    size: float = 0.5
    days: int = 1
    #: The store-local hour a checkout break starts at.
    hour: int | None = None

    @classmethod
    def parse(cls, text: str) -> Anomaly:
        """Read ``YYYY-MM-DD[:kind[:size[:days]]]`` (``YYYY-MM-DD:checkout_break:HOUR``)."""
        parts = text.split(":")
        kind = parts[1] if len(parts) > 1 else "drop"
        if kind not in ANOMALY_KINDS:
            raise ValueError(f"unknown anomaly kind {kind!r} (known: {', '.join(ANOMALY_KINDS)})")
        if kind == "checkout_break":
            hour = int(parts[2]) if len(parts) > 2 else 12
            if not 0 <= hour <= 23:
                raise ValueError(f"a checkout break's hour is 0 to 23, not {hour}")
            return cls(date.fromisoformat(parts[0]), "checkout_break", 0.0, 1, hour)
        size = float(parts[2]) if len(parts) > 2 else 0.5
        days = int(parts[3]) if len(parts) > 3 else 1
        return cls(date.fromisoformat(parts[0]), kind, size, days)  # type: ignore[arg-type]

    def factor(self, day: date) -> float | None:
        """How much this anomaly scales demand on ``day``; ``None`` outside it."""
        offset = (day - self.day).days
        if self.kind == "checkout_break":  # demand is untouched; orders stop (``breaks_at``)
            return None
        if self.kind == "decline" and offset >= self.days:
            return 1 - self.size
        if not 0 <= offset < self.days:
            return None
        if self.kind == "spike":
            return 1 + self.size
        if self.kind == "outage":
            return 0.0
        if self.kind in ("drift", "decline"):
            return 1 - self.size * (offset + 1) / self.days
        return 1 - self.size

    @property
    def moves_traffic(self) -> bool:
        """Whether sessions move with orders (only a conversion drop leaves them steady)."""
        return self.kind not in ("conversion_drop", "outage", "checkout_break")

    def breaks_at(self, day: date) -> int | None:
        """The store-local hour from which no order is placed on ``day``, if any."""
        return self.hour if self.kind == "checkout_break" and day == self.day else None


@dataclass(frozen=True, slots=True)
class Sale:
    """A promotion the shop runs on top of its calendar's (``storepulse demo`` puts one on the
    last day): ``uplift`` times the demand, ``usage`` of the orders with the code ``code``
    for ``percent`` off, from ``first`` to ``last`` (store-local, inclusive)."""

    code: str
    first: date
    last: date
    percent: int = 20
    uplift: float = 1.6
    usage: float = 0.5


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
    #: Share of orders that are bulk orders, each worth 10–50 times a usual basket: the heavy
    #: tail of real order values, which makes a small shop's daily sales mostly noise.
    bulk_share: float = 0.0
    sales: tuple[Sale, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        """A short hash of everything but the end date, to name cached data."""
        data = asdict(self) | {"end_date": None, "generator": GENERATOR_VERSION}
        if not data["sales"]:  # shops from before extra sales keep their name
            del data["sales"]
        for anomaly in data["anomalies"]:  # shops from before checkout breaks keep their name
            if anomaly["hour"] is None:
                del anomaly["hour"]
        text = json.dumps(data, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Bump when the generator's output changes, so cached shops are rebuilt.
#: 6: orders carry their landing page's UTM tags and referrer; 7: returning shoppers keep their
#: share of the orders on a day cut short.
GENERATOR_VERSION = 7


@dataclass(frozen=True, slots=True)
class Faults:
    """Trouble the sandbox can cause on purpose, for tests."""

    #: Share of API calls answered with a 500 (an HTML page) or a 503.
    error_rate: float = 0.0
    #: Share of API calls answered with a 429 and its ``Retry-After``, whatever the bucket says.
    throttle_rate: float = 0.0
    #: Share of successful calls whose body is cut short: half stop after a few bytes under the
    #: full ``Content-Length`` and close the connection, half are a 200 whose stub body is not JSON.
    cut_rate: float = 0.0
    #: Share of API calls delayed by ``slow_seconds`` (before the time scale).
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    #: While a client pages through orders, touch one order of the listing between two pages.
    update_between_pages: bool = False
    #: Drop the Authorization header before the WooCommerce face sees it, as some hosts do
    #: (the keys must then come in the query string).
    strip_authorization: bool = False
