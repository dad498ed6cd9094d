"""抖店 (Douyin shop): the order export, one row per 子订单 (sub-order) under its 主订单编号."""

from __future__ import annotations

import numpy as np

from connectors.marketplaces.columns import OrderColumns, SaleLines, Sales, refunded_where
from connectors.marketplaces.records import Status

ORDER_ID = "主订单编号"
ORDERS = frozenset({ORDER_ID, "子订单编号", "订单应付金额", "订单状态"})

STATUSES: dict[str, Status] = {
    "待支付": "pending",
    "已支付": "paid",
    "待发货": "paid",
    "备货中": "paid",
    "已发货": "shipped",
    "部分发货": "shipped",
    "已完成": "completed",
    "已关闭": "closed",
}
REFUNDED = frozenset({"退款成功", "售后完成", "退货退款成功"})
#: Who funded each discount: the platform, the shop, or the creator (达人) who sold it.
PLATFORM_DISCOUNT, SHOP_DISCOUNT, CREATOR_DISCOUNT = (
    "平台实际承担优惠金额",
    "商家实际承担优惠金额",
    "达人实际承担优惠金额",
)


def sales(c: OrderColumns) -> Sales:
    """The 主订单s: what the buyer paid is the sum of their sub-orders' 订单应付金额."""
    payable = c.money("订单应付金额")
    freight = c.money("运费")
    platform = c.money(PLATFORM_DISCOUNT)
    shop = c.money(SHOP_DISCOUNT)
    creator = c.money(CREATOR_DISCOUNT)
    quantity = c.counts("商品数量")
    amount = payable - freight + platform + shop + creator
    after_sale = np.array([s in REFUNDED for s in c.texts("售后状态")], dtype=bool)
    raw = [s or "" for s in c.firsts(c.texts("订单状态"))]
    status = c.statuses("订单状态", STATUSES, raw)
    paid, refunded = c.total(payable), c.total(np.where(after_sale, payable, 0))
    fully = (refunded != 0) & (refunded >= paid)
    return Sales(
        status_raw=raw,
        status=refunded_where(fully, status),
        created_at=c.moments("订单提交时间"),
        paid_at=c.moments("支付完成时间"),
        goods=c.total(amount),
        shipping=c.total(freight),
        paid=paid,
        refunded=refunded,
        lines=SaleLines(
            order=c.order,
            key=c.line_keys(c.texts("子订单编号")),
            title=c.or_key(c.texts("选购商品")),
            sku=c.texts("商家编码"),
            quantity=quantity,
            amount=amount,
        ),
        discount_shop=c.total(shop),
        discount_platform=c.total(platform),
    )
