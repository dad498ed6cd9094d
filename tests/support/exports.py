"""Seeded 抖店 order exports of any size, for the import tests and the import benchmark."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

HEADER = [
    "主订单编号", "子订单编号", "选购商品", "商品数量", "商家编码", "订单应付金额", "运费",
    "收件人", "收件人手机号", "详细地址", "订单提交时间", "支付完成时间", "订单状态", "售后状态",
    "平台实际承担优惠金额", "商家实际承担优惠金额",
]  # fmt: skip
PRODUCTS = [("连衣裙", "199.00"), ("丝巾", "59.90"), ("凉鞋", "129.00"), ("防晒霜", "89.00")]


def douyin_export(rows: int, seed: int, start: datetime, first_id: int = 0) -> bytes:
    """A UTF-8-with-BOM 抖店 export of ``rows`` sub-orders (one to three per order), tab-wrapped
    ids and ``-`` nulls as the back-end writes them; order ids count up from ``first_id``."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(HEADER)
    written, order = 0, first_id
    while written < rows:
        order += 1
        placed = start + timedelta(seconds=rng.randrange(86_400 * 7))
        paid = "-" if rng.random() < 0.05 else f"{placed + timedelta(seconds=30):%Y-%m-%d %H:%M:%S}"
        for sub in range(min(rng.randint(1, 3), rows - written)):
            title, price = rng.choice(PRODUCTS)
            quantity = rng.randint(1, 3)
            payable = Decimal(price) * quantity - Decimal(rng.choice(("0", "5.00", "10.00")))
            out.writerow(
                [
                    f"\t{6_900_000_000_000_000_000 + order}",
                    f"\t{6_900_000_000_000_000_000 + order * 10 + sub}",
                    title,
                    quantity,
                    f"SKU-{title}",
                    f"{payable:,.2f}",
                    "0",
                    "##masked",
                    "$$masked",
                    "*****",
                    f"{placed:%Y-%m-%d %H:%M:%S}",
                    paid,
                    "已完成" if paid != "-" else "已关闭",
                    "退款成功" if rng.random() < 0.03 else "-",
                    "0",
                    "0",
                ]
            )
            written += 1
    return buffer.getvalue().encode("utf-8-sig")


def write_douyin_exports(folder: Path, files: int, rows: int, start: datetime) -> list[Path]:
    """``files`` exports of distinct orders in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(files):
        path = folder / f"orders_{number:03}.csv"
        path.write_bytes(douyin_export(rows, number, start, first_id=number * rows))
        paths.append(path)
    return paths
