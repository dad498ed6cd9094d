"""The marketplace readers on real-encoding fixtures: format sniffing, header rows, wrapped ids,
nulls, money, total rows, personal fields, and each platform's mapping to canonical orders."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.marketplaces import UnreadableFile, read_export
from connectors.marketplaces.files import cell_text, decode, money, normalise_header, read_grid
from connectors.marketplaces.records import ExportBatch, numeric_id

FIXTURES = Path(__file__).parents[1] / "fixtures" / "marketplaces"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PERSONAL_VALUES = ("张**", "138****0000", "##A1B2", "$$13800000000", "陈**", "刘**", "北京***")


def read(name: str, platform: str) -> ExportBatch:
    return read_export((FIXTURES / name).read_bytes(), name, platform, SHANGHAI, "CNY")


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


def test_headers_lose_stray_spaces_and_full_width_brackets() -> None:
    assert normalise_header(" 订单付款时间 \n") == "订单付款时间"
    assert normalise_header("用户实付金额（元）") == "用户实付金额(元)"


def test_money_takes_the_yuan_sign_and_thousands_separators() -> None:
    assert money("¥1,299.00", "x") == Decimal("1299.00")
    with pytest.raises(ValueError, match="column 买家应付货款: 'abc' is not an amount"):
        money("abc", "买家应付货款")


def test_taobao_orders_below_a_title_row_with_a_total_row() -> None:
    batch = read("ExportOrderList2087.csv", "taobao")
    orders = {o.name: o for o in batch.orders}
    assert batch.rows == 4  # the 合计 row is not an order
    assert set(orders) == {"2087123456789012345", "2087123456789012347"}
    assert batch.unpaid == 1
    paid = orders["2087123456789012345"]
    assert paid.order_id == 2087123456789012345  # exact: 19 digits never went through a float
    assert paid.processed_at == datetime(2026, 11, 10, 16, 1, 2, tzinfo=UTC)
    assert (paid.total_line_items_price, paid.total_shipping, paid.total_discounts) == (
        Decimal("128.00"),
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert paid.total_price == Decimal("118.00")
    assert paid.lines[0].title == "𠮷野家联名T恤" and paid.lines[0].quantity == 2
    closed = orders["2087123456789012347"]
    assert closed.fulfillment_status == "refunded"
    assert closed.refunds[0].transactions == Decimal("1279.00")
    assert closed.refunds[0].refund_id in batch.undated_refunds


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
        [repr(o) for o in batch.orders] + [r.payload for r in batch.rejected], ensure_ascii=False
    )
    assert not any(value in kept for value in PERSONAL_VALUES)


def test_douyin_sub_orders_add_up_to_their_main_order() -> None:
    batch = read("douyin_orders.csv", "douyin")
    [order] = batch.orders
    assert order.name == "6918000000000000001"
    assert order.total_price == Decimal("1198.50")  # 1,099.00 + 99.50 over two sub-orders
    assert sum(line.quantity for line in order.lines) == 3
    assert order.total_discounts == Decimal("50.00")
    assert order.financial_status == "partially_refunded"
    assert order.refunds[0].transactions == Decimal("99.50")
    assert batch.unpaid == 1  # closed before payment


def test_jd_order_money_is_counted_once_and_deleted_orders_leave() -> None:
    batch = read("jd_orders.csv", "jd")
    [order] = batch.orders
    assert order.total_price == Decimal("150.00")
    assert order.total_line_items_price == Decimal("158.00")
    assert [d.order_id for d in batch.deletions] == [301234567891]


def test_pdd_xlsx_with_a_note_row_and_a_total_row() -> None:
    batch = read("pdd_orders_0517.xlsx", "pdd")
    orders = {o.name: o for o in batch.orders}
    assert set(orders) == {"260517-607198974342268", "260517-607198974342269"}
    first = orders["260517-607198974342268"]
    assert first.order_id == numeric_id("260517-607198974342268")
    assert first.total_price == Decimal("32.00")
    assert first.total_discounts == Decimal("7.90")
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
