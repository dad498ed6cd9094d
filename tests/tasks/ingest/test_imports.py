"""Importing marketplace exports: what buyers paid per day, re-dropped files, overlapping
exports, first-seen refund days, quarantine, and a killed import finishing when run again."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.config import StoreConfig, parse_config
from connectors.sandbox.marketplace import MarketShop, MarketSpec, Platform
from tasks.ingest.imports import import_files, import_folder
from tasks.ingest.run import sync_store_windows
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.support.exports import write_douyin_exports
from tests.support.helpers import snapshot, wait_for_rows

FIXTURES = Path(__file__).parents[2] / "fixtures" / "marketplaces"
NOW = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)
o = tables.orders


def store(platform: str, folder: Path, name: str = "shop") -> StoreConfig:
    entry = {"name": name, "platform": platform, "import_dir": str(folder)}
    return parse_config({"stores": [entry]}).stores[0]


def dropped(tmp_path: Path, *names: str) -> Path:
    """A store's import folder holding copies of the given fixtures."""
    folder = tmp_path / "drop"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def paid_by_day(url: str, name: str = "shop") -> dict[date, tuple[int, int]]:
    """Per store-local day: paid orders and what their buyers paid, in fen."""
    paid = o.c.line_items_minor - o.c.discounts_minor + o.c.shipping_minor + o.c.tax_minor
    query = (
        select(o.c.local_date, func.count(), func.sum(paid))
        .where(o.c.store == name, o.c.deleted_at.is_(None))
        .group_by(o.c.local_date)
    )
    with get_engine(url).connect() as conn:
        return {day: (count, int(total)) for day, count, total in conn.execute(query)}


def refund_days(url: str) -> dict[str, date]:
    r = tables.refunds
    query = select(o.c.name, r.c.local_date).join(
        o, (o.c.store == r.c.store) & (o.c.order_id == r.c.order_id)
    )
    with get_engine(url).connect() as conn:
        return dict(conn.execute(query).all())


def test_each_platform_reproduces_what_buyers_paid_per_day(
    warehouse_url: str, tmp_path: Path
) -> None:
    cases: list[tuple[str, str, dict[date, tuple[int, int]]]] = [
        ("taobao", "ExportOrderList2087.csv", {date(2026, 11, 11): (2, 11_800 + 127_900)}),
        ("douyin", "douyin_orders.csv", {date(2026, 6, 18): (1, 119_850)}),
        ("jd", "jd_orders.csv", {date(2026, 11, 11): (1, 15_000)}),
        ("pdd", "pdd_orders_0517.xlsx", {date(2026, 5, 17): (2, 3_200 + 4_990)}),
    ]
    for platform, name, truth in cases:
        config = store(platform, dropped(tmp_path / platform, name), name=platform)
        import_folder(config, warehouse_url, now=NOW)
        assert paid_by_day(warehouse_url, platform) == truth, platform


PLATFORM_FILES = {
    "taobao": ["ExportOrderList2087.csv", "ExportOrderDetailList2087.csv"],
    "douyin": ["douyin_orders.csv"],
    "jd": ["jd_orders.csv"],
    "pdd": ["pdd_orders_0517.xlsx", "pdd_orders_0518.xlsx"],
}


def stored_rows(url: str, table: Any, columns: list[str], name: str) -> list[list[str]]:
    query = select(*(table.c[c] for c in columns)).where(table.c.store == name)
    with get_engine(url).connect() as conn:
        rows = [[str(v) for v in row] for row in conn.execute(query)]
    return sorted(rows, key=json.dumps)


def test_each_platform_loads_exactly_the_rows_expected_to_the_fen(
    warehouse_url: str, tmp_path: Path
) -> None:
    # The expected rows are what the row-by-row importer wrote before the bulk one replaced it.
    expected = json.loads((FIXTURES / "expected_rows.json").read_text(encoding="utf-8"))
    columns = expected["columns"]
    for platform, names in PLATFORM_FILES.items():
        config = store(platform, tmp_path, name=platform)
        import_files(config, [FIXTURES / n for n in names], warehouse_url, now=NOW)
        truth = expected["platforms"][platform]
        for table in (o, tables.order_lines, tables.refunds):
            found = stored_rows(warehouse_url, table, columns[table.name], platform)
            assert found == truth[table.name], (platform, table.name)
        q = tables.quarantine.c
        with get_engine(warehouse_url).connect() as conn:
            reasons = conn.scalars(select(q.reason).where(q.store == platform)).all()
        assert sorted(reasons) == truth["quarantine"], platform


