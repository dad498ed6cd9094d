"""``storepulse outbox``: the messages stored for delivery, and sending the unsent again."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from flows.cli import ALERTS, ConfigOption, console, group

#: The line width of the listing when it is not shown on a terminal.
PIPED_WIDTH = 240

outbox_app = group("outbox", "Messages stored for delivery.", ALERTS, invoke_without_command=True)


class OutboxStatus(StrEnum):
    """A message's state in the outbox (``tasks/delivery/outbox.py``)."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    unknown = "unknown"


@outbox_app.callback()
def outbox_list(
    ctx: typer.Context,
    status: Annotated[
        OutboxStatus | None, typer.Option(help="Only messages in this state.", show_default=False)
    ] = None,
) -> None:
    """Without a subcommand: list messages, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from tasks.delivery.outbox import list_outbox
    from tasks.warehouse.engine import get_engine

    with get_engine().connect() as conn:
        rows = list_outbox(conn, status.value if status else None)
    if not rows:
        console.print(f"No {status.value} messages." if status else "The outbox is empty.")
        return
    table = Table(box=None)
    table.add_column("key", overflow="fold")  # a key names what and where: never cut it
    for column in ("status", "attempts", "sent", "where / last error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            escape(r["key"]),
            r["status"],
            str(r["attempts"]),
            f"{r['sent_at']:%Y-%m-%d %H:%M}" if r["sent_at"] else "",
            escape(_where(r)),
        )
    # Piped into grep or a file, a row stays one line however long its key.
    (console if console.is_terminal else Console(width=PIPED_WIDTH)).print(table)


def _where(row: dict[str, Any]) -> str:
    """Where a sent message went; since when one is being sent; else its last error and, for
    one still to go (failed, or held by a robot's rate limit), when it is tried next."""
    if row["status"] == "sent":
        return str(row["reference"] or "")
    if row["status"] == "sending" and row["claimed_at"]:
        return f"being sent since {row['claimed_at']:%Y-%m-%d %H:%M} UTC"
    error = str(row["last_error"] or "")
    if error and row["status"] in ("pending", "failed"):
        return f"{error} (next try {row['next_attempt_at']:%Y-%m-%d %H:%M} UTC)"
    return error


@outbox_app.command("retry")
def outbox_retry(
    config: ConfigOption = None,
    unknown: Annotated[
        bool,
        typer.Option(
            "--unknown", help="Also send again messages a crash cut off mid-send (may repeat)."
        ),
    ] = False,
) -> None:
    """Send every failed or held message now, through the configured channels."""
    from tasks.delivery.publish import retry
    from tasks.settings import load_settings

    done = retry(load_settings(config), None, datetime.now(UTC), unknown=unknown)
    held = f", {len(done.held)} held by a robot's rate limit (sent later)" if done.held else ""
    console.print(f"{len(done.sent)} sent, {len(done.failed)} failed again{held}")
    for key in done.failed:
        console.print(f"  failed: {escape(key)}", highlight=False)
    if done.failed:
        raise typer.Exit(1)
