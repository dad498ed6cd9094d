"""The guarantees every store platform keeps, each run over every platform (``PLATFORMS``).

1. the same canonical records, matching the shop's own truth per store-local day;
2. replaying a window or re-dropping a file changes nothing;
3. a sync killed after its first committed page or file finishes when run again;
4. a late refund arrives with the next sync and changes only its order;
5. a bad record is quarantined with a one-sentence reason, the rest load, the run goes on;
6. a deleted order leaves the metrics, where the platform has deletions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.marketplaces.records import Status
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.contract.harness import (
    StoreHarness,
    business_rows,
    digest,
    live_ids,
    order_rows,
    paid_by_day,
    sqlite_at,
    warehouse_id,
    what_changed,
)
from tests.contract.platforms import PLATFORMS
from tests.support.helpers import snapshot

#: Financial statuses, in Shopify's words, which every platform's orders are stored in.
FINANCIAL = {
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
}
#: Fulfilment statuses: Shopify's own, and the canonical set marketplaces map their words to.
FULFILMENT = {None, "fulfilled", "partial", "restocked", *Status.__args__}  # type: ignore[attr-defined]
MONEY_TABLES = (tables.orders, tables.order_lines, tables.refunds, tables.refund_lines)
MOMENTS = ("created_at", "updated_at", "processed_at", "cancelled_at", "closed_at")


def each_platform(*, deletions: bool = False) -> Callable[[Any], Any]:
    """Parametrise a test over every platform; with ``deletions``, skip (saying why) those
    that have no deleted orders to follow."""
    params = [
        pytest.param(
            harness,
            id=harness.platform,
            marks=[pytest.mark.skip(reason=f"{harness.platform}: {harness.no_deletions}")]
            if deletions and harness.no_deletions
            else [],
        )
        for harness in PLATFORMS
    ]
    return pytest.mark.parametrize("harness", params, indirect=True)


@each_platform()
def test_every_platform_gives_the_same_canonical_records(
    harness: StoreHarness, sqlite_url: str
) -> None:
    harness.sync(sqlite_url)
    assert paid_by_day(sqlite_url) == harness.truth()
    assert live_ids(sqlite_url, harness.id_column) == harness.order_ids()
    orders = order_rows(sqlite_url)
    assert {o["financial_status"] for o in orders} <= FINANCIAL
    assert {o["fulfillment_status"] for o in orders} <= FULFILMENT
    for order in orders:
        moments = [order[m] for m in MOMENTS if order[m] is not None]
        assert all(m.utcoffset() is not None and not m.utcoffset() for m in moments), order
    with get_engine(sqlite_url).connect() as conn:
        for table in MONEY_TABLES:
            minor = [c for c in table.columns if c.name.endswith("_minor")]
            for row in conn.execute(select(*minor)):
                assert all(type(v) is int for v in row if v is not None), (table.name, row)


def _replaying_changes_nothing(harness: StoreHarness, url: str) -> None:
    harness.sync(url)
    first = digest(url)
    assert first[0]["orders"] == len(harness.order_ids())
    harness.replay(url)
    assert digest(url) == first
    harness.sync(url)
    assert digest(url) == first


@each_platform()
def test_replaying_a_window_or_redropping_a_file_changes_nothing(
    harness: StoreHarness, sqlite_url: str
) -> None:
    _replaying_changes_nothing(harness, sqlite_url)


@each_platform()
def test_replaying_changes_nothing_on_postgresql(harness: StoreHarness, postgres_url: str) -> None:
    _replaying_changes_nothing(harness, postgres_url)


class Interrupted(RuntimeError):
    """The process stopped part-way, as a kill would stop it."""


@each_platform()
def test_a_sync_interrupted_after_its_first_commit_finishes_when_run_again(
    harness: StoreHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed, clean = sqlite_at(tmp_path, "killed"), sqlite_at(tmp_path, "clean")
    module, _, name = harness.loader.rpartition(".")
    loader = getattr(__import__(module, fromlist=[name]), name)
    calls = []

    def load_then_stop(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:  # the first page or file committed; stop inside the second
            raise Interrupted("stopped part-way")
        return loader(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(harness.loader, load_then_stop)
        with pytest.raises(Interrupted):
            harness.sync(killed)
    partial = len(order_rows(killed))
    harness.sync(killed)
    harness.sync(clean)
    assert 0 < partial < len(harness.order_ids())
    assert snapshot(killed) == snapshot(clean)
    assert paid_by_day(killed) == harness.truth()


def _only_its_order_changes(
    harness: StoreHarness, url: str, change: Callable[[], Any]
) -> dict[str, Any]:
    """Sync, change one order on the platform, sync again; only that order's rows may change.

    Returns:
        The changed order's warehouse row.
    """
    harness.sync(url)
    before = business_rows(url)
    changed = change()
    harness.sync(url)
    order_id = warehouse_id(url, harness.id_column, changed)
    assert what_changed(before, business_rows(url)) == ({order_id}, set())
    (order,) = [o for o in order_rows(url) if o["order_id"] == order_id]
    return order


@each_platform()
def test_an_order_refunded_after_the_first_sync_arrives_and_only_it_changes(
    harness: StoreHarness, sqlite_url: str
) -> None:
    order = _only_its_order_changes(harness, sqlite_url, harness.refund_later)
    order_id = order["order_id"]
    assert order["financial_status"] == "refunded"
    with get_engine(sqlite_url).connect() as conn:
        r = tables.refunds.c
        returned = conn.execute(select(r.transactions_minor).where(r.order_id == order_id)).all()
    assert sum(v for (v,) in returned) == order["total_minor"]
    assert paid_by_day(sqlite_url) == harness.truth()  # the order stays on the day it was paid


@each_platform()
def test_a_bad_record_is_quarantined_with_its_reason_and_the_rest_load(
    harness: StoreHarness, sqlite_url: str
) -> None:
    broken = harness.break_one()
    summary = harness.sync(sqlite_url)  # not fatal
    assert summary.total("quarantined") == 1
    with get_engine(sqlite_url).connect() as conn:
        (reason,) = conn.execute(select(tables.quarantine.c.reason)).scalars().all()
    assert all(name in reason for name in broken.names), reason
    assert "\n" not in reason and ". " not in reason.rstrip("."), reason  # one sentence
    assert paid_by_day(sqlite_url) == harness.truth(leaving_out={broken.order})
    assert live_ids(sqlite_url, harness.id_column) == harness.order_ids() - {broken.order}


@each_platform(deletions=True)
def test_an_order_deleted_on_the_platform_leaves_and_only_it_changes(
    harness: StoreHarness, sqlite_url: str
) -> None:
    order = _only_its_order_changes(harness, sqlite_url, harness.delete_later)
    assert order["deleted_at"] is not None and order["deleted_at"].tzinfo == UTC
    assert str(order[harness.id_column]) not in live_ids(sqlite_url, harness.id_column)
    assert paid_by_day(sqlite_url) == harness.truth()
