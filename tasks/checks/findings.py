"""What a check found on one store-local day, before the alert lifecycle sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from connectors.vocabulary import Severity

Kind = Literal["business", "data"]
SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    store: str
    day: date
    metric: str
    check: str  # anomaly, level, rule, freshness, volume, count, quarantine
    kind: Kind
    severity: Severity
    message: str
    actual: float | None = None
    expected: float | None = None
    lower: float | None = None
    upper: float | None = None
    score: float | None = None
    dimension_value: str = ""
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """One alert per store, metric, check and dimension value (DESIGN rule 7)."""
        parts = [self.store, self.metric, self.check]
        return "/".join(parts + ([self.dimension_value] if self.dimension_value else []))
