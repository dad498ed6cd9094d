"""The ``campaign-watch`` flow: the intraday watch, every few minutes while a campaign is live.

A run that finds no store with a live campaign (and no ``watch: always``) does nothing else; one
that does syncs those stores on the incremental path, sets today's orders so far against the
expected curve (``tasks/campaigns/``), and tells the channels of the watch alerts it opened or
resolved, critical ones in quiet hours too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.hooks import tell_ops_of_failure
from flows.policy import fails_in_one_sentence, retrying_task, scheduled_start
from flows.steps.run_checks import notify_alerts_task
from flows.steps.sync_store import sync_store
from tasks.campaigns.run import WatchRun, run_watch, stores_to_watch
from tasks.settings import load_settings


@retrying_task("watch_stores")
def watch_stores_task(
    config_path: str | None,
    database_url: str | None,
    stores: list[str],
    as_of: datetime | None,
    now: datetime | None,
) -> WatchRun:
    config = load_settings(config_path)
    return run_watch(config, database_url, stores=stores, as_of=as_of, now=now)


@flow(
    name="campaign-watch",
    on_failure=[tell_ops_of_failure],
    on_crashed=[tell_ops_of_failure],
)
@fails_in_one_sentence
def campaign_watch(
    stores: list[str] | None = None,
    as_of: datetime | None = None,
    config_path: str | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Watch the stores with a live campaign: sync what changed, compare today so far with the
    expected curve, and alert when orders stop, run below the range or miss the target's pace.

    Args:
        stores: The stores to consider (all of them when empty).
        as_of: A store-local moment (naive) to run as of, counting only orders placed before
            it; a replay: nothing is synced.
        config_path: storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml).
    """
    config = load_settings(config_path)
    started = scheduled_start() if as_of is None else None
    chosen = [s.name for s in config.select(stores)]
    watched = [
        s for s in stores_to_watch(config, as_of, started or datetime.now(UTC)) if s in chosen
    ]
    if not watched:
        get_run_logger().info("no campaign is live: nothing to watch")
        return {"watched": [], "opened": 0, "resolved": 0, "sent": 0}
    if as_of is None:
        sync_store(stores=watched, config_path=config_path, database_url=database_url)
    run = watch_stores_task(config_path, database_url, watched, as_of, started)
    told = notify_alerts_task(config_path, database_url, watched, started or run.ran_at)
    _artifact(run)
    return {
        "watched": [w.store for w in run.watched],
        "opened": len(run.changes.opened),
        "resolved": len(run.changes.resolved),
        "sent": len(told.delivery.sent),
    }


def _artifact(run: WatchRun) -> None:
    lines = [
        "| store | as of | orders | expected | range | findings |",
        "|---|---|---|---|---|---|",
    ]
    for w in run.watched:
        c = w.today.orders_curve
        found = ", ".join(f.check for f in w.findings) or "none"
        lines.append(
            f"| {w.store} | {w.moment:%Y-%m-%d %H:%M} | {w.today.orders} | {c.expected:.0f} |"
            f" {c.lower:.0f}–{c.upper:.0f} | {found} |"
        )
    create_markdown_artifact("\n".join(lines), key="campaign-watch", description="The watch run")
