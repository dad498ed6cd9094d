"""京东 POP: the order export, one row per SKU with the order's money repeated on each."""

from __future__ import annotations

from decimal import Decimal

from connectors.marketplaces.files import moment, money, whole
from connectors.marketplaces.records import Sale, SaleLine, Status, status_of

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


def sale(key: str, rows: list[tuple[int, dict[str, str | None]]]) -> Sale:
    """One 订单号: 应付金额 and 运费金额 are the order's, counted once however many SKUs."""
    _, first = rows[0]
    raw = (first.get("订单状态") or "").replace("（", "(").replace("）", ")")
    deleted = raw.startswith(DELETED)
    raw = raw.removeprefix(DELETED)
    status = status_of(raw, STATUSES, "订单状态")
    paid = money(first.get("应付金额"), "应付金额")
    lines: list[SaleLine] = []
    goods = Decimal(0)
    for _, row in rows:
        quantity = whole(row.get("订购数量"), "订购数量")
        amount = money(row.get("京东价"), "京东价") * quantity
        goods += amount
        lines.append(
            SaleLine(
                key=row.get("商品ID") or f"{len(lines)}",
                title=row.get("商品名称") or key,
                sku=row.get("货号") or row.get("商品ID"),
                quantity=quantity,
                amount=amount,
            )
        )
    return Sale(
        order_key=key,
        status_raw=raw,
        status=status,
        created_at=moment(first.get("下单时间"), "下单时间"),
        paid_at=moment(first.get("付款确认时间"), "付款确认时间"),
        goods=goods,
        shipping=money(first.get("运费金额"), "运费金额"),
        paid=paid,
        refunded=paid if status == "refunded" else Decimal(0),
        lines=lines,
        deleted=deleted,
    )
