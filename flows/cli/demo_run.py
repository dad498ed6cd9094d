"""What ``storepulse demo`` runs: the whole loop on a local demo store, with no credentials.

It starts the local Shopify-compatible store (two years of a believable shop's history), writes
a ``storepulse.yaml`` for it, and syncs everything into a fresh SQLite warehouse under ``out/``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from connectors.sandbox import Anomaly, DemoStore, StoreSpec
from connectors.sandbox.catalog import Calendar
from flows.cli.views import print_findings, print_headline, print_sync_summary, progress_bar
from tasks.metrics.compare import compare
from tasks.metrics.registry import HEADLINE, REGISTRY
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, dispose_engines, get_engine

DEMO_SPEC = StoreSpec(seed=7, days=730, orders_per_day=60)
#: Yesterday checkout broke for most of the day: as many visitors, far fewer orders (large
#: enough to stand out on a campaign day too, when conversion usually rises).
DEMO_INCIDENT = ("conversion_drop", 0.8)
#: Net sales the demo team aims for each month (in USD).
DEMO_MONTHLY_TARGET = 300_000
DEMO_TOKEN = "shpat_demo_local"  # the sandbox's token, not a secret of anyone's
TOKEN_ENV = "SHOPIFY_TOKEN_DEMO"
#: Plus's 20 calls/s lets two years sync in well under a minute.
DEMO_PLAN = "plus"
COUNTED = (
    tables.orders,
    tables.order_lines,
    tables.refunds,
    tables.customers,
    tables.products,
    tables.variants,
    tables.inventory_levels,
    tables.traffic_daily,
    tables.quarantine,
)


def run_demo(out: Path, console: Console) -> None:
    """Run the demo and say what it did and where to look."""
    from flows.steps.compute_metrics import (
        compute_metrics,  # imported late: Prefect is slow to import
    )
    from flows.steps.publish import publish_digest, publish_weekly_review
    from flows.steps.run_checks import check_stores
    from flows.steps.sync_store import sync_store

    demo_dir = (out / "demo").resolve()
    demo_dir.mkdir(parents=True, exist_ok=True)
    warehouse = demo_dir / "warehouse.db"
    for stale in demo_dir.glob("warehouse.db*"):
        stale.unlink()
    os.environ[DATABASE_URL_ENV] = f"sqlite:///{warehouse}"
    os.environ[TOKEN_ENV] = DEMO_TOKEN
    dispose_engines()
    with console.status(
        "Preparing the demo store's two years of history (cached after the first run)…"
    ):
        store = DemoStore.start(
            demo_spec(), token=DEMO_TOKEN, plan=DEMO_PLAN, data_dir=out / "demo-store"
        )
    try:
        config = write_demo_config(demo_dir, store)
        console.print(f"Local Shopify store at {store.url} ({DEMO_PLAN} plan). Syncing…")
        with progress_bar(console):
            summary = sync_store(config_path=str(config))
        print_sync_summary(console, summary)
        print_warehouse(console)
        with console.status("Computing the metric catalogue over two years…"):
            computed = compute_metrics(config_path=str(config))
        console.print(
            f"Computed {sum(r.values for r in computed.stores):,} metric values "
            "(docs/metrics.md defines each)."
        )
        print_yesterday(console)
        with console.status("Checking yesterday: anomalies, rules, data health…"):
            checked = check_stores(config_path=str(config))
        print_findings(console, checked)
        with console.status("Writing yesterday's digest and last week's review…"):
            published = publish_digest(config_path=str(config))
            reviewed = publish_weekly_review(config_path=str(config))
    finally:
        store.stop()
    console.print(
        "\n[bold]Where to look[/bold] (README.md explains each)\n"
        f"  configuration  {_short(config)}\n"
        f"  warehouse      {_short(warehouse)} (SQLite)\n"
        + _written("digest", published.references)
        + _written("weekly", reviewed.references)
        + _written("alerts", checked.notices.references if checked.notices else {})
        + f"  report pages   run `STOREPULSE_DATABASE_URL=sqlite:///{_short(warehouse)} "
        + f"{_command()} reports serve`, open http://127.0.0.1:8765\n"
        + "  flow runs      run `prefect server start`, open http://127.0.0.1:4200",
        highlight=False,
        soft_wrap=True,
    )


def demo_spec() -> StoreSpec:
    """The demo shop, with yesterday's incident for the checks to catch and explain."""
    yesterday = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date() - timedelta(days=1)
    kind, size = DEMO_INCIDENT
    return replace(DEMO_SPEC, anomalies=(Anomaly(yesterday, kind, size),))  # type: ignore[arg-type]


