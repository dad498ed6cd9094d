"""The daily loop by hand: ``sync``, ``import``, ``metrics``, ``checks``, ``digest``, ``weekly``
and ``run``.

Every command that starts a flow first resolves what the run will need (the configuration, the
stores chosen, their tokens, the channels' credentials, the dates), so a missing secret or a
reversed range is one line and exit 2 before Prefect starts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from connectors.errors import ConfigError
from flows.cli import (
    LOOP,
    ConfigOption,
    ResendOption,
    StoreOption,
    app,
    console,
    start_flow,
    usage_error,
)

if TYPE_CHECKING:
    from connectors.config import Report
    from tasks.delivery.outbox import Delivery

DayOption = Annotated[
    datetime | None,
    typer.Option(
        "--report-date",
        formats=["%Y-%m-%d"],
        help="The store-local day (default: yesterday, per store).",
        show_default=False,
    ),
]


def preflight(
    config: Path | None,
    stores: list[str] | None,
    *,
    tokens: bool = False,
    reports: Iterable[Report] = (),
) -> Path:
    """Load the configuration and resolve every secret the run will need; return its path.

    Raises:
        ConfigError: the file is wrong, a store is unknown or a secret is missing (named,
            never shown).
    """
    from connectors.config import config_path, resolve_channel_secrets, resolve_token
    from tasks.settings import load_settings

    path = config_path(config).resolve()
    loaded = load_settings(path)
    chosen = loaded.select(stores)
    if tokens:
        for store in chosen:
            if not store.is_marketplace:  # a marketplace store reads files, it has no token
                resolve_token(store)
    wanted = set(reports)
    for channel in loaded.channels:
        if any(channel.covers(s.name, r) for s in chosen for r in wanted):
            resolve_channel_secrets(channel)
    return path


@app.command(rich_help_panel=LOOP)
def sync(
    config: ConfigOption = None,
    store: StoreOption = None,
    full: Annotated[bool, typer.Option(help="Re-read each store's whole history.")] = False,
) -> None:
    """Pull orders, customers, products, deletions, inventory and traffic into the warehouse."""
    path = preflight(config, store, tokens=True)
    from flows.cli.views import print_sync_summary, progress_bar
    from flows.steps.sync_store import sync_store

    with progress_bar(console):
        summary = start_flow(sync_store, stores=store, full=full, config_path=str(path))
    print_sync_summary(console, summary)


@app.command("import", rich_help_panel=LOOP)
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="Export files (csv, xlsx, xls), in any order.")
    ],
    store: Annotated[str, typer.Option("--store", "-s", help="The store they belong to.")],
    config: ConfigOption = None,
) -> None:
    """Import a store's export files: a marketplace store's orders and 生意参谋 days, any
    store's ad spend (Google Ads, Meta, 巨量引擎, 万相台, the generic spend CSV); a file
    imported before changes nothing."""
    from flows.cli.views import print_sync_summary
    from tasks.ingest.imports import import_files
    from tasks.ingest.run import SyncSummary
    from tasks.settings import load_settings

    chosen = load_settings(config).store(store)
    results = import_files(chosen, files)
    print_sync_summary(console, SyncSummary(windows=results))
    skipped = sum(r.skipped for r in results)
    if skipped:
        console.print(f"{skipped} file(s) imported before: skipped, nothing changed")


class Grain(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command(rich_help_panel=LOOP)
def metrics(
    config: ConfigOption = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", "-s", help="The store (its roll-up with --rollup).", show_default=False
        ),
    ] = None,
    start: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First store-local day.")
    ] = ...,  # type: ignore[assignment]
    end: Annotated[
        datetime,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last store-local day (included)."),
    ] = ...,  # type: ignore[assignment]
    grain: Annotated[
        Grain,
        typer.Option(help="Days, ISO weeks (from their Monday), or months (cohort metrics)."),
    ] = Grain.day,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="How to print.")
    ] = OutputFormat.table,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="Only this metric (repeatable).")
    ] = None,
    rollup: Annotated[
        bool, typer.Option(help="All stores together, in the reporting currency.")
    ] = False,
    full: Annotated[bool, typer.Option(help="Recompute the whole history first.")] = False,
) -> None:
    """Compute what changed since the last run, then print the stores' metrics."""
    from flows.cli.views import print_metrics
    from tasks.metrics.query import metric_rows
    from tasks.metrics.rollup import ROLLUP
    from tasks.metrics.run import refresh_metrics
    from tasks.settings import load_settings
    from tasks.warehouse.engine import get_engine

    if end < start:
        raise usage_error(f"{end:%Y-%m-%d} is before --from {start:%Y-%m-%d}", "--to")
    check_metrics(metric, grain.value)
    cfg = load_settings(config)
    if rollup:
        name = ROLLUP
    elif store is None and len(cfg.stores) > 1:
        raise usage_error("name a store (or use --rollup for all of them)", "--store")
    else:
        name = cfg.store(store or cfg.stores[0].name).name
    refresh_metrics(cfg, stores=None if rollup else [name], full=full)
    with get_engine().connect() as conn:
        rows = metric_rows(conn, name, grain.value, start.date(), end.date(), metric)
    print_metrics(console, rows, output.value)


