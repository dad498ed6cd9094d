"""拼多多: the merchant order export, one row per order (orders are single-SKU)."""

from __future__ import annotations

from connectors.marketplaces.files import moment, money, whole
from connectors.marketplaces.records import Sale, SaleLine, Status, status_of

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


def sale(key: str, rows: list[tuple[int, dict[str, str | None]]]) -> Sale:
    """One order row; paid at 支付时间, else 订单成交时间 (the deal is struck on payment)."""
    _, row = rows[0]
    raw = (row.get("订单状态") or "").replace(",", "，")
    status = status_of(raw, STATUSES, "订单状态")
    paid = money(row.get("用户实付金额(元)"), "用户实付金额(元)")
    deal = moment(row.get("订单成交时间"), "订单成交时间")
    paid_at = moment(row.get("支付时间"), "支付时间") or (deal if status != "pending" else None)
    refunded = paid if (row.get("售后状态") or "") in REFUNDED else money(None, "")
    if refunded:
        status = "refunded"
    goods = money(row.get("商品总价(元)"), "商品总价(元)")
    return Sale(
        order_key=key,
        status_raw=raw,
        status=status,
        created_at=deal,
        paid_at=paid_at,
        goods=goods,
        shipping=money(row.get("邮费(元)"), "邮费(元)"),
        paid=paid,
        refunded=refunded,
        lines=[
            SaleLine(
                key="sku",
                title=row.get("商品") or key,
                sku=row.get("商家编码-SKU维度") or row.get("商家编码-规格维度"),
                quantity=whole(row.get("商品数量(件)"), "商品数量(件)") or 1,
                amount=goods,
            )
        ],
    )
