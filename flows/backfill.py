"""The ``backfill`` flow: re-pull a date range, recompute it, and re-check its days quietly.

For after an outage, a late import or a changed definition. Checks for past days record what
they find and open no alerts, so a backfill pages nobody; digests for the range are sent only
with ``resend`` (a day whose digest was never sent is then sent once).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from prefect import flow

from flows.hooks import tell_ops_of_failure
from flows.policy import RefusedParameters, fails_in_one_sentence, scheduled_start
from flows.steps.compute_metrics import compute_metrics
from flows.steps.publish import publish_digest
from flows.steps.run_checks import check_stores
from flows.steps.sync_store import sync_store
from tasks.settings import load_settings

#: The longest range one backfill run takes; longer ones are several runs.
MAX_DAYS = 400


def check_range(start: date, end: date) -> None:
    """Refuse a range that is reversed or longer than ``MAX_DAYS`` (both days included).

    Raises:
        RefusedParameters: the range cannot be backfilled in one run.
    """
    if end < start:
        raise RefusedParameters(f"backfill: the last day {end} is before the first day {start}")
    if (end - start).days >= MAX_DAYS:
        days = (end - start).days + 1
        raise RefusedParameters(
            f"backfill: {start}…{end} is {days} days; one run takes at most {MAX_DAYS}"
        )


@flow(name="backfill", on_failure=[tell_ops_of_failure], on_crashed=[tell_ops_of_failure])
@fails_in_one_sentence
def backfill(
    start: date,
    end: date,
    stores: list[str] | None = None,
    resend: bool = False,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Re-sync everything updated since ``start``, recompute, and re-check each day to ``end``.

    Args:
        start: The first store-local day.
        end: The last store-local day (inclusive).
        stores: The stores to backfill (all of them when empty).
        resend: Also send each day's digest again.
        config_path: storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml).
    """
    check_range(start, end)  # a typo is refused before any work, and pages nobody
    chosen = load_settings(config_path).select(stores)
    since = min(datetime.combine(start, time.min, s.zone) for s in chosen)  # the earliest start
    as_of = scheduled_start()
    synced = sync_store(stores=stores, config_path=config_path, since=since)
    compute_metrics(stores=stores, config_path=config_path)
    findings = 0
    day = start
    while day <= end:
        checked = check_stores(
            stores=stores, report_date=day, as_of=as_of, page=False, config_path=config_path
        )
        findings += len(checked.findings)
        if resend:
            publish_digest(
                stores=stores, report_date=day, as_of=as_of, resend=True, config_path=config_path
            )
        day += timedelta(days=1)
    days = (end - start).days + 1
    return {"synced": synced.total("upserted"), "days": days, "findings": findings}
