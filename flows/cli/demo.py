"""Trying storepulse with nothing to set up: ``demo`` and ``demo-store``."""

from __future__ import annotations

import signal
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli import DEMO, app, console, quiet_unless_debug, usage_error

if TYPE_CHECKING:
    from connectors.sandbox import DemoStore


class Plan(StrEnum):
    """The Shopify plans the local store imitates (their API rate limits: ``PLANS``)."""

    standard = "standard"
    advanced = "advanced"
    plus = "plus"


@app.command("demo-store", rich_help_panel=DEMO)
def demo_store(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8081,
    token: Annotated[str, typer.Option(help="The access token clients must send.")] = "shpat_demo",
    seed: int = 1,
    days: Annotated[int, typer.Option(help="Days of history.")] = 730,
    orders_per_day: Annotated[float, typer.Option(help="Average orders per day.")] = 60.0,
    plan: Annotated[Plan, typer.Option(help="The plan, which sets the API rate limit.")] = (
        Plan.standard
    ),
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
    throttle_rate: Annotated[
        float, typer.Option(help="Share of calls answered 429 with Retry-After.")
    ] = 0.0,
    cut_rate: Annotated[
        float, typer.Option(help="Share of successful calls whose body is cut short.")
    ] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of calls delayed 5 s.")] = 0.0,
    update_between_pages: Annotated[
        bool, typer.Option(help="Edit an order while a client pages through orders.")
    ] = False,
    anomaly: Annotated[
        list[str] | None,
        typer.Option(
            help="Inject DATE[:drop|spike|conversion_drop|outage[:SIZE]] or "
            "DATE:checkout_break:HOUR (repeatable)."
        ),
    ] = None,
    shops: Annotated[int, typer.Option(help="Serve this many shops under /shops/s01….")] = 1,
    data_dir: Annotated[Path, typer.Option(help="Where generated shops are cached.")] = Path(
        "out/demo-store"
    ),
) -> None:
    """Serve a local Shopify-compatible store with seeded history (Ctrl-C to stop)."""
    from connectors.sandbox import Anomaly, DemoStore, Faults, StoreSpec

    try:
        anomalies = tuple(Anomaly.parse(a) for a in anomaly or ())
    except ValueError as exc:
        raise usage_error(str(exc), "--anomaly") from None
    spec = StoreSpec(
        seed=seed,
        days=days,
        orders_per_day=orders_per_day,
        end_date=end_date.date() if end_date else None,
        anomalies=anomalies,
    )
    faults = Faults(
        error_rate=error_rate,
        throttle_rate=throttle_rate,
        cut_rate=cut_rate,
        slow_rate=slow_rate,
        update_between_pages=update_between_pages,
    )
    with console.status("Generating the shop's history (cached after the first run)…"):
        store = DemoStore.start(
            spec,
            token=token,
            port=port,
            plan=plan.value,
            time_scale=time_scale,
            faults=faults,
            read_all_orders=read_all_orders,
            shops=shops,
            data_dir=data_dir,
        )
    # Ctrl-C may come as soon as the first address is printed: the store stops either way.
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        _print_served(store, shops, plan.value)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        store.stop()


def _print_served(store: DemoStore, shops: int, plan: str) -> None:
    from connectors.shopify.settings import API_VERSION

    urls = [store.shop_url(name) for name in store.names] if shops > 1 else [store.url]
    console.print(f"Serving {len(urls)} shop(s) on the {plan} plan:")
    for url in urls:
        console.print(f"  {url}/admin/api/{API_VERSION}/orders.json")
    console.print(
        "Clients authenticate with the --token value in X-Shopify-Access-Token. "
        "Press Ctrl-C to stop."
    )


@app.command(rich_help_panel=DEMO)
def demo(
    out: Annotated[Path, typer.Option(help="Where the demo writes its files.")] = Path("out"),
) -> None:
    """Run the whole loop on a local demo store, with no credentials and nothing to install."""
    from flows.cli.demo_run import run_demo

    quiet_unless_debug()  # the demo runs flows too: a failure is one line
    run_demo(out, console)
