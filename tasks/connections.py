"""``storepulse check-config``: prove every store and channel in the configuration answers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial

from connectors.config import Config, StoreConfig
from connectors.errors import ConfigError, StorepulseError
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
    if store.is_marketplace:
        return _import_dir(store)
    with closing(open_store(store)) as source:
        shop = source.shop()
    check_shop(store, shop)
    return f"{shop.name} ({shop.timezone}, {shop.currency}, plan {shop.plan})"


def _import_dir(store: StoreConfig) -> str:
    """A marketplace store answers when its exports folder can be listed."""
    folder = store.import_dir
    if folder is None or not folder.is_dir():
        raise ConfigError(f"import_dir {folder} is not a folder")
    files = sum(1 for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    where = f"{store.timezone}, {store.currency}"
    return f"{store.platform} exports in {folder} ({files} file(s); {where})"


def _check(what: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(what, True, probe())
    except StorepulseError as exc:
        return Check(what, False, str(exc))
