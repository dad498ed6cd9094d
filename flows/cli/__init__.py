"""The ``storepulse`` command.

Exit codes: 0 success, 1 the work failed, 2 bad usage or bad configuration.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from connectors.errors import ConfigError, StorepulseError

if TYPE_CHECKING:  # the commands import their work late, to start fast
    from connectors.sandbox import DemoStore
    from tasks.delivery.outbox import Delivery

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="storepulse: your store's daily numbers, checked and delivered.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Manage the warehouse schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml)",
        show_default=False,
    ),
]

StoreOption = Annotated[
    list[str] | None, typer.Option("--store", "-s", help="Only this store (repeatable).")
]
ResendOption = Annotated[bool, typer.Option(help="Send again what was already sent.")]

#: Prefect's console chatter is for the Prefect UI; the CLI shows progress and a summary.
PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "storepulse",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


def main() -> None:
    """Console entry point."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    app()


def reports_errors(command: F) -> F:
    """Turn storepulse's errors into a one-line message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(2) from None
        except StorepulseError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@reports_errors
def sync(
    config: ConfigOption = None,
    store: Annotated[
        list[str] | None, typer.Option("--store", "-s", help="Sync only this store (repeatable).")
    ] = None,
    full: Annotated[bool, typer.Option(help="Re-read each store's whole history.")] = False,
) -> None:
    """Pull orders, customers, products, deletions, inventory and traffic into the warehouse."""
    from connectors.config import config_path, load_config
    from flows.cli.views import print_sync_summary, progress_bar
    from flows.steps.sync_store import sync_store

    path = config_path(config)
    load_config(path).select(store)  # fail fast, before Prefect starts, on a bad file or name
    with progress_bar(console):
        summary = sync_store(stores=store, full=full, config_path=str(path))
    print_sync_summary(console, summary)


class Grain(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
@reports_errors
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
        Grain, typer.Option(help="Days, ISO weeks (from their Monday), months.")
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
    from connectors.config import load_config
    from flows.cli.views import print_metrics
    from tasks.metrics.query import metric_rows
    from tasks.metrics.rollup import ROLLUP
    from tasks.metrics.run import refresh_metrics
    from tasks.warehouse.engine import get_engine

    cfg = load_config(config)
    if rollup:
        name = ROLLUP
    elif store is None and len(cfg.stores) > 1:
        raise ConfigError("name a store with --store (or use --rollup for all of them)")
    else:
        name = cfg.store(store or cfg.stores[0].name).name
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    refresh_metrics(cfg, stores=None if rollup else [name], full=full)
    with get_engine().connect() as conn:
        rows = metric_rows(conn, name, grain.value, start.date(), end.date(), metric)
    print_metrics(console, rows, output.value)


class Side(StrEnum):
    both = "both"
    drop = "drop"
    spike = "spike"


@app.command()
@reports_errors
def checks(
    config: ConfigOption = None,
    store: StoreOption = None,
    report_date: Annotated[
        datetime | None,
        typer.Option(
            "--report-date",
            formats=["%Y-%m-%d"],
            help="The store-local day to check (default: yesterday, per store).",
            show_default=False,
        ),
    ] = None,
    page: Annotated[
        bool | None,
        typer.Option(
            "--page/--record-only",
            help="Open and resolve alerts (default: only for yesterday's run).",
            show_default=False,
        ),
    ] = None,
    count_check: Annotated[
        bool, typer.Option(help="Compare order counts with the platform's count endpoint.")
    ] = True,
) -> None:
    """Check each store's report day: anomalies, rules and data health, as alerts."""
    from connectors.config import config_path, load_config
    from flows.cli.views import print_findings
    from flows.steps.run_checks import check_stores
    from tasks.metrics.run import refresh_metrics

    path = config_path(config)
    cfg = load_config(path)
    cfg.select(store)
    refresh_metrics(cfg, stores=store)
    run = check_stores(
        stores=store,
        report_date=report_date.date() if report_date else None,
        page=page,
        count_check=count_check,
        config_path=str(path),
    )
    print_findings(console, run)


