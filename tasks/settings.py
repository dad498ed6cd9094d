"""The configuration as the product runs on it: ``storepulse.yaml`` with every reference checked.

``connectors/`` reads and validates the file but knows no metric (the registry lives here, one
floor up), so metric names are checked in this module. Commands and flows load their settings
with ``load_settings``, never ``load_config`` alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.config import Config, Problem, config_path, load_config, refuse, suggest
from tasks.metrics.registry import REGISTRY

#: What a data check names as its metric when it is about no metric of the registry
#: (``tasks/checks/health.py``): a silence may name it.
DATA_CHECK_SUBJECTS = ("quarantine",)


def load_settings(explicit: str | Path | None = None) -> Config:
    """Read the configuration file and check every name it references.

    Raises:
        ConfigError: as ``load_config``, or a metric name does not exist or cannot be used
            where it is named; one line naming the file and the key, with a suggestion.
    """
    config = load_config(explicit)
    validate_references(config, source=config_path(explicit))
    return config


def validate_references(config: Config, source: Path | str = "configuration") -> None:
    """Check the metric names of a loaded configuration (store names were checked at load).

    Raises:
        ConfigError: one line naming ``source`` and each key whose metric is unknown or unfit.
    """
    refuse(source, list(metric_problems(config)))


def metric_problems(config: Config) -> Iterator[Problem]:
    """Every metric name the configuration uses that the registry cannot honour there."""
    checks = config.checks
    for index, watch in enumerate(checks.watch):
        yield from _daily(f"checks.watch[{index}].metric", watch.metric)
    for index, rule in enumerate(checks.rules):
        yield from _daily(f"checks.rules[{index}].metric", rule.metric)
    for index, silence in enumerate(checks.silence):
        if silence.metric is not None:
            key = f"checks.silence[{index}].metric"
            yield from _known(key, silence.metric, also=DATA_CHECK_SUBJECTS)
    for index, target in enumerate(config.targets):
        yield from _targetable(f"targets[{index}].metric", target.metric)


def _known(key: str, name: str, also: tuple[str, ...] = ()) -> Iterator[Problem]:
    if name not in REGISTRY and name not in also:
        yield key, suggest(name, [*REGISTRY, *also], "metric")


def _daily(key: str, name: str) -> Iterator[Problem]:
    """A checked metric needs a value per day."""
    yield from _known(key, name)
    if name in REGISTRY and "day" not in REGISTRY[name].grains:
        yield key, f"{name} has no daily values to check (it is computed per month)"


def _targetable(key: str, name: str) -> Iterator[Problem]:
    """Only a metric that can take a monthly target (``Metric.targetable``) names one."""
    additive = [m.name for m in REGISTRY.values() if m.targetable]
    if name not in REGISTRY:
        yield key, suggest(name, additive, "metric")
    elif name not in additive:
        yield (
            key,
            (
                f"{name} cannot take a monthly target: use an additive metric such as "
                "net_sales, orders or sessions"
            ),
        )
