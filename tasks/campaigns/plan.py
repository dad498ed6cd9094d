"""The campaign plan: configured campaigns and the built-in retail events, as store-local spans.

Moments here are naive store-local datetimes (the store's wall clock); a span is half-open,
``[starts, ends)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from connectors.config import CampaignConfig
from connectors.config.tree import CampaignTargets
from tasks.checks.calendar import builtin_days


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign or retail event as it runs in one store."""

    name: str
    starts: datetime
    ends: datetime
    codes: tuple[str, ...] = ()
    targets: CampaignTargets = field(default_factory=CampaignTargets)
    #: A retail event the checks know (Black Friday, 11.11), not one of the configuration.
    builtin: bool = False

    def live_at(self, moment: datetime) -> bool:
        return self.starts <= moment < self.ends

    @property
    def days(self) -> list[date]:
        """The store-local days it touches, in order."""
        last = (self.ends - timedelta(microseconds=1)).date()
        return [
            self.starts.date() + timedelta(days=i)
            for i in range((last - self.starts.date()).days + 1)
        ]


def store_campaigns(
    store: str, configured: Iterable[CampaignConfig], years: Iterable[int]
) -> list[Campaign]:
    """The store's campaigns and the built-in events of ``years``, by start."""
    found = [_configured(c) for c in configured if not c.stores or store in c.stores]
    found += _builtin(years)
    return sorted(found, key=lambda c: (c.starts, c.name))


def live_campaigns(campaigns: Iterable[Campaign], moment: datetime) -> list[Campaign]:
    """The campaigns live at the store-local ``moment``."""
    return [c for c in campaigns if c.live_at(moment)]


def _configured(c: CampaignConfig) -> Campaign:
    return Campaign(c.name, c.starts_at(), c.ends_at(), tuple(c.codes), c.targets)


def _builtin(years: Iterable[int]) -> list[Campaign]:
    """Each run of consecutive days with one name (the BFCM weekend) is one event."""
    days = builtin_days(years)
    events = []
    for day, name in sorted(days.items()):
        if days.get(day - timedelta(days=1)) == name:
            continue
        last = day
        while days.get(last + timedelta(days=1)) == name:
            last += timedelta(days=1)
        start = datetime.combine(day, time.min)
        events.append(
            Campaign(
                name, start, datetime.combine(last + timedelta(days=1), time.min), builtin=True
            )
        )
    return events
