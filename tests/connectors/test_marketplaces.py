"""The marketplace readers on real-encoding fixtures: format sniffing, header rows, wrapped ids,
nulls, money, total rows, personal fields, and each platform's mapping to canonical orders."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.marketplaces import UnreadableFile, read_export
from connectors.marketplaces.files import (
    cell_text,
    clean_cells,
    decode,
    find_sheet,
    money,
    normalise_header,
    read_grid,
)
from connectors.marketplaces.records import ExportBatch, numeric_id

FIXTURES = Path(__file__).parents[1] / "fixtures" / "marketplaces"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PERSONAL_VALUES = ("张**", "138****0000", "##A1B2", "$$13800000000", "陈**", "刘**", "北京***")


def read(name: str, platform: str) -> ExportBatch:
    return read_export((FIXTURES / name).read_bytes(), name, platform, SHANGHAI, "CNY")


def orders_of(batch: ExportBatch) -> dict[str, dict[str, Any]]:
    """Each paid order of a batch by name: its columns' values, lines and refunds."""
    orders = batch.orders
    assert orders is not None
    found = {}
    for i, name in enumerate(orders.name):
        lines = [j for j, o in enumerate(orders.line_order) if o == i]
        refunds = [j for j, o in enumerate(orders.refund_order) if o == i]
        found[name] = {
            "order_id": orders.order_id[i],
            "processed_at": orders.processed_at[i].astype(datetime).replace(tzinfo=UTC),
            "line_items": int(orders.line_items[i]),
            "shipping": int(orders.shipping[i]),
            "discounts": int(orders.discounts[i]),
            "total": int(orders.total[i]),
            "financial_status": orders.financial_status[i],
            "fulfillment_status": orders.fulfillment_status[i],
            "shop": None if orders.discount_shop is None else int(orders.discount_shop[i]),
            "platform": None
            if orders.discount_platform is None
            else int(orders.discount_platform[i]),
            "lines": [(orders.title[j], int(orders.quantity[j])) for j in lines],
            "refunds": [(orders.refund_id[j], int(orders.refund_total[j])) for j in refunds],
        }
    return found


def test_the_format_is_sniffed_from_the_bytes_not_the_name() -> None:
    kinds = {
        name: read_grid((FIXTURES / name).read_bytes())[0]
        for name in ("ExportOrderList2087.csv", "pdd_orders_0517.xlsx", "sycm_shop.xls")
    }
    assert kinds == {
        "ExportOrderList2087.csv": "csv",
        "pdd_orders_0517.xlsx": "xlsx",
        "sycm_shop.xls": "html",
    }


def test_gb18030_is_read_with_characters_outside_gbk() -> None:
    data = (FIXTURES / "ExportOrderList2087.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    assert "𠮷野家联名T恤" in decode(data)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ('="2087123456789012345"', "2087123456789012345"),
        ("\t6918000000000000001", "6918000000000000001"),
        ("'301234567890", "301234567890"),
        ("-", None),
        ("--", None),
        ("  ", None),
        (2.0, "2"),
    ],
)
def test_cells_are_unwrapped_and_nulls_recognised(raw: object, text: str | None) -> None:
    assert cell_text(raw) == text


def test_a_column_of_distinct_cells_is_cleaned_as_each_cell_alone() -> None:
    wrapped = ['="2087123456789012345"', "'301234567890", "-", "--", "  ", "null", "None", "-5.00"]
    column = [f"\t69180000000000{n:05}" for n in range(300)] + wrapped + [" NULL ", "Nike"]
    assert clean_cells(column) == [cell_text(cell) for cell in column]
    assert clean_cells([*column, None, 2.0])[-2:] == [None, "2"]


def test_rows_whose_first_kept_cell_is_empty_are_judged_by_the_next_one() -> None:
    grid = [
        ["订单编号", "收货人", "金额"],
        ["\t1001", "张三", "10.00"],
        ["-", "李四", "20.00"],
        ["", "", "合计"],
        ["总计", "", "30.00"],
        ["", "", ""],
        ["\t1002"],
    ]
    sheet, _ = find_sheet("csv", grid, [{"订单编号", "金额"}])
    assert sheet.numbers == [2, 3, 7]
    assert sheet.column("订单编号") == ["1001", None, "1002"]
    assert sheet.column("金额") == ["10.00", "20.00", None]


def test_headers_lose_stray_spaces_and_full_width_brackets() -> None:
    assert normalise_header(" 订单付款时间 \n") == "订单付款时间"
    assert normalise_header("用户实付金额（元）") == "用户实付金额(元)"