def test_who_funded_the_discounts_is_kept_where_the_export_says(
    sqlite_url: str, tmp_path: Path
) -> None:
    funded = {}
    for platform, names in PLATFORM_FILES.items():
        config = store(platform, tmp_path, name=platform)
        import_files(config, [FIXTURES / n for n in names], sqlite_url, now=NOW)
        query = select(
            o.c.name, o.c.discounts_minor, o.c.discount_shop_minor, o.c.discount_platform_minor
        ).where(o.c.store == platform)
        with get_engine(sqlite_url).connect() as conn:
            funded.update({row[0]: tuple(row[1:]) for row in conn.execute(query)})
    assert funded == {
        # 抖店: 商家 30.00 and 平台 20.00 of the 50.00 off.
        "6918000000000000001": (5_000, 3_000, 2_000),
        # 拼多多: 店铺优惠 5.00, 平台优惠 2.90 of 7.90 off; none on the other two.
        "260517-607198974342268": (790, 500, 290),
        "260517-607198974342269": (0, 0, 0),
        "260518-607198974342270": (0, 0, 0),
        # Taobao's 订单报表 here and 京东's export do not say who funded a discount.
        "2087123456789012345": (2_000, None, None),
        "2087123456789012347": (2_000, None, None),
        "301234567890": (800, None, None),
    }


@pytest.mark.parametrize("platform", ["taobao", "douyin"])
def test_the_local_stores_exports_reproduce_its_truth_to_the_fen(
    warehouse_url: str, tmp_path: Path, platform: Platform
) -> None:
    shop = MarketShop(
        MarketSpec(platform, seed=3, days=21, orders_per_day=20, end=date(2026, 11, 15))
    )
    shop.write(tmp_path / platform)
    import_folder(store(platform, tmp_path / platform), warehouse_url, now=NOW)
    truth = shop.truth()
    assert paid_by_day(warehouse_url) == truth
    assert truth[date(2026, 11, 11)][0] > 3 * truth[date(2026, 11, 4)][0]  # 双11 peaks


def test_a_redropped_file_under_another_name_changes_nothing(
    warehouse_url: str, tmp_path: Path
) -> None:
    folder = dropped(tmp_path, "pdd_orders_0517.xlsx")
    config = store("pdd", folder)
    first = import_folder(config, warehouse_url, now=NOW)
    before = snapshot(warehouse_url)
    shutil.copy(folder / "pdd_orders_0517.xlsx", folder / "订单导出(1).xlsx")
    again = import_folder(config, warehouse_url, now=NOW)
    assert snapshot(warehouse_url) == before
    assert [r.skipped for r in again] == [1, 1] and [r.skipped for r in first] == [0]


def test_an_overlapping_later_export_changes_only_what_it_should(
    warehouse_url: str, tmp_path: Path
) -> None:
    config = store("pdd", tmp_path)
    import_files(config, [FIXTURES / "pdd_orders_0517.xlsx"], warehouse_url, now=NOW)
    before = _orders(warehouse_url)
    import_files(config, [FIXTURES / "pdd_orders_0518.xlsx"], warehouse_url, now=NOW)
    after = _orders(warehouse_url)
    unchanged = "260517-607198974342268"
    # Same content: only the bookkeeping of which file last wrote it moves, not changed_at.
    written = {"synced_at", "updated_at"}
    assert {k: v for k, v in after[unchanged].items() if k not in written} == {
        k: v for k, v in before[unchanged].items() if k not in written
    }
    assert after["260517-607198974342269"]["financial_status"] == "refunded"
    assert set(after) - set(before) == {"260518-607198974342270"}
    # The refund has no completion date: it is dated on the day of the file that showed it.
    assert refund_days(warehouse_url) == {"260517-607198974342269": date(2026, 5, 18)}
    assert paid_by_day(warehouse_url) == {
        date(2026, 5, 17): (2, 3_200 + 4_990),
        date(2026, 5, 18): (1, 2_290),
    }


