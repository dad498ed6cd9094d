"""One call to bring every store's metrics, and their roll-up, up to date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from connectors.config import Config
from tasks.metrics.budgets import load_config_budgets
from tasks.metrics.compute import ComputeResult, refresh
from tasks.metrics.rollup import refresh_rollup
from tasks.metrics.targets import load_config_targets
from tasks.warehouse.engine import get_engine


@dataclass(slots=True)
class MetricsRun:
    stores: list[ComputeResult] = field(default_factory=list)
    rollup_values: int = 0


def refresh_metrics(
    config: Config,
    database_url: str | None = None,
    *,
    stores: list[str] | None = None,
    full: bool = False,
    today: date | None = None,
) -> MetricsRun:
    """Load the configured targets, recompute what changed per store, then the roll-up."""
    engine = get_engine(database_url)
    with engine.begin() as conn:
        load_config_targets(conn, config)
        load_config_budgets(conn, config)
    run = MetricsRun()
    for store in config.select(stores):
        store_today = today or datetime.now(UTC).astimezone(store.zone).date()
        run.stores.append(
            refresh(
                store,
                database_url,
                full=full,
                today=store_today,
            )
        )
    recomputed = [r for r in run.stores if r.start is not None and r.end is not None]
    if len(config.stores) > 1 and recomputed:
        # A multi-store day is complete only once the last store's day has ended.
        rollup_today = today or min(
            datetime.now(UTC).astimezone(s.zone).date() for s in config.stores
        )
        start = min(r.start for r in recomputed if r.start)
        end = max(r.end for r in recomputed if r.end)
        run.rollup_values = refresh_rollup(engine, config, start, end, rollup_today)
    return run
