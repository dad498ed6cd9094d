"""京东 POP: the order export, one row per SKU with the order's money repeated on each."""

from __future__ import annotations

import numpy as np

from connectors.marketplaces.columns import OrderColumns, SaleLines, Sales
from connectors.marketplaces.records import Status

ORDER_ID = "订单号"
ORDERS = frozenset({ORDER_ID, "商品ID", "应付金额", "付款确认时间"})
DELETED = "(删除)"

STATUSES: dict[str, Status] = {
    "等待付款": "pending",
    "等待出库": "paid",
    "等待发货": "paid",
    "暂停": "paid",
    "已锁定": "paid",
    "等待确认收货": "shipped",
    "完成": "completed",
    "已完成": "completed",
    "取消": "refunded",
    "已取消": "refunded",
}


def sales(c: OrderColumns) -> Sales:
    """The 订单号s: 应付金额 and 运费金额 are the order's, counted once however many SKUs."""
    words = [(s or "").replace("（", "(").replace("）", ")") for s in c.firsts(c.texts("订单状态"))]
    deleted = np.array([w.startswith(DELETED) for w in words], dtype=bool)
    raw = [w.removeprefix(DELETED) for w in words]
    status = c.statuses("订单状态", STATUSES, raw)
    paid = c.money("应付金额")[c.first]
    quantity = c.counts("订购数量")
    amount = c.money("京东价") * quantity
    ids = c.texts("商品ID")
    return Sales(
        status_raw=raw,
        status=status,
        created_at=c.moments("下单时间"),
        paid_at=c.moments("付款确认时间"),
        goods=c.total(amount),
        shipping=c.money("运费金额")[c.first],
        paid=paid,
        refunded=np.where(np.array(status) == "refunded", paid, 0),
        lines=SaleLines(
            order=c.order,
            key=c.line_keys(ids),
            title=c.or_key(c.texts("商品名称")),
            sku=[s or i for s, i in zip(c.texts("货号"), ids, strict=True)],
            quantity=quantity,
            amount=amount,
        ),
        deleted=deleted,
    )
