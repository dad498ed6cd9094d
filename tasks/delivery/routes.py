"""Routes: who receives what (channels, languages, severities) and when (quiet hours).

With no channels configured, everything goes to the ``files`` channel in every language (the
outbox folder), so storepulse can be tried without credentials and nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from connectors.config import ChannelConfig, Config
from connectors.vocabulary import LANGUAGES, Language, Report
from tasks.checks.findings import SEVERITY_ORDER

FILES = "files"


@dataclass(frozen=True, slots=True)
class Route:
    """One channel and recipient a message goes to, in the reader's language."""

    channel: str
    recipient: str
    language: Language
    config: ChannelConfig | None = None
    #: The clock quiet hours are read on: the channel's own, else the store's.
    timezone: str = "UTC"

    def takes(self, severity: str) -> bool:
        least = self.config.min_severity if self.config else "warning"
        return SEVERITY_ORDER.get(severity, 0) >= SEVERITY_ORDER[least]

    @property
    def mentions(self) -> list[str]:
        return list(self.config.mentions) if self.config else []

    def quiet_until(self, now: datetime) -> datetime | None:
        """When quiet hours end, if ``now`` falls in them; None otherwise."""
        if self.config is None or not self.config.quiet_hours:
            return None
        zone = ZoneInfo(self.timezone)
        start, end = (time.fromisoformat(p) for p in self.config.quiet_hours.split("-"))
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        inside = start <= clock < end if start < end else (clock >= start or clock < end)
        if not inside:
            return None
        ends = datetime.combine(local.date(), end, zone)
        if ends <= local:
            ends += timedelta(days=1)
        return ends


def routes(config: Config, store: str, report: Report) -> list[Route]:
    """The routes a store's report takes: the channels that cover it, or files in every language."""
    if not config.channels:
        return [Route(FILES, language, language) for language in LANGUAGES]
    return [
        Route(c.name, c.recipient, c.language, c, c.timezone or config.store(store).timezone)
        for c in config.channels
        if c.covers(store, report)
    ]
