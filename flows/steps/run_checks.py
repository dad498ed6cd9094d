"""The ``run-checks`` flow: check each store's report day and keep the alerts current."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from connectors.stores import open_store
from flows.policy import fails_in_one_sentence, retrying_task
from tasks.checks.run import CheckRun, run_checks
from tasks.delivery.notices import notify_alerts
from tasks.delivery.outbox import Message
from tasks.delivery.publish import Published
from tasks.settings import load_settings


@retrying_task("run_checks")
def run_checks_task(
    config_path: str | None,
    database_url: str | None,
    stores: list[str] | None,
    report_date: date | None,
    as_of: datetime | None,
    page: bool | None,
    count_check: bool,
) -> CheckRun:
    config = load_settings(config_path)
    # A marketplace store has no count endpoint: its files are its whole truth.
    sources = (
        {s.name: open_store(s) for s in config.select(stores) if not s.is_marketplace}
        if count_check
        else None
    )
    return run_checks(
        config,
        database_url,
        stores=stores,
        report_date=report_date,
        as_of=as_of,
        page=page,
        sources=sources,
    )


@task(name="notify_alerts", cache_policy=NO_CACHE)
def notify_alerts_task(
    config_path: str | None,
    database_url: str | None,
    stores: list[str] | None,
    now: datetime,
) -> Published[Message]:
    return notify_alerts(load_settings(config_path), database_url, now=now, stores=stores)


@flow(name="run-checks")
@fails_in_one_sentence
def check_stores(
    stores: list[str] | None = None,
    report_date: date | None = None,
    as_of: datetime | None = None,
    page: bool | None = None,
    count_check: bool = True,
    config_path: str | None = None,
    database_url: str | None = None,
    notify: bool = True,
) -> CheckRun:
    """Anomalies, rules and data health for each store's report day (docs/checks.md); new and
    resolved alerts are told at once when the run pages and ``notify`` is on (otherwise the
    next run that notifies tells them)."""
    run = run_checks_task(config_path, database_url, stores, report_date, as_of, page, count_check)
    if run.changes is not None and notify:
        run.notices = notify_alerts_task(
            config_path, database_url, stores, as_of or datetime.now(UTC)
        )
    lines = ["| store | day | check | metric | severity | finding |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {f.store} | {f.day} | {f.check} | {f.metric} | {f.severity} | {f.message} |"
        for f in run.findings
    ]
    create_markdown_artifact("\n".join(lines), key="check-findings", description="Findings")
    return run
