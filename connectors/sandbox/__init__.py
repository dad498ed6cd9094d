"""A local Shopify- and WooCommerce-compatible store: seeded history, the REST APIs, test controls.

    with DemoStore.start(StoreSpec(days=90), token="shpat_test") as store:
        store.url                       # http://127.0.0.1:<port>: /admin/api/… and /wp-json/…
        store.refund_order(order_id)    # a late refund, bumping the order's updated_at
        store.trash_order(order_id)     # WooCommerce's delete: listed under status=trash
        store.await_payment(order_id)   # unpaid: Shopify's pending, WooCommerce's on-hold

The same spec always gives the same shop. Generated shops are cached under ``data_dir`` by their
spec's fingerprint, and each run serves a private copy that tests may change.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sandbox.db import ShopData
from connectors.sandbox.generator import Generator
from connectors.sandbox.server import DEMO_WOO_KEYS, SandboxServer
from connectors.sandbox.shop import SandboxShop
from connectors.sandbox.spec import PLANS, Anomaly, Faults, Sale, StoreSpec

__all__ = [
    "DEMO_WOO_KEYS",
    "PLANS",
    "Anomaly",
    "DemoStore",
    "Faults",
    "Sale",
    "StoreSpec",
    "prepare_shop_file",
]

DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "storepulse-sandbox"


def resolve_end(spec: StoreSpec) -> tuple[date, datetime]:
    """The last store-local day of history, and the moment history stops (now, if today)."""
    zone = ZoneInfo(spec.timezone)
    now = datetime.now(zone)
    end = spec.end_date or now.date()
    cutoff = min(now, datetime.combine(end, time(23, 59, 59), zone))
    return end, cutoff


def prepare_shop_file(spec: StoreSpec, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """Generate the shop for ``spec`` unless a cached copy exists; return its file.

    Generation happens once per spec even when several processes ask at the same time. A shop
    whose history ends today is cached for the hour, and replaces its older copies.
    """
    end, cutoff = resolve_end(spec)
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{end:%Y%m%d}" + (cutoff.strftime("%H") if spec.end_date is None else "")
    family = f"shop-{spec.fingerprint()}"
    target = data_dir / f"{family}-{stamp}.sqlite"
    with _exclusive(data_dir / ".generate.lock"):
        if not target.exists():
            partial = target.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            data = ShopData(partial)
            Generator(replace(spec, end_date=end), end, cutoff).run(data)
            data.connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            data.close()
            partial.rename(target)
            if spec.end_date is None:  # a rolling shop: yesterday's copy is of no more use
                for older in data_dir.glob(f"{family}-*.sqlite"):
                    if older != target:
                        older.unlink()
    return target


class DemoStore:
    """One or more sandbox shops served over HTTP, with methods to change them as they run."""

    def __init__(self, server: SandboxServer, workdir: Path, owns_workdir: bool) -> None:
        self.server = server
        self._workdir = workdir
        self._owns_workdir = owns_workdir

    @classmethod
    def start(
        cls,
        spec: StoreSpec | None = None,
        *,
        token: str = "shpat_demo",
        port: int = 0,
        plan: str = "standard",
        time_scale: float = 1.0,
        faults: Faults | None = None,
        read_all_orders: bool = True,
        shops: int = 1,
        data_dir: Path | None = None,
        workdir: Path | None = None,
        record_paths: bool = False,
        woo_keys: tuple[str, str] = DEMO_WOO_KEYS,
    ) -> DemoStore:
        """Generate (or reuse) the shops' data and serve them on ``127.0.0.1:port``.

        With ``shops > 1`` the shops are named ``s01``, ``s02``… (seeds ``seed``, ``seed+1``…)
        and served under ``/shops/<name>``; the first one is also served at the root.
        """
        spec = spec or StoreSpec()
        owns = workdir is None
        work = workdir or Path(tempfile.mkdtemp(prefix="storepulse-store-"))
        work.mkdir(parents=True, exist_ok=True)
        served: dict[str, SandboxShop] = {}
        for index in range(shops):
            shop_spec = replace(spec, seed=spec.seed + index)
            name = "default" if shops == 1 else f"s{index + 1:02d}"
            cached = prepare_shop_file(shop_spec, data_dir or DEFAULT_DATA_DIR)
            working = work / f"{name}.sqlite"
            shutil.copyfile(cached, working)
            served[name] = SandboxShop(ShopData(working), read_all_orders=read_all_orders)
        server = SandboxServer(
            served,
            token=token,
            port=port,
            plan=plan,
            time_scale=time_scale,
            faults=faults,
            record_paths=record_paths,
            woo_keys=woo_keys,
        )
        return cls(server.start(), work, owns)

    @property
    def url(self) -> str:
        return self.server.url

    def shop_url(self, name: str) -> str:
        return self.server.shop_url(name)

    @property
    def names(self) -> list[str]:
        return list(self.server.shops)

    def shop(self, name: str | None = None) -> SandboxShop:
        return self.server.shops[name or self.server.default].shop

    def stats(self, name: str | None = None) -> Any:
        return self.server.shops[name or self.server.default].stats

    def set_faults(self, **changes: Any) -> None:
        self.server.set_faults(**changes)

    # Changes a merchant (or the platform) makes while storepulse is syncing.

    def create_order(self, **kwargs: Any) -> dict[str, Any]:
        return self.shop().create_order(**kwargs)

    def refund_order(self, order_id: int, **kwargs: Any) -> dict[str, Any]:
        return self.shop().refund_order(order_id, **kwargs)

    def edit_order(self, order_id: int, **kwargs: Any) -> dict[str, Any]:
        return self.shop().edit_order(order_id, **kwargs)

    def await_payment(self, order_id: int, **kwargs: Any) -> dict[str, Any]:
        return self.shop().await_payment(order_id, **kwargs)

    def delete_order(self, order_id: int, **kwargs: Any) -> None:
        self.shop().delete_order(order_id, **kwargs)

    def trash_order(self, order_id: int, **kwargs: Any) -> None:
        self.shop().trash_order(order_id, **kwargs)

    def traffic_csv(self, name: str | None = None) -> str:
        return self.shop(name).traffic_csv()

    def stop(self) -> None:
        self.server.stop()
        if self._owns_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> DemoStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