def test_money_takes_the_yuan_sign_and_thousands_separators() -> None:
    assert money("¥1,299.00", "x") == Decimal("1299.00")
    with pytest.raises(ValueError, match="column 买家应付货款: 'abc' is not an amount"):
        money("abc", "买家应付货款")


def test_taobao_orders_below_a_title_row_with_a_total_row() -> None:
    batch = read("ExportOrderList2087.csv", "taobao")
    orders = orders_of(batch)
    assert batch.rows == 4  # the 合计 row is not an order
    assert set(orders) == {"2087123456789012345", "2087123456789012347"}
    assert batch.unpaid == 1
    paid = orders["2087123456789012345"]
    assert paid["order_id"] == 2087123456789012345  # exact: 19 digits never went through a float
    assert paid["processed_at"] == datetime(2026, 11, 10, 16, 1, 2, tzinfo=UTC)
    assert (paid["line_items"], paid["shipping"], paid["discounts"]) == (12_800, 1_000, 2_000)
    assert paid["total"] == 11_800
    assert paid["lines"] == [("𠮷野家联名T恤", 2)]
    closed = orders["2087123456789012347"]
    assert closed["fulfillment_status"] == "refunded"
    [(refund_id, refunded)] = closed["refunds"]
    assert refunded == 127_900
    assert batch.orders is not None and refund_id in batch.orders.undated_refunds


def test_a_bad_row_is_set_aside_naming_file_row_and_column() -> None:
    batch = read("ExportOrderList2087.csv", "taobao")
    [rejected] = batch.rejected
    assert rejected.reason == (
        "ExportOrderList2087.csv row 6, column 买家应付货款: 'abc' is not an amount"
    )


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("ExportOrderList2087.csv", "taobao"),
        ("douyin_orders.csv", "douyin"),
        ("pdd_orders_0517.xlsx", "pdd"),
        ("jd_orders.csv", "jd"),
    ],
)
def test_personal_fields_never_leave_the_reader(name: str, platform: str) -> None:
    batch = read(name, platform)
    kept = json.dumps(
        [repr(batch.orders)] + [r.payload for r in batch.rejected], ensure_ascii=False
    )
    assert not any(value in kept for value in PERSONAL_VALUES)


def test_douyin_sub_orders_add_up_to_their_main_order() -> None:
    batch = read("douyin_orders.csv", "douyin")
    [(name, order)] = orders_of(batch).items()
    assert name == "6918000000000000001"
    assert order["total"] == 119_850  # 1,099.00 + 99.50 over two sub-orders
    assert sum(quantity for _, quantity in order["lines"]) == 3
    assert order["discounts"] == 5_000
    assert order["financial_status"] == "partially_refunded"
    assert [refunded for _, refunded in order["refunds"]] == [9_950]
    assert batch.unpaid == 1  # closed before payment


def test_jd_order_money_is_counted_once_and_deleted_orders_leave() -> None:
    batch = read("jd_orders.csv", "jd")
    [order] = orders_of(batch).values()
    assert order["total"] == 15_000
    assert order["line_items"] == 15_800
    assert [d.order_id for d in batch.deletions] == [301234567891]


def test_pdd_xlsx_with_a_note_row_and_a_total_row() -> None:
    batch = read("pdd_orders_0517.xlsx", "pdd")
    orders = orders_of(batch)
    assert set(orders) == {"260517-607198974342268", "260517-607198974342269"}
    first = orders["260517-607198974342268"]
    assert first["order_id"] == numeric_id("260517-607198974342268")
    assert first["total"] == 3_200
    assert first["discounts"] == 790
    assert batch.exported_at == datetime(2026, 5, 17, 15, 59, 59, tzinfo=UTC)


def test_sycm_html_saved_as_xls_gives_the_shop_days() -> None:
    batch = read("sycm_shop.xls", "taobao")
    assert [(d.day, d.sessions, d.purchases) for d in batch.traffic] == [
        (date(2026, 11, 10), 1234, 41),
        (date(2026, 11, 11), 12345, 612),
    ]


def test_a_file_of_another_platform_is_not_recognised() -> None:
    with pytest.raises(UnreadableFile, match="no header row of a known export"):
        read("douyin_orders.csv", "pdd")


def test_bytes_that_are_no_text_are_refused_in_one_sentence() -> None:
    with pytest.raises(UnreadableFile, match="UTF-8 nor GB18030"):
        read_export(b"\x81\x30\xff\xff" * 4, "x.csv", "taobao", SHANGHAI, "CNY")


