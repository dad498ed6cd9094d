"""``storepulse serve``: this process serves every deployment, with its schedule, to the Prefect
server named by ``PREFECT_API_URL`` (one machine; for several, see docs/deploy.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval

from connectors.config import Config
from deployments.automations import prepare_server
from deployments.build import FLOWS, DeploymentSpec, deployment_specs


def runner_deployments(config: Config, config_path: Path) -> list[Any]:
    """One runner deployment per spec, each of the flow its entrypoint names."""
    return [_deployment(spec) for spec in deployment_specs(config, config_path)]


def _deployment(spec: DeploymentSpec) -> Any:
    schedules = None
    if spec.cron:
        schedules = [Cron(spec.cron, timezone=spec.timezone)]
    elif spec.interval_seconds:
        schedules = [Interval(spec.interval_seconds)]
    return (
        FLOWS[spec.flow]
        .load()
        .to_deployment(
            name=spec.name,
            description=spec.description,
            parameters=spec.parameters,
            schedules=schedules,
            tags=list(spec.tags),
        )
    )


def serve_all(config: Config, config_path: Path) -> None:
    """Prepare the Prefect server, then serve every deployment until interrupted."""
    asyncio.run(prepare_server(config))
    serve(*runner_deployments(config, config_path), print_starting_message=False)
