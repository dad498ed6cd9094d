"""``storepulse outbox``: the messages stored for delivery, and sending the unsent again."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli import ALERTS, ConfigOption, console, group

outbox_app = group("outbox", "Messages stored for delivery.", ALERTS, invoke_without_command=True)


class OutboxStatus(StrEnum):
    """A message's state in the outbox (``tasks/delivery/outbox.py``)."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


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
