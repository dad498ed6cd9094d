"""The ``weekly-review`` flow: Monday's look back at the last complete ISO week."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows.hooks import tell_ops_of_failure
from flows.policy import fails_in_one_sentence, scheduled_start
from flows.steps.compute_metrics import compute_metrics
from flows.steps.publish import publish_weekly_review


@flow(name="weekly-review", on_failure=[tell_ops_of_failure], on_crashed=[tell_ops_of_failure])
@fails_in_one_sentence
def weekly_review(
    stores: list[str] | None = None,
    week: date | None = None,
    resend: bool = False,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Bring the metrics up to date and send each store's weekly review.

    Args:
        stores: The stores to review (all of them when empty).
        week: The Monday of the ISO week (default: the last complete week before the scheduled
            start, in each store's timezone).
        resend: Send the review again even if it was already sent for that week.
        config_path: storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml).
    """
    as_of = scheduled_start()
    compute_metrics(stores=stores, config_path=config_path)
    run = publish_weekly_review(
        stores=stores, week=week, as_of=as_of, resend=resend, config_path=config_path
    )
    return {
        "weeks": {r.store: str(r.week) for r in run.reports},
        "sent": len(run.delivery.sent),
        "already_sent": len(run.delivery.skipped),
    }