def test_an_older_export_imported_late_does_not_undo_a_newer_one(
    warehouse_url: str, tmp_path: Path
) -> None:
    config = store("pdd", tmp_path)
    files = [FIXTURES / "pdd_orders_0518.xlsx", FIXTURES / "pdd_orders_0517.xlsx"]
    import_files(config, files, warehouse_url, now=NOW)
    in_order = tmp_path / "in_order.db"
    import_files(config, files[::-1], f"sqlite:///{in_order}", now=NOW)
    assert _orders(warehouse_url)["260517-607198974342269"]["financial_status"] == "refunded"
    assert paid_by_day(warehouse_url) == paid_by_day(f"sqlite:///{in_order}")


def test_a_refund_keeps_the_day_a_file_first_showed_it(sqlite_url: str, tmp_path: Path) -> None:
    config = store("taobao", tmp_path)
    import_files(config, [FIXTURES / "ExportOrderList2087.csv"], sqlite_url, now=NOW)
    first = refund_days(sqlite_url)
    # A later export (another file, later rows) still lists the closed order, refund undated.
    later = (FIXTURES / "ExportOrderList2087.csv").read_bytes().decode("gb18030")
    later = later.replace("2026-11-11 10:00:00", "2026-11-20 10:00:00").replace("abc", "1.00")
    path = tmp_path / "ExportOrderList2099.csv"
    path.write_bytes(later.encode("gb18030"))
    import_files(config, [path], sqlite_url, now=NOW)
    assert refund_days(sqlite_url) == first == {"2087123456789012347": date(2026, 11, 11)}


def line_titles(url: str, order_id: int) -> list[str]:
    lines = tables.order_lines.c
    query = select(lines.title).where(lines.order_id == order_id).order_by(lines.title)
    with get_engine(url).connect() as conn:
        return list(conn.scalars(query))


def test_item_lines_replace_the_order_level_line_and_survive_a_later_export(
    warehouse_url: str, tmp_path: Path
) -> None:
    # The 宝贝报表 sorts first in the folder: it is loaded after the order export all the same.
    folder = dropped(tmp_path, "ExportOrderDetailList2087.csv", "ExportOrderList2087.csv")
    results = import_folder(store("taobao", folder), warehouse_url, now=NOW)
    both = ["帆布袋", "𠮷野家联名T恤"]
    assert line_titles(warehouse_url, 2087123456789012345) == both
    assert line_titles(warehouse_url, 2087123456789019999) == []  # no such order: skipped
    assert [r.upserted for r in results] == [2, 1]  # two orders first, then one given lines
    later = (FIXTURES / "ExportOrderList2087.csv").read_bytes().decode("gb18030")
    later = later.replace("2026-11-11 10:00:00", "2026-11-20 10:00:00")
    (folder / "ExportOrderList2099.csv").write_bytes(later.encode("gb18030"))
    import_folder(store("taobao", folder), warehouse_url, now=NOW)
    assert line_titles(warehouse_url, 2087123456789012345) == both
    assert paid_by_day(warehouse_url) == {date(2026, 11, 11): (2, 11_800 + 127_900)}


def test_bad_rows_and_unreadable_files_are_quarantined_not_fatal(
    sqlite_url: str, tmp_path: Path
) -> None:
    folder = dropped(tmp_path, "ExportOrderList2087.csv")
    (folder / "notes.txt").write_text("这不是订单导出\n", encoding="utf-8")
    results = import_folder(store("taobao", folder), sqlite_url, now=NOW)
    q = tables.quarantine.c
    with get_engine(sqlite_url).connect() as conn:
        reasons = sorted(conn.execute(select(q.resource, q.reason)).all())
    assert reasons == [
        ("imports", "notes.txt has no header row of a known export in its first rows"),
        ("orders", "ExportOrderList2087.csv row 6, column 买家应付货款: 'abc' is not an amount"),
    ]
    assert sum(r.upserted for r in results) == 2


