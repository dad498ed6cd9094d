"""Deployments built from ``storepulse.yaml``, the one place stores, timezones and schedules live.

Stores are grouped by timezone: each group gets a ``daily-ops`` and a ``weekly-review``
deployment whose cron runs in that timezone (with one timezone, the names carry no suffix).
``backfill`` has no schedule; it is started by hand, from the Prefect UI or ``storepulse run``.

The same specs feed ``storepulse serve`` (one machine: the process serves its deployments) and
``deployments/prefect.yaml`` (workers in a process work pool, ``prefect deploy --all``).
"""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # the CLI reads FLOWS at start-up; the configuration's models load later
    from connectors.config import Config, Report


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """A deployed flow: where it lives, and the secrets a run of it needs."""

    #: ``path/to/file.py:function``, as Prefect deployments name it; never changed, so
    #: deployments built by earlier versions keep working.
    entrypoint: str
    #: Whether it syncs (and so needs every chosen store's token).
    syncs: bool
    #: The reports it sends on every run, and those it sends only with ``resend``.
    sends: tuple[Report, ...] = ()
    resends: tuple[Report, ...] = ()

    def reports(self, resend: bool) -> tuple[Report, ...]:
        """The reports a run sends (so the channels whose credentials it needs)."""
        return self.sends + (self.resends if resend else ())

    def load(self) -> Any:
        """Import the flow (Prefect with it: callers import this late)."""
        path, _, function = self.entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, function)


#: The one registry of deployed flows, by flow name: deployments, ``storepulse serve`` and
#: ``storepulse run`` all read it.
FLOWS: dict[str, FlowSpec] = {
    "daily-ops": FlowSpec("flows/daily_ops.py:daily_ops", True, ("daily", "alerts", "campaign")),
    "weekly-review": FlowSpec("flows/weekly_review.py:weekly_review", False, ("weekly",)),
    # a backfill checks quietly and sends digests only with resend
    "backfill": FlowSpec("flows/backfill.py:backfill", True, resends=("daily",)),
    "campaign-watch": FlowSpec("flows/campaign_watch.py:campaign_watch", True, ("alerts",)),
}


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    name: str
    flow: str  # a key of FLOWS
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    cron: str | None = None
    timezone: str | None = None
    tags: tuple[str, ...] = ()
    #: An interval schedule instead of a cron (the intraday watch), in seconds.
    interval_seconds: int | None = None

    @property
    def entrypoint(self) -> str:
        return FLOWS[self.flow].entrypoint


def deployment_specs(config: Config, config_path: Path) -> list[DeploymentSpec]:
    """Every deployment the configuration asks for, in a stable order."""
    by_zone: dict[str, list[str]] = defaultdict(list)
    for store in config.stores:
        by_zone[store.timezone].append(store.name)
    single = len(by_zone) == 1
    base = {"config_path": str(config_path.resolve())}
    specs = []
    for zone, names in sorted(by_zone.items()):
        suffix = "" if single else "-" + slug(zone)
        chosen = {} if single else {"stores": names}
        where = ", ".join(names)
        specs += [
            DeploymentSpec(
                f"daily-ops{suffix}",
                "daily-ops",
                f"Every morning for {where}: sync, metrics, checks, digest ({zone}).",
                base | chosen,
                config.schedules.daily,
                zone,
                ("storepulse", "daily"),
            ),
            DeploymentSpec(
                f"weekly-review{suffix}",
                "weekly-review",
                f"Every week for {where}: the weekly review ({zone}).",
                base | chosen,
                config.schedules.weekly,
                zone,
                ("storepulse", "weekly"),
            ),
        ]
    specs.append(
        DeploymentSpec(
            "campaign-watch",
            "campaign-watch",
            "Every few minutes: watch the stores with a live campaign (orders stopped, below "
            "the expected curve, target pace).",
            dict(base),
            tags=("storepulse", "watch"),
            interval_seconds=config.schedules.watch_every_minutes * 60,
        )
    )
    specs.append(
        DeploymentSpec(
            "backfill",
            "backfill",
            "Re-pull, recompute and re-check a date range, paging nobody.",
            base,
            tags=("storepulse", "backfill"),
        )
    )
    return specs


def _schedules(spec: DeploymentSpec) -> list[dict[str, Any]]:
    if spec.cron:
        return [{"cron": spec.cron, "timezone": spec.timezone, "active": True}]
    if spec.interval_seconds:
        return [{"interval": spec.interval_seconds, "active": True}]
    return []


def slug(zone: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", zone.lower()).strip("-")


def prefect_yaml(config: Config, config_path: Path, prefect_version: str) -> str:
    """``deployments/prefect.yaml`` for ``prefect deploy --all --prefect-file …``.

    Workers run the flows from their own checkout, found through ``STOREPULSE_HOME``, and read
    the configuration file at the same path on every machine.
    """
    document = {
        "name": "storepulse",
        "prefect-version": prefect_version,
        "pull": [
            {
                "prefect.deployments.steps.set_working_directory": {
                    "directory": "{{ $STOREPULSE_HOME }}"
                }
            }
        ],
        "deployments": [
            {
                "name": spec.name,
                "entrypoint": spec.entrypoint,
                "description": spec.description,
                "tags": list(spec.tags),
                "parameters": spec.parameters,
                "schedules": _schedules(spec),
                "work_pool": {"name": config.schedules.work_pool},
            }
            for spec in deployment_specs(config, config_path)
        ],
    }
    header = (
        "# Generated by `storepulse deployments` from the storepulse configuration; edit that\n"
        "# file and regenerate. Deploy with: prefect deploy --all --prefect-file "
        "deployments/prefect.yaml\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