def _written(what: str, references: dict[str, str | None]) -> str:
    """One line per file the outbox wrote, labelled by its language."""
    lines = []
    for key, ref in sorted(references.items()):
        language = next(part for part in key.split("/") if part in ("en", "zh-CN"))
        if ref:
            lines.append(f"  {what + ' ' + language:<14} {_short(Path(ref))}\n")
    return "".join(lines)


def _command() -> str:
    """How to run storepulse again from here: the script this process was started from, when
    it is one (``make demo`` runs ``.venv/bin/storepulse``), else ``storepulse``."""
    script = Path(sys.argv[0])
    return _short(script.absolute()) if script.name == "storepulse" else "storepulse"


def _short(path: Path) -> str:
    """The path relative to the working directory when it lies inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_yesterday(console: Console) -> None:
    """Yesterday's headline KPIs with their comparisons, as the morning digest will show them."""
    zone = ZoneInfo(DEMO_SPEC.timezone)
    today = datetime.now(zone).date()
    with get_engine().connect() as conn:
        comparisons = compare(
            conn,
            "demo",
            "day",
            today - timedelta(days=1),
            today,
            metrics=tuple(REGISTRY[name] for name in HEADLINE),
        )
    print_headline(console, comparisons, today - timedelta(days=1), DEMO_SPEC.currency)


def write_demo_config(demo_dir: Path, store: DemoStore) -> Path:
    traffic = demo_dir / "traffic.csv"
    traffic.write_text(store.traffic_csv(), encoding="utf-8")
    config = demo_dir / "storepulse.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "stores": [
                    {
                        "name": "demo",
                        "platform": "shopify",
                        "url": store.url,
                        "timezone": DEMO_SPEC.timezone,
                        "currency": DEMO_SPEC.currency,
                        "token_env": TOKEN_ENV,
                        "traffic_csv": traffic.name,
                    }
                ],
                "campaigns": demo_campaigns(),
                "targets": demo_targets(),
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return config


def demo_targets() -> list[dict[str, object]]:
    """A net sales target for this month and the last, a little above the shop's usual pace."""
    today = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    return [
        {
            "store": "demo",
            "metric": "net_sales",
            "month": f"{d:%Y-%m}",
            "value": DEMO_MONTHLY_TARGET,
        }
        for d in (last_month, today)
    ]


def demo_campaigns() -> list[dict[str, str]]:
    """The demo shop's promotions, listed as a team lists its campaigns."""
    today = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()
    years = range(today.year - DEMO_SPEC.days // 365 - 1, today.year + 1)
    return [
        {"name": code, "start": start.isoformat(), "end": end.isoformat()}
        for code, start, end in Calendar.for_years(years).campaigns()
    ]


def print_warehouse(console: Console) -> None:
    engine = get_engine()
    table = Table(title="Warehouse", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("table")
    table.add_column("rows", justify="right")
    with engine.connect() as conn:
        for counted in COUNTED:
            rows = conn.execute(select(func.count()).select_from(counted)).scalar_one()
            table.add_row(counted.name, f"{rows:,}")
        first, last = conn.execute(
            select(func.min(tables.orders.c.local_date), func.max(tables.orders.c.local_date))
        ).one()
    console.print(table)
    console.print(f"Orders from {first} to {last} (store-local days, America/New_York).")
