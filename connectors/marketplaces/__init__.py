"""Marketplace stores (Taobao/Tmall, 抖店, 京东, 拼多多) read from the exports teams download.

``read_export`` recognises a file by its content (format sniffed, header row found, columns
matched against each export this platform writes) and returns what it holds: an order export's
orders, lines and refunds as columns (``columns.ExportOrders``), read in bulk; item lines and
shop days as canonical records. Personal fields are dropped as the file is read; rows that
cannot be read come back as ``Rejected`` with the file, row and column in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import Rejected
from connectors.marketplaces import douyin, jd, pdd, taobao
from connectors.marketplaces.columns import OrderColumns, Sales, canonical
from connectors.marketplaces.files import Sheet, UnreadableFile, find_sheet, read_grid
from connectors.marketplaces.records import ExportBatch, numeric_id, order_lines, read_groups
from connectors.money import currency_exponent

__all__ = ["MARKETPLACES", "ExportBatch", "UnreadableFile", "read_export"]


@dataclass(frozen=True, slots=True)
class OrderExport:
    """A platform's order export: the columns that recognise it and how an order is read."""

    kind: str
    columns: frozenset[str]
    key_column: str
    sales: Callable[[OrderColumns], Sales]


ORDER_EXPORTS: dict[str, OrderExport] = {
    "taobao": OrderExport("淘宝 订单报表", taobao.ORDERS, taobao.ORDER_ID, taobao.sales),
    "douyin": OrderExport("抖店 订单", douyin.ORDERS, douyin.ORDER_ID, douyin.sales),
    "jd": OrderExport("京东 订单", jd.ORDERS, jd.ORDER_ID, jd.sales),
    "pdd": OrderExport("拼多多 订单", pdd.ORDERS, pdd.ORDER_ID, pdd.sales),
}
#: The platforms whose stores are read from export files.
MARKETPLACES = tuple(ORDER_EXPORTS)
SHOP_DAYS_KIND = "生意参谋 店铺整体"
ITEM_LINES_KIND = "淘宝 宝贝报表"


def read_export(
    data: bytes, file_name: str, platform: str, zone: ZoneInfo, currency: str
) -> ExportBatch:
    """Read one export file of a store on ``platform``.

    Raises:
        UnreadableFile: the file is not a table, or not one this platform exports.
    """
    file_format, grid = read_grid(data)
    orders = ORDER_EXPORTS[platform]
    others = (taobao.SHOP_DAYS, taobao.ITEM_LINES) if platform == "taobao" else ()
    sheet, matched = find_sheet(file_format, grid, (orders.columns, *others))
    if matched == 1:
        return _shop_days(sheet, file_name)
    if matched == 2:
        return _item_lines(sheet, file_name)
    columns = OrderColumns(sheet, orders.key_column, currency_exponent(currency), zone)
    read = canonical(columns, orders.sales(columns), file_name)
    return ExportBatch(
        orders.kind,
        file_format,
        rows=columns.rows,
        orders=read.orders,
        deletions=read.deletions,
        rejected=read.rejected,
        unpaid=read.unpaid,
        exported_at=read.exported_at,
    )


def _shop_days(sheet: Sheet, file_name: str) -> ExportBatch:
    batch = ExportBatch(SHOP_DAYS_KIND, sheet.file_format, rows=len(sheet.rows))
    batch.traffic, refused = taobao.shop_days(sheet, file_name)
    rows = dict(sheet.rows)
    batch.rejected = [
        Rejected(f"{file_name}:{number}", reason, dict(rows[number])) for number, reason in refused
    ]
    return batch


def _item_lines(sheet: Sheet, file_name: str) -> ExportBatch:
    batch = ExportBatch(ITEM_LINES_KIND, sheet.file_format)
    for key, lines in read_groups(
        batch, sheet, file_name, taobao.ORDER_ID, lambda k, rows: taobao.item_lines(rows)
    ):
        batch.item_lines[numeric_id(key)] = order_lines(key, lines)
    return batch