alerts_app = typer.Typer(
    help="List, acknowledge, snooze and mute alerts.", invoke_without_command=True
)
app.add_typer(alerts_app, name="alerts")


@alerts_app.callback()
@reports_errors
def alerts_list(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option("--store", "-s", help="Only this store.")] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Resolved alerts too, not only open ones.")
    ] = False,
) -> None:
    """Without a subcommand: list open alerts (with --all, resolved ones too)."""
    if ctx.invoked_subcommand is not None:
        return
    from flows.cli.views import print_alerts
    from tasks.checks.lifecycle import list_alerts
    from tasks.warehouse.engine import get_engine

    with get_engine().connect() as conn:
        print_alerts(console, list_alerts(conn, store=store, include_resolved=everything))


@alerts_app.command("ack")
@reports_errors
def alerts_ack(alert_id: Annotated[str, typer.Argument(help="The alert's id.")]) -> None:
    """Acknowledge an alert: someone is on it."""
    from tasks.checks.lifecycle import acknowledge
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        if not acknowledge(conn, alert_id, datetime.now(UTC)):
            raise StorepulseError(f"no unacknowledged alert {alert_id!r}")
    console.print(f"acknowledged {alert_id}")


@alerts_app.command("snooze")
@reports_errors
def alerts_snooze(
    fingerprint: Annotated[str, typer.Argument(help="store/metric/check[/value], as listed.")],
    until: Annotated[
        datetime, typer.Option("--until", formats=["%Y-%m-%d"], help="Quiet through this day.")
    ],
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
) -> None:
    """Keep a fingerprint from opening alerts through a day."""
    from tasks.checks.lifecycle import silence
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        silence(conn, fingerprint, until.date(), reason, datetime.now(UTC))
    console.print(f"snoozed {fingerprint} through {until:%Y-%m-%d}")


