"""How a sandbox shop writes amounts and times: money as strings of one currency, in its offset.

Money is handled in integer minor units and rendered as strings; refund line subtotals are JSON
numbers, as on the real API. Timestamps render in the shop's UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.money import currency_exponent

Json = dict[str, Any]


class Money:
    """Render and read amounts of one currency."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.exponent = currency_exponent(currency)
        self._unit = 10**self.exponent
        self._texts: dict[int, str] = {}

    def text(self, minor: int) -> str:
        text = self._texts.get(minor)
        if text is None:
            text = self._texts[minor] = self._render(minor)
        return text

    def _render(self, minor: int) -> str:
        if self.exponent == 0:
            return str(minor)
        sign = "-" if minor < 0 else ""
        whole, frac = divmod(abs(minor), self._unit)
        return f"{sign}{whole}.{frac:0{self.exponent}d}"

    def number(self, minor: int) -> float:
        return float(Decimal(minor).scaleb(-self.exponent))

    def minor(self, text: object) -> int:
        return int(Decimal(str(text)).scaleb(self.exponent))

    def set(self, minor: int) -> Json:
        amount = {"amount": self.text(minor), "currency_code": self.currency}
        # The shop sells in one currency, so both sides are the same (and may share one dict).
        return {"shop_money": amount, "presentment_money": amount}

    def share(self, total: int, weights: list[int]) -> list[int]:
        """Split ``total`` in proportion to ``weights``; the last part takes the rounding."""
        whole = sum(weights) or 1
        parts = [total * w // whole for w in weights[:-1]]
        return [*parts, total - sum(parts)]


class Clock:
    """Render UTC epoch seconds as the shop's local ISO timestamps."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def text(self, epoch: int) -> str:
        return datetime.fromtimestamp(epoch, self.zone).isoformat()

    def epoch(self, text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp())