def test_the_local_stores_exports_carry_the_real_encodings(tmp_path: Path) -> None:
    from connectors.sandbox.marketplace import MarketShop, MarketSpec

    tmall = MarketShop(MarketSpec("taobao", 1, 3, 30, date(2026, 6, 18))).write(tmp_path / "t")
    douyin = MarketShop(MarketSpec("douyin", 2, 3, 30, date(2026, 6, 18))).write(tmp_path / "d")
    orders = tmall[0].read_bytes()
    assert not orders.startswith(b"\xef\xbb\xbf")
    assert orders.decode("gb18030").startswith("订单报表")
    assert douyin[0].read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_grid(douyin[0].read_bytes())[1][1][0].startswith("\t")
    assert read_grid(tmall[-1].read_bytes())[0] == "html"  # 生意参谋 saved as .xls


def test_taobao_item_lines_come_from_the_order_line_report() -> None:
    batch = read("ExportOrderDetailList2087.csv", "taobao")
    assert batch.kind == "淘宝 宝贝报表" and batch.rows == 3
    lines = batch.item_lines[2087123456789012345]
    assert [(x.title, x.sku, x.quantity, x.price) for x in lines] == [
        ("𠮷野家联名T恤", "TX-01", 1, Decimal("64.00")),
        ("帆布袋", "BAG-02", 1, Decimal("64.00")),
    ]


def douyin_csv(*rows: list[str]) -> bytes:
    header = ["主订单编号", "子订单编号", "选购商品", "商品数量", "订单应付金额", "运费"]
    header += ["订单提交时间", "支付完成时间", "订单状态", "售后状态"]
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_bad_sub_order_sets_its_whole_order_aside_naming_the_orders_first_row() -> None:
    paid = ["2026-06-18 10:00:00", "2026-06-18 10:00:30", "已完成", "-"]
    data = douyin_csv(
        ["\t1", "\t11", "裙", "1", "10.00", "0", *paid],
        ["\t2", "\t21", "裙", "1", "10.00", "0", *paid],
        ["\t1", "\t12", "鞋", "x", "20.00", "0", *paid],
        ["\t3", "\t31", "裙", "1", "10.005", "0", *paid],
    )
    batch = read_export(data, "d.csv", "douyin", SHANGHAI, "CNY")
    assert batch.orders is not None and batch.orders.name == ["2"]
    assert [r.reason for r in batch.rejected] == [
        "d.csv row 2, column 商品数量: 'x' is not an amount",
        "d.csv row 5, column 订单应付金额: '10.005' has more than 2 decimals",
    ]
    assert batch.rejected[0].payload["子订单编号"] == "11"


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        ("2026-03-08 01:59:59", datetime(2026, 3, 8, 6, 59, 59)),
        # Skipped by the spring change, and repeated by the autumn one: the earlier offset.
        ("2026-03-08 02:30:00", datetime(2026, 3, 8, 7, 30)),
        ("2026-11-01 01:30:00", datetime(2026, 11, 1, 5, 30)),
        ("2026/11/01 03:00", datetime(2026, 11, 1, 8, 0)),
    ],
)
def test_local_times_become_utc_as_python_reads_them_across_clock_changes(
    wall: str, utc: datetime
) -> None:
    zone = ZoneInfo("America/New_York")
    data = douyin_csv(["\t1", "\t11", "裙", "1", "10.00", "0", wall, wall, "已完成", "-"])
    batch = read_export(data, "d.csv", "douyin", zone, "USD")
    assert batch.orders is not None
    [moment] = batch.orders.processed_at.astype(datetime).tolist()
    assert moment == utc
    naive = datetime.fromisoformat(wall.replace("/", "-") + (":00" if wall.count(":") == 1 else ""))
    assert moment == naive.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def test_a_legacy_biff_xls_is_read_through_calamine_as_its_xlsx_twin() -> None:
    # Written by xlwt (tests/fixtures/marketplaces/write.py): numbers and date cells, not text.
    data = (FIXTURES / "pdd_orders_0517_legacy.xls").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    legacy = read("pdd_orders_0517_legacy.xls", "pdd")
    assert legacy.file_format == "xls"
    assert orders_of(legacy) == orders_of(read("pdd_orders_0517.xlsx", "pdd"))
    assert (legacy.rows, legacy.unpaid, legacy.rejected) == (2, 0, [])
