"""One call to check every store's report day: business checks, data health, the lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from connectors.base import StoreSource
from connectors.config import Config, StoreConfig
from tasks.checks import health
from tasks.checks.business import (
    SUSTAINED_CHECKS,
    anomaly_findings,
    idle_spend_findings,
    rule_findings,
)
from tasks.checks.calendar import special_days_through
from tasks.checks.explain import NEEDED, SLICE_METRICS
from tasks.checks.findings import Finding
from tasks.checks.history import EVENT_HISTORY_DAYS, HISTORY_DAYS, load_history
from tasks.checks.lifecycle import Changes, apply, record
from tasks.warehouse.engine import get_engine

if TYPE_CHECKING:  # notices are built after the checks, from what they stored
    from tasks.delivery.outbox import Message
    from tasks.delivery.publish import Published


@dataclass(slots=True)
class CheckRun:
    days: dict[str, date] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: None when the run only recorded findings (a backfill or a past day).
    changes: Changes | None = None
    #: The alert notices the run sent (``tasks/delivery/notices.py``), when it paged.
    notices: Published[Message] | None = None


def default_report_date(store: StoreConfig, as_of: datetime) -> date:
    """The store-local day before ``as_of`` (a scheduled run passes its scheduled start)."""
    return as_of.astimezone(store.zone).date() - timedelta(days=1)


def run_checks(
    config: Config,
    database_url: str | None = None,
    *,
    stores: list[str] | None = None,
    report_date: date | None = None,
    as_of: datetime | None = None,
    page: bool | None = None,
    sources: Mapping[str, StoreSource] | None = None,
) -> CheckRun:
    """Check each store's report day; open, update and resolve alerts when the run may page.

    A run pages (turns findings into alerts) when ``page`` is true, or by default when it checks
    each store's usual day (the day before ``as_of``); re-checking past days only records.
    ``sources`` gives platform clients for the count check; without one it is skipped.
    """
    as_of = as_of or datetime.now(UTC)
    engine = get_engine(database_url)
    run = CheckRun()
    usual = True
    unchecked: dict[str, tuple[str, ...]] = {}
    with engine.begin() as conn:
        for store in config.select(stores):
            day = report_date or default_report_date(store, as_of)
            usual &= day == default_report_date(store, as_of)
            days = EVENT_HISTORY_DAYS if _events(store.name, day, day, config) else HISTORY_DAYS
            history = load_history(conn, store.name, day, _metrics(config), days)
            events = _events(store.name, history.days[0], history.days[-1], config)
            excluded = np.array([d in events for d in history.days])
            if day in events:
                unchecked[store.name] = SUSTAINED_CHECKS
            watch = config.checks.watch
            found = anomaly_findings(
                store.name,
                store.currency,
                history,
                day,
                watch,
                excluded,
                events,
                budget=config.checks.false_alerts_per_month,
            )
            found += rule_findings(store.name, store.currency, history, day, config.checks.rules)
            floor = float(config.checks.idle_spend_floor)
            found += idle_spend_findings(store.name, store.currency, history, day, floor)
            found += health.volume(store.name, history, day)
            found += health.freshness(conn, store.name, day, as_of, config.checks)
            found += health.quarantine_spike(conn, store.name, day, as_of, config.checks)
            if sources and store.name in sources:
                found += health.platform_count(
                    conn, store.name, day, sources[store.name], config.checks
                )
            run.days[store.name] = day
            run.findings += found
        record(conn, run.findings, run.days, as_of)
        if page if page is not None else usual:
            run.changes = apply(
                conn, run.findings, run.days, as_of, config.checks.silence, unchecked
            )
    return run


def _metrics(config: Config) -> list[str]:
    watched = [w.metric for w in config.checks.watch] + [r.metric for r in config.checks.rules]
    idle = ("campaign_ad_spend", "campaign_conversions")
    return sorted(set(watched) | set(NEEDED) | set(SLICE_METRICS) | set(idle))


def _events(store: str, first: date, last: date, config: Config) -> dict[date, str]:
    """The store's holidays and campaigns between ``first`` and ``last`` (and to the end of
    one running on ``last``), by name."""
    return special_days_through(store, first, last, config.campaigns)
