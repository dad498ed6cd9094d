"""What the CLI shows: a progress bar fed by ``tasks.progress``, and run summaries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tasks import progress


@contextmanager
def progress_bar(console: Console) -> Iterator[None]:
    """Show one bar per step while the block runs, adding up the step's parts."""
    bars = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    rows: dict[str, TaskID] = {}
    parts: dict[str, dict[str, tuple[int, int | None, bool]]] = {}

    def show(event: progress.Progress) -> None:
        step_parts = parts.setdefault(event.step, {})
        _, known_total, _ = step_parts.get(event.part, (0, None, False))
        total = event.total if event.total is not None else known_total
        step_parts[event.part] = (event.done, total, event.finished)
        done = sum(d for d, _, _ in step_parts.values())
        # The step's size is known once every part has either a total or has finished.
        sizes = [d if f else t for d, t, f in step_parts.values()]
        size = None if None in sizes else sum(s for s in sizes if s is not None)
        if event.step not in rows:
            rows[event.step] = bars.add_task(event.step, total=size)
        bars.update(rows[event.step], total=size, completed=done)

    with bars, progress.listening(show):
        yield


def print_sync_summary(console: Console, summary: Any) -> None:
    """Print the sync's per-resource table and a word on quarantined records."""
    table = Table(
        title="Sync summary", title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True
    )
    for column in (
        "store",
        "resource",
        "fetched",
        "loaded",
        "quarantined",
        "requests",
        "waits",
        "seconds",
    ):
        table.add_column(
            column, justify="left" if column in ("store", "resource") else "right", no_wrap=True
        )
    for row in summary.by_store_resource():
        table.add_row(
            row["store"],
            row["resource"],
            f"{row['fetched']:,}",
            f"{row['upserted']:,}",
            f"{row['quarantined']:,}",
            f"{row['requests']:,}",
            f"{row['throttle_waits']:,}",
            f"{row['seconds']}",
        )
    console.print(table)
    if summary.total("quarantined"):
        console.print(
            f"[yellow]{summary.total('quarantined'):,} record(s) quarantined[/yellow]: "
            "see the quarantine table for each reason."
        )
