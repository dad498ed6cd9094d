"""Taobao and Tmall (千牛 卖家中心): the 订单报表 (one row per order) and 生意参谋's shop days."""

from __future__ import annotations

import numpy as np

from connectors.base import TrafficDay
from connectors.marketplaces.columns import OrderColumns, SaleLines, Sales
from connectors.marketplaces.files import Sheet, day, money, whole
from connectors.marketplaces.records import ORDER_LEVEL_LINE, SaleLine, Status

ORDER_ID = "订单编号"
ORDERS = frozenset({ORDER_ID, "订单付款时间", "买家实际支付金额", "订单状态"})
#: 宝贝报表: one row per item line, joined to the 订单报表 on 订单编号.
ITEM_LINES = frozenset({ORDER_ID, "标题", "价格", "购买数量"})
#: 生意参谋 店铺整体 / 店铺概况: one row per store-local day.
SHOP_DAYS = frozenset({"统计日期", "访客数", "支付买家数"})
#: Discounts the shop funds (店铺优惠) and those the platform funds (天猫购物券, 集分宝, 平台优惠),
#: in the exports that list them apart.
SHOP_DISCOUNT = "店铺优惠"
PLATFORM_DISCOUNTS = ("平台优惠", "天猫卡券抵扣", "集分宝抵扣")

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


def sales(c: OrderColumns) -> Sales:
    """The orders of the 订单报表, one row each (a repeated order number reads its first row)."""
    raw = [(s or "").replace(",", "，") for s in c.firsts(c.texts("订单状态"))]
    status = c.statuses("订单状态", STATUSES, raw)
    paid = c.money("买家实际支付金额")[c.first]
    shipping = c.money("买家应付邮费")[c.first]
    # 买家应付货款 when the export fills it in, else 总金额 less the postage.
    stated = np.array([g is not None for g in c.texts("买家应付货款")], dtype=bool)
    goods = np.where(
        stated, c.money("买家应付货款", where=stated), c.money("总金额", where=~stated)
    )[c.first]
    goods = np.where(stated[c.first], goods, goods - shipping)
    refunded = c.money("退款金额")[c.first]
    refunded = np.where((np.array(status) == "refunded") & (refunded == 0), paid, refunded)
    units = c.counts("宝贝总数量")[c.first]
    orders = len(c.keys)
    return Sales(
        status_raw=raw,
        status=status,
        created_at=c.moments("订单创建时间"),
        paid_at=c.moments("订单付款时间"),
        goods=goods,
        shipping=shipping,
        paid=paid,
        refunded=refunded,
        lines=SaleLines(
            order=np.arange(orders, dtype=np.int64),
            key=[ORDER_LEVEL_LINE] * orders,
            title=c.firsts(c.or_key(c.texts("宝贝标题"))),
            sku=[None] * orders,
            quantity=np.where(units == 0, 1, units),
            amount=goods,
        ),
        discount_shop=c.first_amounts([SHOP_DISCOUNT]),
        discount_platform=c.first_amounts(PLATFORM_DISCOUNTS),
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
