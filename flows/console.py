"""What the CLI shows: a progress bar fed by ``tasks.progress``, and run summaries."""

from __future__ import annotations

import csv
import io
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


def print_metrics(console: Console, rows: list[dict[str, Any]], output: str) -> None:
    """Print metric rows as a table, JSON (a list of objects) or CSV."""
    if output == "json":
        console.print_json(data=[_jsonable(r) for r in rows], indent=None, highlight=False)
        return
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [
                "metric",
                "period_start",
                "dimension",
                "dimension_value",
                "value",
                "unit",
                "currency",
                "complete",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r["metric"],
                    r["period_start"],
                    r["dimension"] or "",
                    r["dimension_value"] or "",
                    "" if r["value"] is None else r["value"],
                    r["unit"],
                    r["currency"] or "",
                    r["complete"],
                ]
            )
        console.out(buffer.getvalue(), end="", highlight=False)
        return
    table = Table(box=box.SIMPLE_HEAD, collapse_padding=True)
    for column in ("metric", "period", "breakdown", "value"):
        table.add_column(column, justify="right" if column == "value" else "left", no_wrap=True)
    for r in rows:
        breakdown = f"{r['dimension']}={r['dimension_value']}" if r["dimension"] else ""
        table.add_row(
            r["metric"],
            str(r["period_start"]) + ("" if r["complete"] else " *"),
            breakdown,
            format_value(r["value"], r["unit"], r["currency"]),
        )
    console.print(table)
    if any(not r["complete"] for r in rows):
        console.print("* the period had not ended when it was computed")


def format_value(value: Any, unit: str, currency: str | None = None) -> str:
    """A value as people read it: n/a, money with its currency, percentages, counts."""
    if value is None:
        return "n/a"
    if unit == "money":
        return f"{value:,.2f} {currency or ''}".strip()
    if unit == "ratio":
        return f"{value:.1%}" if abs(value) < 10 else f"{value:,.2f}"
    if unit in ("days", "hours"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        "metric": row["metric"],
        "period_start": row["period_start"].isoformat(),
        "value": None if row["value"] is None else float(row["value"]),
        "unit": row["unit"],
        "complete": row["complete"],
    }
    if row["currency"]:
        out["currency"] = row["currency"]
    if row["dimension"]:
        out["dimension"], out["dimension_value"] = row["dimension"], row["dimension_value"]
    return out


def print_headline(console: Console, comparisons: list[Any], day: Any, currency: str) -> None:
    """Yesterday's headline KPIs against the day before, last week and last year."""
    from connectors.money import currency_exponent
    from tasks.metrics.registry import REGISTRY

    scale = 10 ** currency_exponent(currency)
    table = Table(
        title=f"Headline KPIs for {day:%A %Y-%m-%d}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
    )
    for column in ("KPI", "value", "vs prior day", "vs week ago", "vs year ago"):
        table.add_column(column, justify="left" if column == "KPI" else "right", no_wrap=True)
    for c in comparisons:
        m = REGISTRY[c.metric]
        value = c.value / scale if m.unit == "money" and c.value is not None else c.value
        table.add_row(
            m.label_en,
            format_value(value, m.unit, currency),
            *(_change(d, m.unit) for d in (c.previous, c.last_week, c.last_year)),
        )
    console.print(table)


def _change(delta: Any, unit: str) -> str:
    """A change as people read it: percentage points for rates, percent for the rest."""
    if delta is None or delta.change is None:
        return "n/a"
    if unit == "ratio":
        return f"{delta.change * 100:+.1f} pp"
    return "n/a" if delta.ratio is None else f"{delta.ratio:+.1%}"
