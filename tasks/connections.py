"""``storepulse check-config``: prove every store and channel in the configuration answers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial

from connectors.config import Config, StoreConfig
from connectors.errors import StorepulseError
from connectors.stores import open_store
from tasks.delivery.transports import transport_for
from tasks.ingest.run import check_shop


@dataclass(frozen=True, slots=True)
class Check:
    what: str
    ok: bool
    detail: str


def check_connections(config: Config) -> list[Check]:
    checks = [_check(f"store {s.name}", partial(_store, s)) for s in config.stores]
    checks += [
        _check(f"channel {c.name} ({c.type})", transport_for(c).check) for c in config.channels
    ]
    return checks


def _store(store: StoreConfig) -> str:
    with closing(open_store(store)) as source:
        shop = source.shop()
    check_shop(store, shop)
    return f"{shop.name} ({shop.timezone}, {shop.currency}, plan {shop.plan})"


def _check(what: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(what, True, probe())
    except StorepulseError as exc:
        return Check(what, False, str(exc))
