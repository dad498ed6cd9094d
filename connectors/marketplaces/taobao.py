"""Taobao and Tmall (千牛 卖家中心): the 订单报表 (one row per order) and 生意参谋's shop days."""

from __future__ import annotations

from connectors.base import TrafficDay
from connectors.marketplaces.files import Sheet, day, moment, money, whole
from connectors.marketplaces.records import (
    ORDER_LEVEL_LINE,
    Sale,
    SaleLine,
    Status,
    status_of,
)

ORDER_ID = "订单编号"
ORDERS = frozenset({ORDER_ID, "订单付款时间", "买家实际支付金额", "订单状态"})
#: 宝贝报表: one row per item line, joined to the 订单报表 on 订单编号.
ITEM_LINES = frozenset({ORDER_ID, "标题", "价格", "购买数量"})
#: 生意参谋 店铺整体 / 店铺概况: one row per store-local day.
SHOP_DAYS = frozenset({"统计日期", "访客数", "支付买家数"})

STATUSES: dict[str, Status] = {
    "没有创建支付宝交易": "pending",
    "等待买家付款": "pending",
    "等待买家确认货到付款订单信息": "pending",
    "买家已付款，等待卖家发货": "paid",
    "买家已确认，等待卖家发货": "paid",
    "卖家已发货，等待买家确认": "shipped",
    "卖家已发货，等待买家确认收货并付款": "shipped",
    "买家已签收": "completed",
    "买家已签收，回款至卖家": "completed",
    "交易成功": "completed",
    # Closed after payment: the buyer was refunded in full.
    "交易关闭": "refunded",
    # Closed by Taobao before payment.
    "交易被淘宝关闭": "closed",
}


def sale(key: str, rows: list[tuple[int, dict[str, str | None]]]) -> Sale:
    """One order row of the 订单报表."""
    _, row = rows[0]
    raw = (row.get("订单状态") or "").replace(",", "，")
    status = status_of(raw, STATUSES, "订单状态")
    paid = money(row.get("买家实际支付金额"), "买家实际支付金额")
    shipping = money(row.get("买家应付邮费"), "买家应付邮费")
    goods_column = "买家应付货款" if row.get("买家应付货款") else "总金额"
    goods = money(row.get(goods_column), goods_column)
    if goods_column == "总金额":
        goods -= shipping
    refunded = money(row.get("退款金额"), "退款金额")
    if status == "refunded" and refunded == 0:
        refunded = paid
    units = whole(row.get("宝贝总数量"), "宝贝总数量") or 1
    title = row.get("宝贝标题") or key
    return Sale(
        order_key=key,
        status_raw=raw,
        status=status,
        created_at=moment(row.get("订单创建时间"), "订单创建时间"),
        paid_at=moment(row.get("订单付款时间"), "订单付款时间"),
        goods=goods,
        shipping=shipping,
        paid=paid,
        refunded=refunded,
        lines=[SaleLine(ORDER_LEVEL_LINE, title, None, units, goods)],
    )


def item_lines(rows: list[tuple[int, dict[str, str | None]]]) -> list[SaleLine]:
    """An order's rows of the 宝贝报表 as its item lines (price × quantity, before discounts)."""
    lines = []
    for number, (_, row) in enumerate(rows, 1):
        quantity = whole(row.get("购买数量"), "购买数量")
        title = row.get("标题") or ""
        sku = row.get("商家编码") or row.get("外部系统编号")
        amount = money(row.get("价格"), "价格") * quantity
        lines.append(SaleLine(f"item{number}", title, sku, quantity, amount))
    return lines


def shop_days(sheet: Sheet, file_name: str) -> tuple[list[TrafficDay], list[tuple[int, str]]]:
    """生意参谋's daily rows as the store's traffic (channel ``all``), and the rows it refused."""
    days, refused = [], []
    for number, row in sheet.rows:
        try:
            days.append(
                TrafficDay(
                    day=day(row.get("统计日期"), "统计日期"),
                    channel="all",
                    sessions=whole(row.get("访客数"), "访客数"),
                    add_to_carts=whole(row.get("加购人数"), "加购人数"),
                    checkouts=whole(row.get("下单买家数"), "下单买家数"),
                    purchases=whole(row.get("支付买家数"), "支付买家数"),
                )
            )
        except ValueError as exc:
            refused.append((number, f"{file_name} row {number}, {exc}"))
    return days, refused
