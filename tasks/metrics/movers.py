"""Top products, and the risers and fallers against the previous period, from stored values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select

from connectors.money import currency_exponent, from_minor
from tasks.warehouse import schema as tables


@dataclass(frozen=True, slots=True)
class ProductMove:
    product: str
    title: str
    sales: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.sales - self.previous


def product_moves(conn: Connection, store: str, grain: str, start: date) -> list[ProductMove]:
    """Every product's sales (exact amounts in the store's currency) in the period and in the
    one before it, best sellers first."""
    before = start - timedelta(days=1 if grain == "day" else 7)
    mv = tables.metric_values.c
    rows = conn.execute(
        select(mv.period_start, mv.dimension_value, mv.value_minor, mv.currency).where(
            mv.store == store,
            mv.metric == "product_sales",
            mv.grain == grain,
            mv.period_start.in_((start, before)),
        )
    ).all()
    sales: dict[str, dict[date, Decimal]] = {}
    for period, product, minor, currency in rows:
        if currency is None:  # every stored amount names its currency; guessing one is wrong
            raise ValueError(f"{store}: product_sales of {product} on {period} has no currency")
        amount = from_minor(int(minor or 0), currency_exponent(currency))
        sales.setdefault(product, {})[period] = amount
    titles = product_titles(conn, store, [int(p) for p in sales if p.isdigit()])
    moves = [
        ProductMove(
            product,
            titles.get(int(product), product) if product.isdigit() else product,
            by_period.get(start, Decimal(0)),
            by_period.get(before, Decimal(0)),
        )
        for product, by_period in sales.items()
    ]
    return sorted(moves, key=lambda m: (-m.sales, m.product))


def product_titles(conn: Connection, store: str, product_ids: list[int]) -> dict[int, str]:
    """Each product's title: the catalogue's, else the one its latest order line carried (a
    product deleted from the shop, or not synced yet, is still named, never a bare id)."""
    p, line = tables.products.c, tables.order_lines.c
    titles = dict(
        conn.execute(
            select(p.product_id, p.title).where(p.store == store, p.product_id.in_(product_ids))
        ).all()
    )
    unknown = [i for i in product_ids if i not in titles]
    if unknown:
        latest = (
            select(line.product_id, func.max(line.line_id).label("line_id"))
            .where(line.store == store, line.product_id.in_(unknown))
            .group_by(line.product_id)
            .subquery()
        )
        titles |= dict(
            conn.execute(
                select(line.product_id, line.title)
                .join(
                    latest,
                    (line.product_id == latest.c.product_id) & (line.line_id == latest.c.line_id),
                )
                .where(line.store == store)
            ).all()
        )
    return titles


def top_products(moves: list[ProductMove], limit: int = 5) -> list[ProductMove]:
    return [m for m in moves if m.sales > 0][:limit]


def risers_and_fallers(
    moves: list[ProductMove], limit: int = 5
) -> tuple[list[ProductMove], list[ProductMove]]:
    """The biggest gains and the biggest losses in sales, in money."""
    by_change = sorted(moves, key=lambda m: (m.change, m.product))
    risers = [m for m in reversed(by_change) if m.change > 0][:limit]
    fallers = [m for m in by_change if m.change < 0][:limit]
    return risers, fallers
