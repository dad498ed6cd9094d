"""The ``publish-digest``, ``publish-weekly`` and ``publish-campaign-review`` flows: each
store's daily digest, weekly review and campaign review, through the outbox, once. One task
publishes any kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.config import Report
from flows.hooks import this_run_url
from flows.policy import fails_in_one_sentence
from reports.content.campaign import campaign_sections
from reports.i18n import Locale
from reports.media.markdown import daily_markdown, kpi_table, sections_markdown, weekly_markdown
from reports.model import CampaignReview, DailyDigest, WeeklyReview
from tasks.delivery.pages import pages_markdown, stored_languages
from tasks.delivery.publish import Published, publish_report
from tasks.settings import load_settings
from tasks.warehouse.engine import get_engine


@task(name="publish_report", task_run_name="publish_report-{kind}", cache_policy=NO_CACHE)
def publish_report_task(
    kind: Report,
    config_path: str | None,
    database_url: str | None,
    stores: list[str] | None,
    period: date | None,
    as_of: datetime | None,
    resend: bool,
    run_url: str | None,
) -> Published[Any]:
    return publish_report(
        kind,
        load_settings(config_path),
        database_url,
        stores=stores,
        period=period,
        as_of=as_of,
        resend=resend,
        run_url=run_url,
    )


@flow(name="publish-digest")
@fails_in_one_sentence
def publish_digest(
    stores: list[str] | None = None,
    report_date: date | None = None,
    as_of: datetime | None = None,
    resend: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
) -> Published[DailyDigest]:
    """Render the daily digest in every language and deliver it (a rerun sends nothing twice)."""
    run = publish_report_task(
        "daily", config_path, database_url, stores, report_date, as_of, resend, this_run_url()
    )
    english = Locale("en")
    for digest in run.reports:
        create_markdown_artifact(
            daily_markdown(digest, english),
            key=f"daily-digest-{digest.store}",
            description=f"Daily digest, {digest.store}, {digest.day}",
        )
    create_table_artifact(
        kpi_table(run.reports, english), key="daily-kpis", description="Every store's KPIs"
    )
    artifact_page_links(config_path, database_url, run.reports, "daily-reports")
    return run


@flow(name="publish-weekly")
@fails_in_one_sentence
def publish_weekly_review(
    stores: list[str] | None = None,
    week: date | None = None,
    as_of: datetime | None = None,
    resend: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
) -> Published[WeeklyReview]:
    """Render the weekly review (by default of the last complete ISO week) and deliver it."""
    run = publish_report_task(
        "weekly", config_path, database_url, stores, week, as_of, resend, this_run_url()
    )
    for review in run.reports:
        create_markdown_artifact(
            weekly_markdown(review, Locale("en")),
            key=f"weekly-review-{review.store}",
            description=f"Weekly review, {review.store}, week of {review.week}",
        )
    artifact_page_links(config_path, database_url, run.reports, "weekly-reports")
    return run


@flow(name="publish-campaign-review")
@fails_in_one_sentence
def publish_campaign_review(
    stores: list[str] | None = None,
    last_day: date | None = None,
    as_of: datetime | None = None,
    resend: bool = False,
    config_path: str | None = None,
    database_url: str | None = None,
) -> Published[CampaignReview]:
    """Review each store's campaign that ended on ``last_day`` (by default yesterday: the
    morning after) and deliver it; a store with no campaign ended sends nothing."""
    run = publish_report_task(
        "campaign", config_path, database_url, stores, last_day, as_of, resend, this_run_url()
    )
    for review in run.reports:
        create_markdown_artifact(
            sections_markdown(campaign_sections(review, Locale("en")), Locale("en")),
            key=f"campaign-review-{review.store}",
            description=f"Campaign review, {review.campaign}, {review.store}",
        )
    if run.reports:
        artifact_page_links(config_path, database_url, run.reports, "campaign-reports")
    return run


def artifact_page_links(
    config_path: str | None, database_url: str | None, reports: Sequence[Any], key: str
) -> None:
    """One artifact linking each report's HTML page (kept in the warehouse by delivery.pages)."""
    with get_engine(database_url).connect() as conn:
        languages = stored_languages(conn, [r.key for r in reports])
    create_markdown_artifact(
        pages_markdown(languages, load_settings(config_path).reports_url),
        key=key,
        description="The reports' HTML pages",
    )