def test_sync_imports_a_marketplace_store_and_its_shop_days(
    sqlite_url: str, tmp_path: Path
) -> None:
    folder = dropped(tmp_path, "ExportOrderList2087.csv", "sycm_shop.xls")
    sync_store_windows(store("taobao", folder), sqlite_url, now=NOW)
    t = tables.traffic_daily.c
    with get_engine(sqlite_url).connect() as conn:
        traffic = conn.execute(select(t.local_date, t.sessions, t.purchases)).all()
        state = conn.execute(select(tables.sync_state.c.last_success_at)).scalar_one()
    assert sorted(traffic) == [(date(2026, 11, 10), 1234, 41), (date(2026, 11, 11), 12345, 612)]
    assert state == NOW


@pytest.mark.slow
def test_an_import_killed_mid_way_finishes_when_run_again(tmp_path: Path) -> None:
    files = write_douyin_exports(tmp_path / "drop", 40, 1500, datetime(2026, 6, 1))
    entry = {"name": "shop", "platform": "douyin", "import_dir": str(tmp_path / "drop")}
    killed_url = f"sqlite:///{tmp_path / 'killed.db'}"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.helpers", json.dumps(entry), killed_url],
        cwd=Path(__file__).parents[3],
    )
    try:
        wait_for_rows(killed_url, tables.import_files, 2, child, "the import")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    partial = _count(killed_url, tables.import_files)
    config = store("douyin", tmp_path / "drop")
    import_folder(config, killed_url, now=NOW)
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    import_folder(config, clean_url, now=NOW)
    assert 0 < partial < len(files)
    assert snapshot(killed_url) == snapshot(clean_url)


def _orders(url: str) -> dict[str, dict[str, Any]]:
    with get_engine(url).connect() as conn:
        return {row["name"]: dict(row) for row in conn.execute(select(o)).mappings()}


def _count(url: str, table: Any) -> int:
    with get_engine(url, migrate=False).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_shop_and_platform_funded_discounts_are_metrics_where_every_order_says(
    warehouse_url: str, tmp_path: Path
) -> None:
    from tasks.metrics.collect import collect
    from tasks.metrics.registry import METRICS

    funded = {m.name: m for m in METRICS if m.name in ("shop_discounts", "platform_discounts")}
    values = {}
    for platform, day in (("douyin", date(2026, 6, 18)), ("jd", date(2026, 11, 11))):
        config = store(platform, tmp_path, name=platform)
        import_files(config, [FIXTURES / n for n in PLATFORM_FILES[platform]], warehouse_url)
        with get_engine(warehouse_url).connect() as conn:
            monday = day - timedelta(days=day.weekday())
            facts = collect(conn, platform, monday, monday + timedelta(days=6))
        for grain, start in (("day", day), ("day", monday), ("week", monday)):
            measured = facts.get(grain, start)
            for name, metric in funded.items():
                values[platform, grain, start, name] = metric.compute(measured)
    assert values == {
        ("douyin", "day", date(2026, 6, 18), "shop_discounts"): 3_000,
        ("douyin", "day", date(2026, 6, 18), "platform_discounts"): 2_000,
        ("douyin", "day", date(2026, 6, 15), "shop_discounts"): 0,  # no orders: nothing funded
        ("douyin", "day", date(2026, 6, 15), "platform_discounts"): 0,
        ("douyin", "week", date(2026, 6, 15), "shop_discounts"): 3_000,
        ("douyin", "week", date(2026, 6, 15), "platform_discounts"): 2_000,
        # 京东's export does not say who funded its 8.00 of discounts: n/a, not zero.
        ("jd", "day", date(2026, 11, 11), "shop_discounts"): None,
        ("jd", "day", date(2026, 11, 11), "platform_discounts"): None,
        ("jd", "day", date(2026, 11, 9), "shop_discounts"): 0,
        ("jd", "day", date(2026, 11, 9), "platform_discounts"): 0,
        ("jd", "week", date(2026, 11, 9), "shop_discounts"): None,
        ("jd", "week", date(2026, 11, 9), "platform_discounts"): None,
    }


def test_a_legacy_xls_export_imports_like_its_xlsx_twin(sqlite_url: str, tmp_path: Path) -> None:
    folder = dropped(tmp_path, "pdd_orders_0517_legacy.xls")
    [result] = import_folder(store("pdd", folder), sqlite_url, now=NOW)
    assert (result.upserted, result.quarantined) == (2, 0)
    assert paid_by_day(sqlite_url) == {date(2026, 5, 17): (2, 3_200 + 4_990)}
