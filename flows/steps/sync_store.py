"""The ``sync-store`` flow: pull every resource of the chosen stores into the warehouse."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, tags
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from connectors.config import StoreConfig
from flows.policy import fails_in_one_sentence, retrying_task
from tasks.ingest.run import SyncSummary, WindowResult, sync_store_windows
from tasks.settings import load_settings


@retrying_task("sync_store", task_run_name="sync {store.name}")
def sync_store_task(
    store: StoreConfig,
    database_url: str | None,
    full: bool,
    since: datetime | None,
    run_id: str,
) -> list[WindowResult]:
    """Check one shop against its configuration, then sync its windows in order; a retry
    resumes from the windows already done."""
    return sync_store_windows(store, database_url, full=full, since=since, run_id=run_id)


#: Stores synced at once in one run: enough to overlap many stores' API waits, few enough
#: for the warehouse's connection pool (5 + 10 overflow) and PostgreSQL's connection limit.
SYNC_THREADS = 8


@flow(
    name="sync-store",
    log_prints=False,
    task_runner=ThreadPoolTaskRunner(max_workers=SYNC_THREADS),  # type: ignore[arg-type]
)
@fails_in_one_sentence
def sync_store(
    stores: list[str] | None = None,
    full: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
    since: datetime | None = None,
) -> SyncSummary:
    """Sync the stores' orders, customers, products, deletions, inventory and traffic.

    One task per store (a task run per window cost more in orchestration than the window's
    own work, docs/benchmarks.md); stores run side by side. ``full`` re-reads each store's
    whole history, ``since`` everything updated from then on (a backfill); otherwise only
    what changed since the last run, plus a lookback, is read.
    """
    logger = get_run_logger()
    config = load_settings(config_path)
    run_id = str(flow_run.get_id() or "local")
    futures = []
    for store in config.select(stores):
        with tags(store_tag(store.name)):  # the per-store concurrency limit applies
            futures.append(sync_store_task.submit(store, database_url, full, since, run_id))
    summary, failed = SyncSummary(), []
    for future in futures:
        future.wait()
        if future.state.is_completed():
            summary.windows += future.result()
        else:
            failed.append(future)
    artifact_sync_summary(summary)
    logger.info(
        "synced %s records (%s quarantined) with %s requests (%s retried)",
        summary.total("fetched"),
        summary.total("quarantined"),
        summary.total("requests"),
        summary.total("retries"),
    )
    if failed:
        failed[0].result()  # raises the first store's failure; the others are in the UI
    return summary


def store_tag(store: str) -> str:
    """The tag on a store's sync tasks; a Prefect concurrency limit of 1 on it keeps two runs
    from syncing the same store at once (``storepulse serve`` creates it)."""
    return f"storepulse-store:{store}"


def artifact_sync_summary(summary: SyncSummary) -> None:
    """Show the run in the Prefect UI: a readable summary and the per-resource table."""
    create_markdown_artifact(
        summary.to_markdown(),
        key="sync-summary",
        description="What the sync fetched, loaded and set aside",
    )
    create_table_artifact(
        summary.by_store_resource(), key="sync-resources", description="Per store and resource"
    )
