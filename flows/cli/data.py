"""What the metrics need besides the platforms: ``targets``, ``costs``, ``rates``; and ``db``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli import DATA, ConfigOption, console, group

targets_app = group(
    "targets", "Monthly targets the metrics are paced against.", DATA, no_args_is_help=True
)
costs_app = group("costs", "Unit costs for gross margin.", DATA, no_args_is_help=True)
rates_app = group(
    "rates", "Daily exchange rates for multi-store roll-ups.", DATA, no_args_is_help=True
)
db_app = group("db", "Manage the warehouse schema.", DATA, no_args_is_help=True)


@targets_app.command("load")
def targets_load(
    path: Annotated[Path, typer.Argument(help="CSV with store,metric,month,target.")],
    config: ConfigOption = None,
) -> None:
    """Load monthly targets from a CSV (money in the store's currency)."""
    from tasks.metrics.targets import load_targets_csv
    from tasks.settings import load_settings
    from tasks.warehouse.engine import get_engine

    cfg = load_settings(config)
    with get_engine().begin() as conn:
        count = load_targets_csv(conn, path, cfg)
    console.print(
        f"loaded {count} target(s); `storepulse metrics --full` recomputes pacing for past days"
    )


@costs_app.command("load")
def costs_load(
    path: Annotated[Path, typer.Argument(help="CSV with sku,cost.")],
    store: Annotated[str, typer.Option("--store", "-s", help="The store the costs are for.")],
    config: ConfigOption = None,
) -> None:
    """Load unit costs by SKU (in the store's currency) for gross margin."""
    from tasks.metrics.costs import load_costs_csv
    from tasks.settings import load_settings
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        count = load_costs_csv(conn, path, load_settings(config).store(store))
    console.print(f"loaded {count} unit cost(s); the next metrics run recomputes margins")


@rates_app.command("load")
def rates_load(
    path: Annotated[Path, typer.Argument(help="CSV with day,currency,reporting_currency,rate.")],
) -> None:
    """Load daily exchange rates (units of reporting currency per unit of currency)."""
    from tasks.metrics.rollup import load_rates_csv
    from tasks.warehouse.engine import get_engine

    with get_engine().begin() as conn:
        count = load_rates_csv(conn, path)
    console.print(f"loaded {count} rate(s)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the warehouse ($STOREPULSE_DATABASE_URL)."""
    from tasks.warehouse.engine import current_revision, database_url, get_engine, upgrade

    engine = get_engine(migrate=False)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    change = f"upgraded from {before or 'empty'} to" if before != after else "already at"
    console.print(f"{_safe_url(database_url())}: {change} revision {after}")


@db_app.command("status")
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
