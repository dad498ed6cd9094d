"""抖店 (Douyin shop): the order export, one row per 子订单 (sub-order) under its 主订单编号."""

from __future__ import annotations

from decimal import Decimal

from connectors.marketplaces.files import moment, money, whole
from connectors.marketplaces.records import Sale, SaleLine, Status, status_of

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
DISCOUNTS = ("平台实际承担优惠金额", "商家实际承担优惠金额", "达人实际承担优惠金额")


def sale(key: str, rows: list[tuple[int, dict[str, str | None]]]) -> Sale:
    """One 主订单: what the buyer paid is the sum of its sub-orders' 订单应付金额."""
    _, first = rows[0]
    paid = goods = refunded = Decimal(0)
    shipping = Decimal(0)
    lines: list[SaleLine] = []
    for _, row in rows:
        payable = money(row.get("订单应付金额"), "订单应付金额")
        freight = money(row.get("运费"), "运费")
        discount = sum((money(row.get(c), c) for c in DISCOUNTS), Decimal(0))
        paid += payable
        shipping += freight
        amount = payable - freight + discount
        goods += amount
        if (row.get("售后状态") or "") in REFUNDED:
            refunded += payable
        lines.append(
            SaleLine(
                key=row.get("子订单编号") or f"{len(lines)}",
                title=row.get("选购商品") or key,
                sku=row.get("商家编码"),
                quantity=whole(row.get("商品数量"), "商品数量"),
                amount=amount,
            )
        )
    raw = first.get("订单状态") or ""
    status = status_of(raw, STATUSES, "订单状态")
    if refunded and refunded >= paid:
        status = "refunded"
    paid_at = moment(first.get("支付完成时间"), "支付完成时间")
    return Sale(
        order_key=key,
        status_raw=raw,
        status=status,
        created_at=moment(first.get("订单提交时间"), "订单提交时间"),
        paid_at=paid_at,
        goods=goods,
        shipping=shipping,
        paid=paid,
        refunded=refunded,
        lines=lines,
    )
