"""拼多多: the merchant order export, one row per order (orders are single-SKU)."""

from __future__ import annotations

import numpy as np

from connectors.marketplaces.columns import (
    NOT_A_TIME,
    OrderColumns,
    SaleLines,
    Sales,
    refunded_where,
)
from connectors.marketplaces.records import Status

ORDER_ID = "订单号"
ORDERS = frozenset({ORDER_ID, "订单成交时间", "用户实付金额(元)", "订单状态"})

STATUSES: dict[str, Status] = {
    "待支付": "pending",
    "待发货": "paid",
    "已发货，待签收": "shipped",
    "已发货": "shipped",
    "已签收": "completed",
    "已收货": "completed",
    "已取消": "closed",
}
REFUNDED = frozenset({"退款成功", "已退款"})
#: Who funded the discount: the shop (店铺优惠) or the platform (平台优惠, 多多支付立减).
SHOP_DISCOUNT = "店铺优惠折扣(元)"
PLATFORM_DISCOUNTS = ("平台优惠折扣(元)", "多多支付立减金额(元)")


def sales(c: OrderColumns) -> Sales:
    """The orders, one row each; paid at 支付时间, else 订单成交时间 (struck on payment)."""
    raw = [(s or "").replace(",", "，") for s in c.firsts(c.texts("订单状态"))]
    status = c.statuses("订单状态", STATUSES, raw)
    paid = c.money("用户实付金额(元)")[c.first]
    deal = c.moments("订单成交时间")
    stated = c.moments("支付时间")
    pending = np.array(status) == "pending"
    paid_at = np.where(np.isnat(stated), np.where(pending, NOT_A_TIME, deal), stated)
    after_sale = np.array([s in REFUNDED for s in c.firsts(c.texts("售后状态"))], dtype=bool)
    refunded = np.where(after_sale, paid, 0)
    goods = c.money("商品总价(元)")[c.first]
    quantity = c.counts("商品数量(件)")[c.first]
    skus = [
        a or b
        for a, b in zip(c.texts("商家编码-SKU维度"), c.texts("商家编码-规格维度"), strict=True)
    ]
    orders = len(c.keys)
    return Sales(
        status_raw=raw,
        status=refunded_where(refunded != 0, status),
        created_at=deal,
        paid_at=paid_at,
        goods=goods,
        shipping=c.money("邮费(元)")[c.first],
        paid=paid,
        refunded=refunded,
        lines=SaleLines(
            order=np.arange(orders, dtype=np.int64),
            key=["sku"] * orders,
            title=c.firsts(c.or_key(c.texts("商品"))),
            sku=c.firsts(skus),
            quantity=np.where(quantity == 0, 1, quantity),
            amount=goods,
        ),
        discount_shop=c.first_amounts([SHOP_DISCOUNT]),
        discount_platform=c.first_amounts(PLATFORM_DISCOUNTS),
    )
