"""``storepulse watch``: one intraday watch run now, or as of a store-local moment (a replay)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from flows.cli import LOOP, ConfigOption, StoreOption, app, console, start_flow
from flows.cli.loop import preflight


@app.command(rich_help_panel=LOOP)
def watch(
    config: ConfigOption = None,
    store: StoreOption = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%dT%H:%M"],
            help="Run as if it were this store-local moment, counting only orders placed "
            "before it (a replay: nothing is synced).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Watch the stores with a live campaign once: orders stopped, below the expected curve,
    or behind the target's pace open alerts, told to every channel that takes alerts."""
    path = preflight(config, store, tokens=as_of is None, reports=("alerts",))
    from flows.campaign_watch import campaign_watch

    summary = start_flow(campaign_watch, stores=store, as_of=as_of, config_path=str(path))
    if not summary["watched"]:
        console.print("no campaign is live: nothing to watch")
        return
    console.print(
        f"watched {', '.join(summary['watched'])}: {summary['opened']} alert(s) opened, "
        f"{summary['resolved']} resolved, {summary['sent']} message(s) sent"
    )
