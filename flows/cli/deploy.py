"""Running on Prefect: ``serve``, ``prefect-setup``, ``deployments``, ``check-config`` and
``test-send``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli import DEPLOY, ConfigOption, app, console


@app.command(rich_help_panel=DEPLOY)
def serve(config: ConfigOption = None) -> None:
    """Serve every deployment with its schedule to the Prefect server at PREFECT_API_URL."""
    from connectors.config import config_path
    from deployments.serve import serve_all
    from tasks.settings import load_settings

    path = config_path(config).resolve()
    serve_all(load_settings(path), path)


@app.command("prefect-setup", rich_help_panel=DEPLOY)
def prefect_setup(config: ConfigOption = None) -> None:
    """Create the per-store concurrency limits and the late-run alert on the Prefect server.

    The server is the one at PREFECT_API_URL; `serve` does this itself.

    With workers in a work pool, run it after deploying.
    """
    import asyncio

    from connectors.config import config_path
    from deployments.automations import DEADLINE_AUTOMATION, prepare_server
    from tasks.settings import load_settings

    loaded = load_settings(config_path(config))
    done = asyncio.run(prepare_server(loaded))
    console.print(f"concurrency limits: one per store ({done.store_limits})", highlight=False)
    if done.alerted:
        deadline = loaded.schedules.daily_deadline
        console.print(
            f"automation {DEADLINE_AUTOMATION!r}: daily runs not done within {deadline} "
            f"are told to {', '.join(done.alerted)}",
            highlight=False,
        )
    else:
        console.print(
            "no channel the Prefect server can reach takes alerts: no late-run automation"
        )
    for name in done.not_alerted:
        console.print(
            f"[yellow]channel {name!r}: the Prefect server cannot send it the late-run alert "
            "(email, or a robot that checks a signature made per request; `storepulse "
            "check-config` says which)[/yellow]",
            highlight=False,
        )


@app.command("deployments", rich_help_panel=DEPLOY)
def write_deployments(
    config: ConfigOption = None,
    output: Annotated[Path, typer.Option(help="Where to write.")] = Path(
        "deployments/prefect.yaml"
    ),
    worker_config: Annotated[
        Path | None,
        typer.Option(help="Where workers read the configuration (default: its path here)."),
    ] = None,
) -> None:
    """Write deployments/prefect.yaml for `prefect deploy --all` (workers in a work pool)."""
    import prefect

    from connectors.config import config_path
    from deployments.build import prefect_yaml
    from tasks.settings import load_settings

    path = config_path(config).resolve()
    text = prefect_yaml(load_settings(path), worker_config or path, prefect.__version__)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}; deploy with: prefect deploy --all --prefect-file {output}")


@app.command("check-config", rich_help_panel=DEPLOY)
def check_config(config: ConfigOption = None) -> None:
    """Validate the configuration, then test every store's and channel's connection."""
    from connectors.config import config_path
    from tasks.connections import check_connections
    from tasks.settings import load_settings

    path = config_path(config)
    checks = check_connections(load_settings(path))
    for check in checks:
        mark = "[green]ok[/green]" if check.ok else "[red]failed[/red]"
        console.print(f"{mark}  {check.what}: {escape(check.detail)}", highlight=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command("test-send", rich_help_panel=DEPLOY)
def send_test_message(
    channel: Annotated[str, typer.Option("--channel", help="The channel's name in the config.")],
    config: ConfigOption = None,
) -> None:
    """Prove a channel works: send it a short test message now."""
    from tasks.delivery.notices import send_test
    from tasks.settings import load_settings

    where = send_test(load_settings(config), channel, datetime.now(UTC))
    console.print(f"Sent to channel {channel!r}: {escape(where)}", highlight=False)
