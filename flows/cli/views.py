"""What the CLI shows: a progress bar fed by ``tasks.progress``, and run summaries."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from reports.content.alerts import why_text
from reports.i18n import Locale
from tasks import progress
from tasks.metrics.values import format_value


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
    for where, note in summary.notes().items():  # GA4's quota left after its last report
        console.print(f"{where}: {note}", markup=False)
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
    from decimal import Decimal

    from connectors.money import currency_exponent, from_minor
    from reports.i18n import Locale
    from tasks.metrics.registry import REGISTRY

    english = Locale("en")
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
        value: float | Decimal | None = c.number
        if c.value_minor is not None:
            value = from_minor(c.value_minor, currency_exponent(currency))
        table.add_row(
            english.metric(c.metric),
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


def print_findings(console: Console, run: Any) -> None:
    """What the checks found per store, and what changed in the alerts."""
    table = Table(box=box.SIMPLE, title="Checks")
    for column in ("store", "day", "kind", "check", "severity", "finding"):
        table.add_column(column)
    for f in run.findings:
        table.add_row(f.store, str(f.day), f.kind, f.check, f.severity, escape(f.message))
    if run.findings:
        console.print(table)
        for f in run.findings:
            why = explain_text(f.explanation)
            if why:
                console.print(f"  [bold]{escape(f.fingerprint)}[/bold]: {escape(why)}")
    else:
        days = ", ".join(f"{s} {d}" for s, d in run.days.items())
        console.print(f"Checks: nothing unusual ({days}).")
    if run.changes is None:
        console.print("Findings recorded; no alerts opened or resolved (not the usual day).")
    else:
        c = run.changes
        console.print(
            f"Alerts: {len(c.opened)} opened, {len(c.updated)} updated, {len(c.resolved)} resolved."
        )


def explain_text(explanation: dict[str, Any]) -> str:
    """One line on why, as the English alert words it: the drivers and the slice that moved."""
    return why_text(explanation, Locale("en"))


def print_alerts(console: Console, alerts: list[dict[str, Any]]) -> None:
    if not alerts:
        console.print("No alerts.")
        return
    table = Table(box=box.SIMPLE)
    for column in ("id", "status", "severity", "fingerprint", "since", "last seen", "message"):
        table.add_column(column)
    for a in alerts:
        status = a["status"] + (" (ack)" if a["acknowledged_at"] else "")
        status += " (silenced)" if a["silenced"] else ""
        table.add_row(
            a["alert_id"][:8],
            status,
            a["severity"],
            escape(a["fingerprint"]),
            str(a["opened_for"]),
            str(a["last_seen_for"]),
            escape(a["message"]),
        )
    console.print(table)


def print_backtest(
    console: Console, result: dict[str, Any], output: str, tuning: bool = False
) -> None:
    """Print a backtest as tables (the seeds named as tuning or held-out) or as JSON."""
    if output == "json":
        print(json.dumps(result, default=str, indent=2))  # plain, for other programs to read
        return
    if "flagged" in result:
        _print_flagged(console, result)
        return
    store = result["store"]
    seeds = "tuning" if tuning else "held-out"
    table = Table(box=box.SIMPLE, title=f"Local-store benchmark, {seeds} seeds {store['seeds']}")
    for column in (
        "detector",
        "shops",
        "events",
        "hits",
        "false",
        "precision",
        "recall",
        "F1",
        "false/store-month (clean)",
    ):
        table.add_column(column, justify="right")
    for name in ("storepulse", "zscore"):
        for group in ("small", "big", "all"):
            t, clean = store[name][group]["injected"], store[name][group]["clean"]
            table.add_row(
                name,
                group,
                str(t["events"]),
                str(t["hits"]),
                str(t["false_alerts"]),
                _p(t["precision"]),
                _p(t["recall"]),
                _p(t["f1"]),
                _f(clean["false_alerts_per_month"]),
            )
    console.print(table)
    ours = store["storepulse"]["all"]["injected"]
    console.print(
        f"Median days from an event's start to its alert (storepulse): {_f(ours['median_delay'])}"
    )
    console.print(
        "Recall by kind (storepulse): "
        + ", ".join(f"{k} {_p(v)}" for k, v in sorted(ours["recall_by_kind"].items()))
    )
    console.print(
        "Caught by the second day (storepulse): "
        + ", ".join(f"{k} {_p(v)}" for k, v in sorted(ours["by_second_day"].items()))
    )
    nab = result["nab"]
    if "missing" in nab:
        console.print(f"NAB: no data at {nab['missing']} (pass --nab DIR)")
        return
    table = Table(box=box.SIMPLE, title="NAB: F1 per series (hits/false alerts)")
    for column in ("series", "grain", "events", "storepulse", "z-score"):
        table.add_column(column)
    for row in nab["series"]:
        table.add_row(
            row["series"],
            row["grain"],
            str(row["events"]),
            _cell(row["storepulse"]),
            _cell(row["zscore"]),
        )
    for grain, totals in nab["total"].items():
        table.add_row(
            "all series",
            grain,
            str(totals["storepulse"]["events"]),
            _cell(totals["storepulse"]),
            _cell(totals["zscore"]),
        )
    console.print(table)


def _print_flagged(console: Console, result: dict[str, Any]) -> None:
    table = Table(box=box.SIMPLE, title=f"{len(result['flagged'])} days flagged")
    for column in ("date", "check", "score", "expected", "lower", "upper"):
        table.add_column(column, justify="right")
    for row in result["flagged"]:
        table.add_row(
            row["date"],
            row["check"],
            *(_f(row[k]) for k in ("score", "expected", "lower", "upper")),
        )
    console.print(table)
    for episode in result["episodes"]:
        console.print(
            f"alert {episode['start']} to {episode['end']} ({episode['days']} days): "
            f"{', '.join(episode['checks'])}, worst score {_f(episode['worst_score'])}"
        )
    calibration = result["calibration"]
    limits = ", ".join(f"{k} {v:g}" for k, v in calibration["thresholds"].items())
    console.print(
        f"Thresholds calibrated to {calibration['false_alerts_per_month']:.3g} false alerts a "
        f"month on {calibration['calm_points']} calm days: {limits}"
    )
    for name, s in (result["scores"] or {}).items():
        console.print(
            f"{name}: precision {_p(s['precision'])}, recall {_p(s['recall'])}, F1 {_p(s['f1'])} "
            f"({s['hits']} of {s['events']} events, {s['false_alerts']} false alerts)"
        )


def _cell(t: dict[str, Any]) -> str:
    return f"{_p(t['f1'])} ({t['hits']}/{t['false_alerts']})"


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"
