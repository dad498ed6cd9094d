"""The ``daily-ops`` flow: the morning loop — sync, metrics, checks, digest — for a report day.

The report day is each store's local yesterday as of the run's *scheduled* start (DESIGN rule
1), so a late run, a retried run and a rerun from the Prefect UI all report the same day;
``report_date`` overrides it (a rerun for a past date). Everything downstream is idempotent:
rerunning a day leaves the warehouse and the outbox as they were and sends nothing twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows.hooks import tell_ops_of_failure
from flows.policy import fails_in_one_sentence, scheduled_start
from flows.steps.compute_metrics import compute_metrics
from flows.steps.publish import publish_campaign_review, publish_digest
from flows.steps.run_checks import check_stores
from flows.steps.sync_store import sync_store


@flow(name="daily-ops", on_failure=[tell_ops_of_failure], on_crashed=[tell_ops_of_failure])
@fails_in_one_sentence
def daily_ops(
    stores: list[str] | None = None,
    report_date: date | None = None,
    resend: bool = False,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Sync every store, bring its metrics up to date, check the report day, and send the
    digest (and any alerts) through the outbox; the morning after a campaign ends, its review.

    Args:
        stores: The stores to run (all of them when empty).
        report_date: The store-local day to report (default: yesterday as of the scheduled
            start, in each store's timezone).
        resend: Send the digest again even if it was already sent for that day.
        config_path: storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml).
    """
    as_of = scheduled_start()
    synced = sync_store(stores=stores, config_path=config_path)
    computed = compute_metrics(stores=stores, config_path=config_path)
    checked = check_stores(
        stores=stores, report_date=report_date, as_of=as_of, config_path=config_path
    )
    published = publish_digest(
        stores=stores, report_date=report_date, as_of=as_of, resend=resend, config_path=config_path
    )
    reviewed = publish_campaign_review(
        stores=stores, last_day=report_date, as_of=as_of, resend=resend, config_path=config_path
    )
    return {
        "synced": synced.total("upserted"),
        "metric_values": sum(r.values for r in computed.stores),
        "findings": len(checked.findings),
        "report_days": {s: str(d) for s, d in checked.days.items()},
        "sent": len(published.delivery.sent),
        "already_sent": len(published.delivery.skipped),
        "campaign_reviews": [r.campaign for r in reviewed.reports],
    }