def check_metrics(names: list[str] | None, grain: str) -> None:
    """Refuse a metric the registry lacks, or one that has no ``grain`` (usage errors)."""
    from tasks.metrics.registry import REGISTRY

    for name in names or ():
        if name not in REGISTRY:
            close = difflib.get_close_matches(name, REGISTRY, n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (docs/metrics.md lists them)"
            raise usage_error(f"no metric {name!r}{hint}", "--metric")
        if grain not in REGISTRY[name].grains:
            having = sorted(m.name for m in REGISTRY.values() if grain in m.grains)
            raise usage_error(
                f"{name} has no {grain} grain; the metrics with one: {', '.join(having)}",
                "--grain",
            )


@app.command(rich_help_panel=LOOP)
def checks(
    config: ConfigOption = None,
    store: StoreOption = None,
    report_date: DayOption = None,
    page: Annotated[
        bool | None,
        typer.Option(
            "--page/--record-only",
            help="Open and resolve alerts (default: only for yesterday's run).",
            show_default=False,
        ),
    ] = None,
    notify: Annotated[
        bool, typer.Option(help="Send the notices of alerts opened or resolved, now.")
    ] = False,
    count_check: Annotated[
        bool, typer.Option(help="Compare order counts with the platform's count endpoint.")
    ] = True,
) -> None:
    """Check each store's report day: anomalies, rules and data health, as alerts.

    Without --notify it sends nothing: it records findings and the alerts they open or resolve.

    The next daily run, or `storepulse checks --notify`, tells the channels of them.
    """
    path = preflight(config, store, tokens=count_check, reports=("alerts",) if notify else ())
    from flows.cli.views import print_findings
    from flows.steps.run_checks import check_stores
    from tasks.metrics.run import refresh_metrics
    from tasks.settings import load_settings

    refresh_metrics(load_settings(path), stores=store)
    run = start_flow(
        check_stores,
        stores=store,
        report_date=report_date.date() if report_date else None,
        page=page,
        notify=notify,
        count_check=count_check,
        config_path=str(path),
    )
    print_findings(console, run)


@app.command(rich_help_panel=LOOP)
def digest(
    config: ConfigOption = None,
    store: StoreOption = None,
    report_date: DayOption = None,
    resend: ResendOption = False,
) -> None:
    """Send each store's daily digest through the outbox."""
    path = preflight(config, store, reports=("daily",))
    from flows.steps.publish import publish_digest

    day = report_date.date() if report_date else None
    run = start_flow(
        publish_digest, stores=store, resend=resend, config_path=str(path), report_date=day
    )
    print_outcomes(run.references, run.delivery)


@app.command(rich_help_panel=LOOP)
def weekly(
    config: ConfigOption = None,
    store: StoreOption = None,
    week: Annotated[
        datetime | None,
        typer.Option(
            "--week",
            formats=["%Y-%m-%d"],
            help="A day of the ISO week (default: the last complete week, per store).",
            show_default=False,
        ),
    ] = None,
    resend: ResendOption = False,
) -> None:
    """Send each store's weekly review through the outbox."""
    path = preflight(config, store, reports=("weekly",))
    from flows.steps.publish import publish_weekly_review

    monday = _monday(week.date()) if week else None
    run = start_flow(
        publish_weekly_review, stores=store, resend=resend, config_path=str(path), week=monday
    )
    print_outcomes(run.references, run.delivery)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def print_outcomes(references: dict[str, str | None], delivery: Delivery) -> None:
    """One line per message: where it went, or what became of it."""
    for key, reference in sorted(references.items()):
        state = (
            "sent"
            if key in delivery.sent
            else "failed"
            if key in delivery.failed
            else "cut off mid-send (see storepulse outbox)"
            if key in delivery.unknown
            else "already sent"
            if key in delivery.skipped
            else "held"
        )
        console.print(f"{key}  {state}  {reference or ''}", highlight=False)


def flow_names() -> type[StrEnum]:
    """The deployed flows by name, from the one registry in deployments/build.py."""
    from deployments.build import FLOWS

    return StrEnum("FlowName", {name: name for name in FLOWS})  # type: ignore[return-value]


FlowName = flow_names()


@app.command("run", rich_help_panel=LOOP)
def run_flow(
    flow: Annotated[FlowName, typer.Argument(metavar="FLOW", help="The flow, as deployed.")],  # type: ignore[valid-type]
    config: ConfigOption = None,
    store: StoreOption = None,
    report_date: Annotated[
        datetime | None,
        typer.Option(
            "--report-date",
            formats=["%Y-%m-%d"],
            help="daily-ops: the day (default: yesterday); weekly-review: a day in the week.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="backfill: the first day."),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="backfill: the last day (included)."),
    ] = None,
    resend: ResendOption = False,
) -> None:
    """Run a flow here, now, as its deployment would (for cron-less use and for tests)."""
    from deployments.build import FLOWS

    name = str(flow.value)
    day = report_date.date() if report_date else None
    parameters: dict[str, Any] = {"stores": store, "resend": resend}
    if name == "backfill":
        parameters |= backfill_range(start, end)
    elif name == "weekly-review":
        parameters["week"] = _monday(day) if day else None
    else:
        parameters["report_date"] = day
    spec = FLOWS[name]
    path = preflight(config, store, tokens=spec.syncs, reports=spec.reports(resend))
    result = start_flow(spec.load(), config_path=str(path), **parameters)
    for key, value in result.items():
        console.print(f"{key}: {value}", highlight=False)


def backfill_range(start: datetime | None, end: datetime | None) -> dict[str, date]:
    """The backfill's days, refused here as the flow would refuse them (usage errors)."""
    if start is None or end is None:
        raise usage_error("backfill needs --from and --to", "--from" if start is None else "--to")
    from flows.backfill import check_range

    try:
        check_range(start.date(), end.date())
    except ConfigError as exc:
        raise usage_error(str(exc), "--to") from None
    return {"start": start.date(), "end": end.date()}
