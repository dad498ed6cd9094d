"""One harness per store platform: the local store over HTTP (its Shopify and its WooCommerce
face), and the marketplaces' export files as the local store writes them.

To add a platform: write a class that fits ``StoreHarness`` and append it to ``PLATFORMS``.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from connectors.config import parse_config
from connectors.sandbox import DEMO_WOO_KEYS, DemoStore, StoreSpec
from connectors.sandbox.amounts import Json, Money
from connectors.sandbox.marketplace import (
    FEN,
    PAID_COLUMN,
    MarketOrder,
    MarketShop,
    MarketSpec,
    Platform,
)
from connectors.sandbox.woo import WooFace
from tasks.ingest.run import SyncSummary
from tests.conftest import TOKEN, store_config, woo_config
from tests.contract.harness import Broken, StoreHarness, Truth
from tests.support.helpers import a_moment_later, run_sync

#: Ten small days around the spring DST change; small enough for pages of 40 to be several.
SHOPIFY_SPEC = StoreSpec(seed=21, days=10, orders_per_day=12, end_date=date(2026, 3, 12))
#: The same history through the local store's WooCommerce face: generated once for both.
WOO_SPEC = SHOPIFY_SPEC
#: The statuses WooCommerce's own Analytics counts as sales, stated here rather than taken
#: from the connector, so that the truth does not lean on the code it checks.
WOO_COUNTED = ("processing", "completed", "on-hold", "refunded")
#: Four small days of each marketplace, the first two before 618's run-up ends.
MARKET_DAYS, MARKET_ORDERS_PER_DAY, MARKET_END = 4, 10, date(2026, 6, 19)
#: When the team imports: a file that records no moment of its own (生意参谋's shop days) is
#: dated by it, so every run of a test imports at the same moment.
IMPORTED_AT = datetime(2026, 6, 20, 1, 0, tzinfo=UTC)


def leave_out(truth: Truth, orders: Collection[tuple[date, int]]) -> Truth:
    """The truth without some orders, each given by its day and what its buyer paid."""
    days = dict(truth)
    for day, paid in orders:
        count, total = days[day]
        days[day] = (count - 1, total - paid)
        if days[day] == (0, 0):
            del days[day]
    return days


class ShopifyHarness:
    """The local Shopify-compatible store, synced over HTTP by the production client."""

    platform = "shopify"
    id_column = "order_id"
    loader = "tasks.ingest.run.load_orders"
    no_deletions = None

    def __init__(self, workdir: Path, sandbox_cache: Path) -> None:
        self.store = DemoStore.start(
            SHOPIFY_SPEC, token=TOKEN, plan="plus", data_dir=sandbox_cache, workdir=workdir / "shop"
        )
        # No safety lag, so that a change made a second ago is due at once.
        self.config = store_config(self.store.url, sync={"safety_lag_seconds": 0, "page_size": 40})
        self.money = Money(SHOPIFY_SPEC.currency)

    def sync(self, url: str) -> SyncSummary:
        return run_sync(self.config, url, now=a_moment_later())

    def replay(self, url: str) -> SyncSummary:
        return run_sync(self.config, url, full=True, now=a_moment_later())

    def truth(self, leaving_out: Collection[str] = ()) -> Truth:
        shop = self.store.shop()
        gone = [self._order(int(key)) for key in leaving_out]
        return leave_out(
            shop.truth(),
            [
                (
                    datetime.fromisoformat(o["processed_at"]).astimezone(shop.zone).date(),
                    self.money.minor(o["total_price"]),
                )
                for o in gone
            ],
        )

    def order_ids(self) -> set[str]:
        return {str(o["id"]) for o in self._orders() if not o["test"]}

    def refund_later(self) -> str:
        order = self._pick()
        self.store.refund_order(order["id"])
        return str(order["id"])

    def break_one(self) -> Broken:
        order = self._pick()
        order["line_items"][0]["price"] = "12,50"  # a price as a person types it
        self.store.shop().data.connect().execute(
            "UPDATE orders SET json = ? WHERE id = ?", (orjson.dumps(order).decode(), order["id"])
        )
        return Broken(str(order["id"]), ("line_items[0].price", f"order {order['id']}"))

    def delete_later(self) -> str:
        order = self._pick()
        self.store.delete_order(order["id"])
        return str(order["id"])

    def close(self) -> None:
        self.store.stop()

    def _orders(self) -> list[dict[str, Any]]:
        return [orjson.loads(text) for text in self.store.shop().data.json_rows("orders")]

    def _order(self, order_id: int) -> dict[str, Any]:
        found = self.store.shop().data.order(order_id)
        assert found is not None, order_id
        return found

    def _pick(self) -> dict[str, Any]:
        """A paid live order from the middle of the history."""
        paid = [o for o in self._orders() if o["financial_status"] == "paid" and not o["test"]]
        return paid[len(paid) // 2]


class WooCommerceHarness:
    """The local store's WooCommerce face, synced over HTTP by the production client.

    Its truth is the site's own view of its orders: the sales statuses WooCommerce's Analytics
    counts, each dated by ``date_paid_gmt`` (else ``date_created_gmt``) in the site's timezone.
    """

    platform = "woocommerce"
    id_column = "order_id"
    loader = "tasks.ingest.run.load_orders"
    no_deletions = None  # trash, and statuses that are not sales, read as deletions

    def __init__(self, workdir: Path, sandbox_cache: Path) -> None:
        self.store = DemoStore.start(WOO_SPEC, data_dir=sandbox_cache, workdir=workdir / "site")
        self.config = woo_config(self.store.url, sync={"safety_lag_seconds": 0, "page_size": 40})
        self.site = WooFace(self.store.shop(), DEMO_WOO_KEYS)
        self.money = Money(WOO_SPEC.currency)
        # One order on hold, awaiting a bank transfer: a sale without date_paid_gmt.
        self.store.await_payment(self._pick())

    def sync(self, url: str) -> SyncSummary:
        return run_sync(self.config, url, now=a_moment_later())

    def replay(self, url: str) -> SyncSummary:
        return run_sync(self.config, url, full=True, now=a_moment_later())

    def truth(self, leaving_out: Collection[str] = ()) -> Truth:
        days: Truth = {}
        for order in self._sales():
            if str(order["id"]) in leaving_out:
                continue
            paid = datetime.fromisoformat(order["date_paid_gmt"] or order["date_created_gmt"])
            day = paid.replace(tzinfo=UTC).astimezone(self.store.shop().zone).date()
            count, total = days.get(day, (0, 0))
            days[day] = (count + 1, total + self.money.minor(order["total"]))
        return days

    def order_ids(self) -> set[str]:
        return {str(order["id"]) for order in self._sales()}

    def refund_later(self) -> str:
        order_id = self._pick()
        self.store.refund_order(order_id)
        return str(order_id)

    def break_one(self) -> Broken:
        order = self.store.shop().data.order(self._pick())
        assert order is not None
        order["total_price"] = "12,50"  # the face serves it as the order's total
        self.store.shop().data.connect().execute(
            "UPDATE orders SET json = ? WHERE id = ?", (orjson.dumps(order).decode(), order["id"])
        )
        return Broken(str(order["id"]), ("$.total", f"order {order['id']}"))

    def delete_later(self) -> str:
        order_id = self._pick()
        self.store.trash_order(order_id)
        return str(order_id)

    def close(self) -> None:
        self.store.stop()

    def _sales(self) -> list[Json]:
        return self.site.orders(WOO_COUNTED)

    def _pick(self) -> int:
        """A paid order, not refunded, from the middle of the history."""
        paid = [o["id"] for o in self.site.orders(("processing", "completed")) if not o["refunds"]]
        return int(paid[len(paid) // 2])


class ExportHarness:
    """A marketplace shop's export files in its import folder, imported as a team drops them."""

    platform: Platform
    id_column = "name"
    loader = "tasks.ingest.imports.load_export_orders"
    no_deletions: str | None = (
        "its exports have no mark for a deleted order, and an order missing from a later "
        "export only fell outside that export's range"
    )

    def __init__(self, workdir: Path, sandbox_cache: Path) -> None:
        spec = MarketSpec(self.platform, 7, MARKET_DAYS, MARKET_ORDERS_PER_DAY, MARKET_END)
        self.shop = MarketShop(spec)
        self.folder = workdir / "drop"
        self.shop.write(self.folder)
        entry = {"name": "shop", "platform": self.platform, "import_dir": str(self.folder)}
        self.config = parse_config({"stores": [entry]}).stores[0]
        self.drops = 0

    def sync(self, url: str) -> SyncSummary:
        return run_sync(self.config, url, now=IMPORTED_AT)

    def replay(self, url: str) -> SyncSummary:
        self.drops += 1
        for path in sorted(self.folder.iterdir()):  # the same bytes under a browser's new name
            shutil.copy(path, path.with_stem(f"{path.stem}({self.drops})"))
        return self.sync(url)

    def truth(self, leaving_out: Collection[str] = ()) -> Truth:
        gone = [self.shop.order(key) for key in leaving_out]
        return leave_out(self.shop.truth(), [(_paid_on(o), int(o.paid / FEN)) for o in gone])

    def order_ids(self) -> set[str]:
        return {o.order_id for o in self.shop.orders if o.paid_at and not o.deleted}

    def refund_later(self) -> str:
        order = self.shop.refund(self._pick().order_id)
        self._export_again(order.created_at.date())
        return order.order_id

    def break_one(self) -> Broken:
        order = self._pick()
        name, data = self.shop.export_day(order.created_at.date(), garble=order.order_id)
        (self.folder / name).write_bytes(data)
        return Broken(order.order_id, (name, " row ", PAID_COLUMN[self.platform]))

    def delete_later(self) -> str:
        order = self.shop.delete(self._pick().order_id)
        self._export_again(order.created_at.date())
        return order.order_id

    def close(self) -> None:
        """Nothing runs: the files stay in the test's folder."""

    def _pick(self) -> MarketOrder:
        """A paid order, not refunded, from the middle of the history."""
        paid = [o for o in self.shop.orders if o.paid_at and not o.refunded and not o.deleted]
        return paid[len(paid) // 2]

    def _export_again(self, day: date) -> None:
        """A later export of the day, as it stands now, dropped beside the first."""
        self.drops += 1
        name, data = self.shop.export_day(day)
        path = self.folder / name
        path.with_stem(f"{path.stem}({self.drops})").write_bytes(data)


def _paid_on(order: MarketOrder) -> date:
    assert order.paid_at is not None
    return order.paid_at.date()


class TaobaoHarness(ExportHarness):
    platform = "taobao"


class DouyinHarness(ExportHarness):
    platform = "douyin"


class JdHarness(ExportHarness):
    platform = "jd"
    no_deletions = None  # a deleted order is exported again with (删除) before its status


class PddHarness(ExportHarness):
    platform = "pdd"


#: Every store platform the contract runs over.
PLATFORMS: list[type[StoreHarness]] = [
    ShopifyHarness,
    WooCommerceHarness,
    TaobaoHarness,
    DouyinHarness,
    JdHarness,
    PddHarness,
]
