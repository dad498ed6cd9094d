"""The ``sync-store`` flow: pull every resource of the chosen stores into the warehouse."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from connectors.config import StoreConfig, load_config
from flows.policy import RETRY_DELAYS, retry_transient
from tasks.sync import SyncSummary, WindowPlan, WindowResult, prepare_store, sync_window


@task(
    name="plan_sync_windows",
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_transient,
    cache_policy=NO_CACHE,
)
def plan_sync_windows(
    store: StoreConfig, database_url: str | None, full: bool, since: datetime | None = None
) -> list[WindowPlan]:
    """Check the shop against its configuration and plan this run's windows."""
    return prepare_store(store, database_url, full=full, since=since)


@task(
    name="sync_window",
    task_run_name="sync {plan.label}",
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_transient,
    cache_policy=NO_CACHE,
)
def sync_window_task(
    store: StoreConfig, plan: WindowPlan, database_url: str | None, run_id: str
) -> WindowResult:
    """Fetch one window of one resource and load it, page by page."""
    return sync_window(store, plan, database_url, run_id=run_id)


#: Windows synced at once in one run: enough to overlap many stores' API waits, few enough
#: for the warehouse's connection pool (5 + 10 overflow) and PostgreSQL's connection limit.
SYNC_THREADS = 8


@flow(
    name="sync-store",
    log_prints=False,
    task_runner=ThreadPoolTaskRunner(max_workers=SYNC_THREADS),  # type: ignore[arg-type]
)
def sync_store(
    stores: list[str] | None = None,
    full: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
    since: datetime | None = None,
) -> SyncSummary:
    """Sync the stores' orders, customers, products, deletions, inventory and traffic.

    Each store's windows run in order (its cursor only moves forward); stores run side by
    side. ``full`` re-reads each store's whole history, ``since`` everything updated from then
    on (a backfill); otherwise only what changed since the last run, plus a lookback, is read.
    """
    logger = get_run_logger()
    config = load_config(config_path)
    run_id = str(flow_run.get_id() or "local")
    chosen = config.select(stores)
    planning = {s.name: plan_sync_windows.submit(s, database_url, full, since) for s in chosen}
    plans = {name: future.result() for name, future in planning.items()}  # side by side
    chains: dict[str, list[PrefectFuture[WindowResult]]] = {s.name: [] for s in chosen}
    # Round by round, each store's next window: the pool's threads go to stores in turn, and a
    # window only ever waits for one submitted before it (so the pool cannot deadlock).
    for depth in range(max((len(p) for p in plans.values()), default=0)):
        for store in chosen:
            if depth >= len(plans[store.name]):
                continue
            chain = chains[store.name]
            with tags(store_tag(store.name)):  # the per-store concurrency limit applies
                chain.append(
                    sync_window_task.submit(
                        store,
                        plans[store.name][depth],
                        database_url,
                        run_id,
                        wait_for=chain[-1:],
                        return_state=False,
                    )
                )
    summary, failures = SyncSummary(), []
    for chain in chains.values():
        for future in chain:
            future.wait()
            state = future.state
            if state.is_completed():
                summary.windows.append(future.result())
            else:
                failures.append(future)
    publish_summary(summary)
    logger.info(
        "synced %s records (%s quarantined) with %s requests",
        summary.total("fetched"),
        summary.total("quarantined"),
        summary.total("requests"),
    )
    if failures:
        # Raise the first real failure; windows after it in a chain never ran.
        failures[0].result()
        raise SyncIncomplete(f"{len(failures)} window(s) did not complete")
    return summary


def store_tag(store: str) -> str:
    """The tag on a store's sync tasks; a Prefect concurrency limit of 1 on it keeps two runs
    from syncing the same store at once (``storepulse serve`` creates it)."""
    return f"storepulse-store:{store}"


class SyncIncomplete(RuntimeError):
    """Some windows did not run because an earlier window of their store failed."""


def publish_summary(summary: SyncSummary) -> None:
    """Show the run in the Prefect UI: a readable summary and the per-resource table."""
    create_markdown_artifact(
        summary.to_markdown(),
        key="sync-summary",
        description="What the sync fetched, loaded and set aside",
    )
    create_table_artifact(
        summary.by_store_resource(), key="sync-resources", description="Per store and resource"
    )
