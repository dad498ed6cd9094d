"""Marketplace stores (Taobao/Tmall, 抖店, 京东, 拼多多) read from the exports teams download.

``read_export`` recognises a file by its content (format sniffed, header row found, columns
matched against each export this platform writes) and returns its canonical records. Personal
fields are dropped as the file is read; rows that cannot be read come back as ``Rejected`` with
the file, row and column in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import Rejected
from connectors.marketplaces import douyin, jd, pdd, taobao
from connectors.marketplaces.files import Sheet, UnreadableFile, find_sheet, read_grid
from connectors.marketplaces.records import ExportBatch, Sale, add_sales, read_sales

__all__ = ["MARKETPLACES", "ExportBatch", "UnreadableFile", "read_export"]


@dataclass(frozen=True, slots=True)
class OrderExport:
    """A platform's order export: the columns that recognise it and how an order is read."""

    kind: str
    columns: frozenset[str]
    key_column: str
    sale: Callable[[str, list[tuple[int, dict[str, str | None]]]], Sale]


ORDER_EXPORTS: dict[str, OrderExport] = {
    "taobao": OrderExport("淘宝 订单报表", taobao.ORDERS, taobao.ORDER_ID, taobao.sale),
    "douyin": OrderExport("抖店 订单", douyin.ORDERS, douyin.ORDER_ID, douyin.sale),
    "jd": OrderExport("京东 订单", jd.ORDERS, jd.ORDER_ID, jd.sale),
    "pdd": OrderExport("拼多多 订单", pdd.ORDERS, pdd.ORDER_ID, pdd.sale),
}
#: The platforms whose stores are read from export files.
MARKETPLACES = tuple(ORDER_EXPORTS)
SHOP_DAYS_KIND = "生意参谋 店铺整体"


def read_export(
    data: bytes, file_name: str, platform: str, zone: ZoneInfo, currency: str
) -> ExportBatch:
    """Read one export file of a store on ``platform``.

    Raises:
        UnreadableFile: the file is not a table, or not one this platform exports.
    """
    file_format, grid = read_grid(data)
    orders = ORDER_EXPORTS[platform]
    sheet, matched = find_sheet(file_format, grid, (orders.columns, taobao.SHOP_DAYS))
    if matched == 1:
        return _shop_days(sheet, file_name)
    batch = ExportBatch(orders.kind, file_format)
    sales = read_sales(batch, sheet, file_name, orders.key_column, orders.sale)
    add_sales(batch, sales, zone, currency)
    return batch


def _shop_days(sheet: Sheet, file_name: str) -> ExportBatch:
    batch = ExportBatch(SHOP_DAYS_KIND, sheet.file_format, rows=len(sheet.rows))
    batch.traffic, refused = taobao.shop_days(sheet, file_name)
    rows = dict(sheet.rows)
    batch.rejected = [
        Rejected(f"{file_name}:{number}", reason, dict(rows[number])) for number, reason in refused
    ]
    return batch