@alerts_app.command("mute")
@reports_errors
def alerts_mute(
    fingerprint: Annotated[str, typer.Argument(help="store/metric/check[/value], as listed.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    undo: Annotated[bool, typer.Option("--undo", help="Unmute (or unsnooze).")] = False,
) -> None:
    """Keep a fingerprint from opening alerts until unmuted."""
    from tasks.checks.lifecycle import silence, unsilence
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        if undo:
            done = unsilence(conn, fingerprint)
            console.print(f"unmuted {fingerprint}" if done else f"{fingerprint} was not muted")
            return
        silence(conn, fingerprint, None, reason, datetime.now(UTC))
    console.print(f"muted {fingerprint}")


@app.command()
@reports_errors
def backtest(
    series: Annotated[
        Path | None,
        typer.Option(
            "--series",
            help="A daily series to score instead: CSV with date,value[,label].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.table,
    side: Annotated[Side, typer.Option(help="With --series: which changes count.")] = Side.both,
    nab: Annotated[Path, typer.Option(help="The NAB data folder.")] = Path("../shared/data/nab"),
    data_dir: Annotated[
        Path, typer.Option(help="Where generated benchmark shops are cached.")
    ] = Path("out/bench-cache/anomalies"),
    tuning: Annotated[
        bool, typer.Option(help="Score the tuning seeds instead of the held-out ones.")
    ] = False,
) -> None:
    """Replay the checks over labelled history and score them (precision, recall, F1)."""
    from flows.cli.views import print_backtest
    from tasks.checks.evaluation.replay import replay_benchmarks, replay_series

    if series is not None:
        result = replay_series(series, side.value)
    else:
        result = replay_benchmarks(nab, data_dir, tuning=tuning)
    print_backtest(console, result, output.value)


@app.command()
@reports_errors
def digest(
    config: ConfigOption = None,
    store: StoreOption = None,
    report_date: Annotated[
        datetime | None,
        typer.Option(
            "--report-date",
            formats=["%Y-%m-%d"],
            help="The store-local day (default: yesterday, per store).",
            show_default=False,
        ),
    ] = None,
    resend: ResendOption = False,
) -> None:
    """Send each store's daily digest through the outbox."""
    from flows.steps.publish import publish_digest

    day = report_date.date() if report_date else None
    publish_report(publish_digest, config, store, resend, report_date=day)


def publish_report(
    flow: Callable[..., Any],
    config: Path | None,
    store: list[str] | None,
    resend: bool,
    **when: Any,
) -> None:
    """Run a publishing flow for the chosen stores and say what became of each message."""
    from connectors.config import config_path, load_config

    path = config_path(config)
    load_config(path).select(store)
    run = flow(stores=store, resend=resend, config_path=str(path), **when)
    print_outcomes(run.references, run.delivery)


def print_outcomes(references: dict[str, str | None], delivery: Delivery) -> None:
    for key, reference in sorted(references.items()):
        state = (
            "sent"
            if key in delivery.sent
            else "failed"
            if key in delivery.failed
            else "already sent"
            if key in delivery.skipped
            else "held"
        )
        console.print(f"{key}  {state}  {reference or ''}", highlight=False)


@app.command()
@reports_errors
def weekly(
    config: ConfigOption = None,
    store: StoreOption = None,
    week: Annotated[
        datetime | None,
        typer.Option(
            "--week",
            formats=["%Y-%m-%d"],
            help="The Monday of the ISO week (default: the last complete week, per store).",
            show_default=False,
        ),
    ] = None,
    resend: ResendOption = False,
) -> None:
    """Send each store's weekly review through the outbox."""
    from flows.steps.publish import publish_weekly_review

    publish_report(publish_weekly_review, config, store, resend, week=week.date() if week else None)


outbox_app = typer.Typer(help="Messages stored for delivery.", invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
@reports_errors
def outbox_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only pending, sent or failed messages.")
    ] = None,
) -> None:
    """Without a subcommand: list messages, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from tasks.delivery.outbox import list_outbox
    from tasks.warehouse.engine import get_engine

    with get_engine().connect() as conn:
        rows = list_outbox(conn, status)
    if not rows:
        console.print("The outbox is empty.")
        return
    table = Table(box=None)
    for column in ("key", "status", "attempts", "sent", "where / last error"):
        table.add_column(column)
    for r in rows:
        where = r["reference"] if r["status"] == "sent" else (r["last_error"] or "")
        table.add_row(
            escape(r["key"]),
            r["status"],
            str(r["attempts"]),
            f"{r['sent_at']:%Y-%m-%d %H:%M}" if r["sent_at"] else "",
            escape(where or ""),
        )
    console.print(table)


@outbox_app.command("retry")
@reports_errors
def outbox_retry(config: ConfigOption = None) -> None:
    """Send every failed or held message now, through the configured channels."""
    from connectors.config import load_config
    from tasks.delivery.channels import transports
    from tasks.delivery.outbox import deliver, retry_now
    from tasks.warehouse.engine import get_engine

    cfg = load_config(config)
    now = datetime.now(UTC)
    with get_engine().begin() as conn:
        retry_now(conn, now)
        done = deliver(conn, transports(cfg), now)
    console.print(f"{len(done.sent)} sent, {len(done.failed)} failed again")
    for key in done.failed:
        console.print(f"  failed: {escape(key)}", highlight=False)
    if done.failed:
        raise typer.Exit(1)


reports_app = typer.Typer(
    help="Each digest and weekly review as an HTML page, kept in the warehouse.",
    no_args_is_help=True,
)
app.add_typer(reports_app, name="reports")


@reports_app.command("serve")
@reports_errors
def reports_serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8765,
) -> None:
    """Serve the stored pages over HTTP (read-only; `/` lists the latest)."""
    from tasks.delivery.pages import page_server

    server = page_server(None, host, port)
    console.print(f"serving reports at http://{host}:{server.server_address[1]}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@reports_app.command("show")
@reports_errors
def reports_show(
    key: Annotated[str, typer.Argument(help="The report, such as daily/2026-11-28/flagship.")],
    language: Annotated[str, typer.Option(help="en or zh-CN.")] = "en",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not to the console.")
    ] = None,
) -> None:
    """Print (or write) one stored page."""
    from tasks.delivery.pages import read_page
    from tasks.warehouse.engine import get_engine

    with get_engine().connect() as conn:
        page = read_page(conn, key, language)
    if page is None:
        raise StorepulseError(f"no {language} page for {key!r} (see `storepulse outbox`)")
    if output is None:
        sys.stdout.write(page)
    else:
        output.write_text(page, encoding="utf-8")
        console.print(f"wrote {output}")


@app.command("test-send")
@reports_errors
def send_test_message(
    channel: Annotated[str, typer.Option("--channel", help="The channel's name in the config.")],
    config: ConfigOption = None,
) -> None:
    """Prove a channel works: send it a short test message now."""
    from connectors.config import load_config
    from tasks.delivery.channels import send_test

    where = send_test(load_config(config), channel, datetime.now(UTC))
    console.print(f"Sent to channel {channel!r}: {escape(where)}", highlight=False)


class FlowName(StrEnum):
    daily_ops = "daily-ops"
    weekly_review = "weekly-review"
    backfill = "backfill"


@app.command("run")
@reports_errors
def run_flow(
    flow: Annotated[FlowName, typer.Argument(help="daily-ops, weekly-review or backfill.")],
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
        typer.Option("--to", formats=["%Y-%m-%d"], help="backfill: the last day."),
    ] = None,
    resend: ResendOption = False,
) -> None:
    """Run a flow here, now, as its deployment would (for cron-less use and for tests)."""
    from connectors.config import config_path, load_config

    path = config_path(config).resolve()
    load_config(path).select(store)
    day = report_date.date() if report_date else None
    if flow is FlowName.daily_ops:
        from flows.daily_ops import daily_ops

        result = daily_ops(stores=store, report_date=day, resend=resend, config_path=str(path))
    elif flow is FlowName.weekly_review:
        from flows.weekly_review import weekly_review

        monday = day - timedelta(days=day.weekday()) if day else None
        result = weekly_review(stores=store, week=monday, resend=resend, config_path=str(path))
    else:
        if start is None or end is None:
            raise ConfigError("backfill needs --from and --to")
        from flows.backfill import backfill

        result = backfill(
            start.date(), end.date(), stores=store, resend=resend, config_path=str(path)
        )
    for key, value in result.items():
        console.print(f"{key}: {value}", highlight=False)


@app.command()
@reports_errors
def serve(config: ConfigOption = None) -> None:
    """Serve every deployment with its schedule to the Prefect server at PREFECT_API_URL."""
    from connectors.config import config_path, load_config
    from deployments.serve import serve_all

    path = config_path(config).resolve()
    serve_all(load_config(path), path)


@app.command("prefect-setup")
@reports_errors
def prefect_setup(config: ConfigOption = None) -> None:
    """Create the per-store concurrency limits and the late daily run alert on the Prefect
    server at PREFECT_API_URL (`serve` does this itself; with workers, run it after deploying)."""
    import asyncio

    from connectors.config import config_path, load_config
    from deployments.automations import DEADLINE_AUTOMATION, prepare_server

    loaded = load_config(config_path(config))
    done = asyncio.run(prepare_server(loaded))
    console.print(f"concurrency limits: one per store ({done.store_limits})", highlight=False)
    if done.alerted:
        deadline = loaded.schedules.daily_deadline
        console.print(
            f"automation {DEADLINE_AUTOMATION!r}: daily runs not done within {deadline} "
            f"are told to {', '.join(done.alerted)}",
            highlight=False,
        )
    else:
        console.print("no Slack or webhook channel takes alerts: no late-run automation")
    for name in done.not_alerted:
        console.print(
            f"[yellow]channel {name!r}: email; the Prefect server cannot send it the late-run "
            "alert (add a Slack or webhook channel for alerts)[/yellow]",
            highlight=False,
        )


@app.command("deployments")
@reports_errors
def write_deployments(
    config: ConfigOption = None,
    output: Annotated[Path, typer.Option(help="Where to write.")] = Path(
        "deployments/prefect.yaml"
    ),
    worker_config: Annotated[
        Path | None,
        typer.Option(help="Where workers read the configuration (default: its path here)."),
    ] = None,
) -> None:
    """Write deployments/prefect.yaml for `prefect deploy --all` (workers in a work pool)."""
    import prefect

    from connectors.config import config_path, load_config
    from deployments.build import prefect_yaml

    path = config_path(config).resolve()
    text = prefect_yaml(load_config(path), worker_config or path, prefect.__version__)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}; deploy with: prefect deploy --all --prefect-file {output}")


@app.command("check-config")
@reports_errors
def check_config(config: ConfigOption = None) -> None:
    """Validate the configuration, then test every store's and channel's connection."""
    from connectors.config import config_path, load_config
    from tasks.connections import check_connections

    path = config_path(config)
    checks = check_connections(load_config(path))
    for check in checks:
        mark = "[green]ok[/green]" if check.ok else "[red]failed[/red]"
        console.print(f"{mark}  {check.what}: {escape(check.detail)}", highlight=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


targets_app = typer.Typer(
    help="Monthly targets the metrics are paced against.", no_args_is_help=True
)
rates_app = typer.Typer(help="Daily exchange rates for multi-store roll-ups.", no_args_is_help=True)
costs_app = typer.Typer(help="Unit costs for gross margin.", no_args_is_help=True)
app.add_typer(targets_app, name="targets")
app.add_typer(costs_app, name="costs")
app.add_typer(rates_app, name="rates")


@targets_app.command("load")
@reports_errors
def targets_load(
    path: Annotated[Path, typer.Argument(help="CSV with store,metric,month,target.")],
    config: ConfigOption = None,
) -> None:
    """Load monthly targets from a CSV (money in the store's currency)."""
    from connectors.config import load_config
    from tasks.metrics.targets import load_targets_csv
    from tasks.warehouse.engine import get_engine

    cfg = load_config(config)
    with get_engine().begin() as conn:
        count = load_targets_csv(conn, path, cfg)
    console.print(
        f"loaded {count} target(s); `storepulse metrics --full` recomputes pacing for past days"
    )


@costs_app.command("load")
@reports_errors
def costs_load(
    path: Annotated[Path, typer.Argument(help="CSV with sku,cost.")],
    store: Annotated[str, typer.Option("--store", "-s", help="The store the costs are for.")],
    config: ConfigOption = None,
) -> None:
    """Load unit costs by SKU (in the store's currency) for gross margin."""
    from connectors.config import load_config
    from tasks.metrics.costs import load_costs_csv
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        count = load_costs_csv(conn, path, load_config(config).store(store))
    console.print(f"loaded {count} unit cost(s); the next metrics run recomputes margins")


@rates_app.command("load")
@reports_errors
def rates_load(
    path: Annotated[Path, typer.Argument(help="CSV with day,currency,reporting_currency,rate.")],
) -> None:
    """Load daily exchange rates (units of reporting currency per unit of currency)."""
    from tasks.metrics.rollup import load_rates_csv
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        count = load_rates_csv(conn, path)
    console.print(f"loaded {count} rate(s)")


@app.command("demo-store")
def demo_store(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8081,
    token: Annotated[str, typer.Option(help="The access token clients must send.")] = "shpat_demo",
    seed: int = 1,
    days: Annotated[int, typer.Option(help="Days of history.")] = 730,
    orders_per_day: Annotated[float, typer.Option(help="Average orders per day.")] = 60.0,
    plan: Annotated[
        str, typer.Option(help="standard, advanced or plus (the API rate limit).")
    ] = "standard",
    end_date: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Last day of history (default: today in the shop's timezone).",
            show_default=False,
        ),
    ] = None,
    read_all_orders: Annotated[
        bool,
        typer.Option(
            help="Grant read_all_orders; without it only the last 60 days of orders are visible."
        ),
    ] = True,
    time_scale: Annotated[
        float, typer.Option(help="Run the rate limiter this many times faster (for tests).")
    ] = 1.0,
    error_rate: Annotated[float, typer.Option(help="Share of calls answered 500/503.")] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of calls delayed 5 s.")] = 0.0,
    update_between_pages: Annotated[
        bool, typer.Option(help="Edit an order while a client pages through orders.")
    ] = False,
    anomaly: Annotated[
        list[str] | None,
        typer.Option(help="Inject DATE[:drop|spike|conversion_drop|outage[:SIZE]] (repeatable)."),
    ] = None,
    shops: Annotated[int, typer.Option(help="Serve this many shops under /shops/s01….")] = 1,
    data_dir: Annotated[Path, typer.Option(help="Where generated shops are cached.")] = Path(
        "out/demo-store"
    ),
) -> None:
    """Serve a local Shopify-compatible store with seeded history (Ctrl-C to stop)."""
    from connectors.sandbox import PLANS, Anomaly, DemoStore, Faults, StoreSpec

    if plan not in PLANS:
        raise typer.BadParameter(f"choose one of {', '.join(PLANS)}", param_hint="--plan")
    try:
        anomalies = tuple(Anomaly.parse(a) for a in anomaly or ())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--anomaly") from None
    spec = StoreSpec(
        seed=seed,
        days=days,
        orders_per_day=orders_per_day,
        end_date=end_date.date() if end_date else None,
        anomalies=anomalies,
    )
    faults = Faults(
        error_rate=error_rate, slow_rate=slow_rate, update_between_pages=update_between_pages
    )
    with console.status("Generating the shop's history (cached after the first run)…"):
        store = DemoStore.start(
            spec,
            token=token,
            port=port,
            plan=plan,
            time_scale=time_scale,
            faults=faults,
            read_all_orders=read_all_orders,
            shops=shops,
            data_dir=data_dir,
        )
    # Ctrl-C may come as soon as the first address is printed: the store stops either way.
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        _print_served(store, shops, plan)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        store.stop()


def _print_served(store: DemoStore, shops: int, plan: str) -> None:
    urls = [store.shop_url(name) for name in store.names] if shops > 1 else [store.url]
    console.print(f"Serving {len(urls)} shop(s) on the {plan} plan:")
    for url in urls:
        console.print(f"  {url}/admin/api/2026-10/orders.json")
    console.print(
        "Clients authenticate with the --token value in X-Shopify-Access-Token. "
        "Press Ctrl-C to stop."
    )


@app.command()
@reports_errors
def demo(
    out: Annotated[Path, typer.Option(help="Where the demo writes its files.")] = Path("out"),
) -> None:
    """Run the whole loop on a local demo store, with no credentials and nothing to install."""
    from flows.cli.demo import run_demo

    run_demo(out, console)


@db_app.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Apply pending migrations to the warehouse ($STOREPULSE_DATABASE_URL)."""
    from tasks.warehouse.engine import current_revision, database_url, get_engine

    engine = get_engine()
    console.print(f"{_safe_url(database_url())} is at revision {current_revision(engine)}")


@db_app.command("status")
@reports_errors
def db_status() -> None:
    """Show the warehouse's schema revision and the newest one."""
    from tasks.warehouse.engine import current_revision, database_url, get_engine, head_revision

    engine = get_engine(migrate=False)
    current, head = current_revision(engine), head_revision()
    state = "up to date" if current == head else "needs `storepulse db upgrade`"
    console.print(f"{_safe_url(database_url())}: revision {current} (newest {head}): {state}")


def _safe_url(url: str) -> str:
    """The warehouse URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
