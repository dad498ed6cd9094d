"""The ``compute-metrics`` flow: bring every store's metrics up to date after a sync."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.policy import fails_in_one_sentence, retrying_task
from tasks.metrics.run import MetricsRun, refresh_metrics
from tasks.settings import load_settings


@retrying_task("compute_metrics")
def compute_metrics_task(
    config_path: str | None,
    database_url: str | None,
    stores: list[str] | None,
    full: bool,
    today: date | None,
) -> MetricsRun:
    """Recompute the days touched since the last run, per store, then the roll-up."""
    return refresh_metrics(
        load_settings(config_path), database_url, stores=stores, full=full, today=today
    )


@flow(name="compute-metrics")
@fails_in_one_sentence
def compute_metrics(
    stores: list[str] | None = None,
    full: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
    today: date | None = None,
) -> MetricsRun:
    """Compute the metric catalogue (docs/metrics.md) for the stores' new and changed data."""
    run = compute_metrics_task(config_path, database_url, stores, full, today)
    create_table_artifact(
        [
            {
                "store": r.store,
                "from": str(r.start or ""),
                "to": str(r.end or ""),
                "full": r.full,
                "values": r.values,
                "seconds": r.seconds,
            }
            for r in run.stores
        ],
        key="metrics-computed",
        description="Periods recomputed per store",
    )
    get_run_logger().info("computed %s values", sum(r.values for r in run.stores))
    return run
