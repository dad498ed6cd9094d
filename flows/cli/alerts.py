"""``storepulse alerts`` (list, ack, snooze, mute) and ``storepulse backtest``."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from connectors.errors import StorepulseError
from connectors.vocabulary import SIDES
from flows.cli import ALERTS, app, console, group, usage_error

#: Where the Numenta Anomaly Benchmark's data folder is, when ``--nab`` does not say.
NAB_DIR_ENV = "STOREPULSE_NAB_DIR"

alerts_app = group(
    "alerts", "List, acknowledge, snooze and mute alerts.", ALERTS, invoke_without_command=True
)


@alerts_app.callback()
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
def alerts_ack(alert_id: Annotated[str, typer.Argument(help="The alert's id.")]) -> None:
    """Acknowledge an alert: someone is on it."""
    from tasks.checks.lifecycle import acknowledge
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        if not acknowledge(conn, alert_id, datetime.now(UTC)):
            raise StorepulseError(f"no unacknowledged alert {alert_id!r}")
    console.print(f"acknowledged {alert_id}")


@alerts_app.command("snooze")
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


#: The sides an anomaly check reports, as the command-line choice (one vocabulary).
Side = StrEnum("Side", {side: side for side in SIDES})  # type: ignore[misc]


class BacktestFormat(StrEnum):
    table = "table"
    json = "json"


class BacktestCalendar(StrEnum):
    retail = "retail"
    none = "none"


@app.command(rich_help_panel=ALERTS)
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
        BacktestFormat, typer.Option("--format", help="A table to read, or JSON for programs.")
    ] = BacktestFormat.table,
    side: Annotated[Side, typer.Option(help="With --series: which changes count.")] = Side.both,
    calendar: Annotated[
        BacktestCalendar,
        typer.Option(help="With --series: leave the retail holidays unscored, or score every day."),
    ] = BacktestCalendar.retail,
    false_alerts: Annotated[
        float | None,
        typer.Option(
            "--false-alerts-per-month",
            min=0.001,
            help="With --series: the false alert episodes a month the thresholds aim at "
            "(default: one watched metric's share of the checks' 0.5).",
            show_default=False,
        ),
    ] = None,
    nab: Annotated[
        Path | None,
        typer.Option(envvar=NAB_DIR_ENV, help="The NAB data folder.", show_default=False),
    ] = None,
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
        result = replay_series(series, side.value, calendar.value, false_alerts)
    else:
        if nab is None:  # no default: the data lives outside the repository
            raise usage_error(f"no NAB data folder: pass --nab DIR or set ${NAB_DIR_ENV}", "--nab")
        result = replay_benchmarks(nab, data_dir, tuning=tuning)
    print_backtest(console, result, output.value, tuning=tuning)
