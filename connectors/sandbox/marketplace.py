"""Believable export files of Tmall, 抖店, 京东 and 拼多多 shops, and the truth they encode.

The local store's marketplace side: a seeded history in CNY on Asia/Shanghai days, with 双11 and
618 peaks, unpaid and closed orders and refunds, written the way the back-ends write it — Tmall's
订单报表 as GB18030 CSV with a title row, ``="…"`` ids, trailing spaces in headers, masked buyers
and a 合计 row, one file per day (``ExportOrderList<YYYYMMDD>.csv``); 生意参谋's 店铺整体 days as
an HTML table saved as ``.xls`` under its title rows; 抖店's order export as UTF-8 with BOM, one
row per 子订单, tab-wrapped values and ``-`` nulls; 京东's as GB18030 CSV, one row per SKU with
the order's money repeated on each, ``'``-prefixed ids and ``(删除)`` before a deleted order's
status; 拼多多's as xlsx under a ``名称：`` row, one row per order, ``YYMMDD-…`` ids, ``(元)``
headers and a 总计 row. ``truth()`` says, per day, how many orders were paid and what their
buyers paid in fen, from the generator's own records (not the files).

Later changes (``refund``, ``delete``) are written by exporting their day again (``export_day``),
as a team re-downloads an overlapping export.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

Platform = Literal["taobao", "douyin", "jd", "pdd"]
ZONE = "Asia/Shanghai"
CURRENCY = "CNY"
FEN = Decimal("0.01")

TMALL_ITEMS = (
    ("羊绒围巾", "299.00"),
    ("真丝睡衣", "459.00"),
    ("𠮷祥如意红包礼盒", "88.00"),  # 𠮷 is outside GBK: the file must be GB18030
    ("羊毛袜三双装", "69.90"),
    ("保温杯", "129.00"),
    ("香薰蜡烛", "158.00"),
)
DOUYIN_ITEMS = (
    ("防晒霜", "89.00"),
    ("面膜10片装", "59.90"),
    ("口红", "199.00"),
    ("洗面奶", "79.00"),
    ("精华液", "329.00"),
)
TMALL_HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
    "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "联系手机",
    "订单创建时间", "订单付款时间 ", "宝贝标题", "宝贝总数量", "店铺名称", "退款金额",
]  # fmt: skip
DOUYIN_HEADER = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商家编码", "订单应付金额",
    "运费", "收件人", "收件人手机号", "详细地址", "订单提交时间", "支付完成时间", "订单完成时间",
    "订单状态", "售后状态", "平台实际承担优惠金额", "商家实际承担优惠金额", "达人实际承担优惠金额",
]  # fmt: skip
JD_ITEMS = (
    ("保温杯", "59.00"),
    ("杯套", "19.90"),
    ("电热水壶", "149.00"),
    ("蓝牙耳机", "299.00"),
    ("移动电源", "129.00"),
)
PDD_ITEMS = (
    ("纸巾 24包", "39.90"),
    ("洗衣液 3kg", "49.90"),
    ("牙膏 三支装", "19.90"),
    ("拖鞋", "12.80"),
    ("收纳箱", "35.00"),
)
JD_HEADER = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
    "应付金额", "订单状态", "订单类型", "客户姓名", "客户地址", "联系电话", "运费金额",
    "付款确认时间", "货号",
]  # fmt: skip
PDD_HEADER = [
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
    "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
    "商品数量(件)", "支付时间", "售后状态", "商家编码-SKU维度", "收货人", "手机",
]  # fmt: skip
#: The column holding what the buyer paid, per platform (``export_day``'s ``garble`` spoils it).
PAID_COLUMN: dict[str, str] = {
    "taobao": "买家实际支付金额",
    "douyin": "订单应付金额",
    "jd": "应付金额",
    "pdd": "用户实付金额(元)",
}
#: An amount as a person mistypes it: a letter O for a zero.
GARBLED = "1O8.00"
SYCM_HEADER = ["统计日期", "访客数", "浏览量", "加购人数", "下单买家数", "支付买家数", "支付金额"]


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """A marketplace shop's history: ``days`` store-local days ending ``end`` (included)."""

    platform: Platform
    seed: int
    days: int
    orders_per_day: int
    end: date


@dataclass(slots=True)
class Item:
    key: str
    title: str
    price: Decimal
    quantity: int
    #: 抖店 splits each sub-order's discount between platform, shop and creator.
    discounts: tuple[Decimal, Decimal, Decimal] = (Decimal(0), Decimal(0), Decimal(0))
    refunded: bool = False

    @property
    def payable(self) -> Decimal:
        return self.price * self.quantity - sum(self.discounts, Decimal(0))


@dataclass(slots=True)
class MarketOrder:
    order_id: str
    created_at: datetime
    paid_at: datetime | None
    items: list[Item]
    shipping: Decimal
    discount: Decimal
    status: str
    refunded: Decimal = Decimal(0)
    #: 抖店 prices each sub-order net of its own discounts; Tmall discounts the whole order.
    per_item: bool = False
    #: Deleted in the back-end (京东 marks it ``(删除)``): it leaves the truth.
    deleted: bool = False

    @property
    def goods(self) -> Decimal:
        return sum((i.price * i.quantity for i in self.items), Decimal(0))

    @property
    def paid(self) -> Decimal:
        if self.per_item:
            return sum((i.payable for i in self.items), Decimal(0)) + self.shipping
        return self.goods + self.shipping - self.discount


@dataclass(frozen=True, slots=True)
class _Draw:
    """What every order of either platform draws first: when, and how busy its day was."""

    serial: int
    created: datetime
    paid_at: datetime | None
    big_day: bool
    #: Days before the end of history: recent orders are still being shipped.
    recent: int


def peak(day: date) -> float:
    """How much busier than usual a day is: 双11 and 618, their run-ups, weekends."""
    factor = 1.15 if day.weekday() >= 5 else 1.0
    if (day.month, day.day) == (11, 11):
        return factor * 6.0
    if (day.month, day.day) == (6, 18):
        return factor * 4.0
    if (day.month == 11 and day.day < 11) or (day.month == 6 and day.day < 18):
        return factor * 1.35
    return factor


class MarketShop:
    """One marketplace shop's seeded orders, day by day."""

    def __init__(self, spec: MarketSpec) -> None:
        self.spec = spec
        self.orders: list[MarketOrder] = []
        rng = random.Random(spec.seed)
        first = spec.end - timedelta(days=spec.days - 1)
        serial = 0
        for offset in range(spec.days):
            day = first + timedelta(days=offset)
            growth = 1 + 0.2 * offset / 365
            mean = spec.orders_per_day * peak(day) * growth
            for _ in range(max(0, round(rng.gauss(mean, mean**0.5)))):
                serial += 1
                self.orders.append(self._order(rng, day, serial))

    def _order(self, rng: random.Random, day: date, serial: int) -> MarketOrder:
        big_day = peak(day) >= 4
        second = rng.randrange(3600) if big_day and rng.random() < 0.4 else rng.randrange(86_400)
        created = datetime.combine(day, time()) + timedelta(seconds=second)
        unpaid = rng.random() < 0.06
        paid_at = (
            None if unpaid else min(created + timedelta(seconds=rng.randint(5, 600)), _eod(day))
        )
        draw = _Draw(serial, created, paid_at, big_day, (self.spec.end - day).days)
        make = {"taobao": self._tmall, "douyin": self._douyin, "jd": self._jd, "pdd": self._pdd}
        return make[self.spec.platform](rng, draw)

    def _tmall(self, rng: random.Random, draw: _Draw) -> MarketOrder:
        title, price = rng.choice(TMALL_ITEMS)
        item = Item("1", title, Decimal(price), rng.choices((1, 2, 3), (70, 22, 8))[0])
        goods = item.price * item.quantity
        shipping = Decimal("8.00") if goods < 99 and rng.random() < 0.5 else Decimal(0)
        discount = Decimal(0)
        if draw.big_day or rng.random() < 0.2:
            discount = (
                Decimal("50.00")
                if goods >= 400
                else Decimal("20.00")
                if goods >= 200
                else Decimal("5.00")
            )
        order = MarketOrder(
            order_id=f"{2_087_000_000_000_000_000 + self.spec.seed * 10_000_000 + draw.serial}",
            created_at=draw.created,
            paid_at=draw.paid_at,
            items=[item],
            shipping=shipping,
            discount=discount,
            status="交易成功"
            if draw.recent > 10
            else rng.choice(("买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功")),
        )
        if draw.paid_at is None:
            order.status = "等待买家付款" if draw.recent < 2 else "交易被淘宝关闭"
        elif rng.random() < 0.04:
            order.status, order.refunded = "交易关闭", order.paid
        elif rng.random() < 0.03 and item.quantity > 1:
            order.refunded = item.price
        return order

    def _douyin(self, rng: random.Random, draw: _Draw) -> MarketOrder:
        items = []
        for sub in range(rng.choices((1, 2, 3), (75, 20, 5))[0]):
            title, price = rng.choice(DOUYIN_ITEMS)
            quantity = rng.choices((1, 2), (85, 15))[0]
            platform = Decimal("10.00") if draw.big_day and rng.random() < 0.5 else Decimal(0)
            shop = Decimal("5.00") if rng.random() < 0.3 else Decimal(0)
            creator = Decimal("3.00") if rng.random() < 0.1 else Decimal(0)
            items.append(Item(str(sub), title, Decimal(price), quantity, (platform, shop, creator)))
        order = MarketOrder(
            order_id=f"{6_918_000_000_000_000_000 + self.spec.seed * 10_000_000 + draw.serial}",
            created_at=draw.created,
            paid_at=draw.paid_at,
            items=items,
            shipping=Decimal(0),
            discount=Decimal(0),
            status="已完成" if draw.recent > 7 else rng.choice(("待发货", "已发货", "已完成")),
            per_item=True,
        )
        if draw.paid_at is None:
            order.status = "已关闭"
        elif rng.random() < 0.05:
            refunded = rng.choice(items)
            refunded.refunded = True
            order.refunded = refunded.payable
        return order

    def _jd(self, rng: random.Random, draw: _Draw) -> MarketOrder:
        items = []
        for sku in rng.sample(range(len(JD_ITEMS)), rng.choices((1, 2, 3), (70, 22, 8))[0]):
            title, price = JD_ITEMS[sku]
            items.append(Item(f"10000{sku + 1}", title, Decimal(price), rng.choice((1, 1, 2))))
        goods = sum((i.price * i.quantity for i in items), Decimal(0))
        discounted = goods >= 199 and (draw.big_day or rng.random() < 0.3)
        order = MarketOrder(
            order_id=f"{300_000_000_000 + self.spec.seed * 10_000_000 + draw.serial}",
            created_at=draw.created,
            paid_at=draw.paid_at,
            items=items,
            shipping=Decimal("6.00") if goods < 99 else Decimal(0),
            discount=Decimal("20.00") if discounted else Decimal(0),
            status="完成" if draw.recent > 7 else rng.choice(("等待出库", "等待确认收货", "完成")),
        )
        if draw.paid_at is None:
            order.status = "等待付款"
        elif rng.random() < 0.03:
            order.status, order.refunded = "取消", order.paid
        return order

    def _pdd(self, rng: random.Random, draw: _Draw) -> MarketOrder:
        title, price = rng.choice(PDD_ITEMS)
        item = Item("sku", title, Decimal(price), rng.choices((1, 2, 3), (80, 15, 5))[0])
        goods = item.price * item.quantity
        serial = 607_198_974_000_000 + self.spec.seed * 10_000 + draw.serial
        order = MarketOrder(
            order_id=f"{draw.created:%y%m%d}-{serial}",
            created_at=draw.created,
            paid_at=draw.paid_at,
            items=[item],
            shipping=Decimal("3.00") if goods < 20 else Decimal(0),
            discount=Decimal("2.00") if draw.big_day or rng.random() < 0.25 else Decimal(0),
            status="已收货"
            if draw.recent > 7
            else rng.choice(("待发货", "已发货，待签收", "已收货")),
        )
        if draw.paid_at is None:
            order.status = "待支付"
        elif rng.random() < 0.04:
            order.refunded = order.paid  # 售后状态 退款成功
        return order

    def order(self, order_id: str) -> MarketOrder:
        """The order with this id, as the back-end knows it now.

        Raises:
            KeyError: no such order.
        """
        for order in self.orders:
            if order.order_id == order_id:
                return order
        raise KeyError(order_id)

    def refund(self, order_id: str) -> MarketOrder:
        """Refund a paid order in full after the fact, the way its back-end records it."""
        order = self.order(order_id)
        order.refunded = order.paid
        for item in order.items:
            item.refunded = True
        order.status = {"taobao": "交易关闭", "jd": "取消"}.get(self.spec.platform, order.status)
        return order

    def delete(self, order_id: str) -> MarketOrder:
        """Delete an order in the back-end (京东 only: no other export marks a deleted order).

        Raises:
            ValueError: the platform's exports have no mark for a deleted order.
        """
        if self.spec.platform != "jd":
            raise ValueError(f"a {self.spec.platform} export has no mark for a deleted order")
        order = self.order(order_id)
        order.deleted = True
        return order

    def truth(self) -> dict[date, tuple[int, int]]:
        """Per store-local day: the orders paid that day and what their buyers paid, in fen."""
        days: dict[date, tuple[int, int]] = {}
        for order in self.orders:
            if order.paid_at is None or order.deleted:
                continue
            count, fen = days.get(order.paid_at.date(), (0, 0))
            days[order.paid_at.date()] = (count + 1, fen + int(order.paid / FEN))
        return days

    def write(self, folder: Path) -> list[Path]:
        """Write the shop's exports into ``folder``: one order file per day, and (Tmall) the
        生意参谋 shop days."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        days: dict[date, list[MarketOrder]] = {}
        for order in self.orders:
            days.setdefault(order.created_at.date(), []).append(order)
        for day, orders in sorted(days.items()):
            name, data = self._export(day, orders, None)
            path = folder / name
            path.write_bytes(data)
            written.append(path)
        if self.spec.platform == "taobao":
            path = folder / f"【生意参谋平台】店铺整体-{self.spec.end:%Y-%m-%d}.xls"
            path.write_text(_sycm_html(self), encoding="utf-8")
            written.append(path)
        return written

    def export_day(self, day: date, *, garble: str | None = None) -> tuple[str, bytes]:
        """The order export of the orders placed on ``day``, as they stand now: its usual file
        name and its bytes. ``garble`` names an order whose paid amount (``PAID_COLUMN``) is
        written unreadably, as a hand-edited file would have it."""
        return self._export(day, [o for o in self.orders if o.created_at.date() == day], garble)

    def _export(
        self, day: date, orders: list[MarketOrder], garble: str | None
    ) -> tuple[str, bytes]:
        platform = self.spec.platform
        if platform == "taobao":
            text = _tmall_csv(day, orders, garble)
            return f"ExportOrderList{day:%Y%m%d}.csv", text.encode("gb18030")
        if platform == "douyin":
            return f"抖店订单导出_{day:%Y%m%d}.csv", _douyin_csv(orders, garble).encode("utf-8-sig")
        if platform == "jd":
            return f"京东订单导出_{day:%Y%m%d}.csv", _jd_csv(orders, garble).encode("gb18030")
        return f"拼多多订单_{day:%Y%m%d}.xlsx", _pdd_xlsx(orders, garble)


def _eod(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59))


def _moment(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _amount(order: MarketOrder, value: Decimal, garble: str | None) -> str:
    return GARBLED if order.order_id == garble else f"{value:.2f}"


def _tmall_csv(day: date, orders: list[MarketOrder], garble: str | None = None) -> str:
    rows: list[list[str]] = [[f"订单报表 导出范围：{day} 00:00:00 至 {day} 23:59:59"], TMALL_HEADER]
    total = Decimal(0)
    for order in orders:
        paid = order.paid if order.paid_at else Decimal(0)
        total += paid
        item = order.items[0]
        rows.append(
            [
                f'="{order.order_id}"',
                "t**" + order.order_id[-2:],
                "1**********",
                f"{order.goods:.2f}",
                f"{order.shipping:.2f}",
                f"{order.goods + order.shipping:.2f}",
                _amount(order, paid, garble),
                order.status,
                "",
                "*" * 2,
                "浙江省杭州市西湖区****",
                "138****" + order.order_id[-4:],
                _moment(order.created_at),
                _moment(order.paid_at),
                item.title,
                str(item.quantity),
                "storepulse旗舰店",
                f"{order.refunded:.2f}" if order.refunded else "",
            ]
        )
    rows.append(["合计", "", "", "", "", "", f"{total:,.2f}"])
    return _csv(rows)


def _douyin_csv(orders: list[MarketOrder], garble: str | None = None) -> str:
    rows = [DOUYIN_HEADER]
    for order in orders:
        for number, item in enumerate(order.items):
            platform, shop, creator = item.discounts
            cells = [
                order.order_id,
                f"{order.order_id}{item.key}",
                item.title,
                "默认",
                str(item.quantity),
                f"DY-{item.title}",
                _amount(order, item.payable, garble if number == 0 else None),
                "0.00",
                "##" + order.order_id[-6:],
                "$$138" + order.order_id[-8:],
                "******",
                _moment(order.created_at),
                _moment(order.paid_at) or "-",
                "-",
                order.status,
                "退款成功" if item.refunded else "-",
                f"{platform:.2f}",
                f"{shop:.2f}",
                f"{creator:.2f}",
            ]
            rows.append(["\t" + cell for cell in cells])
    return _csv(rows)


def _jd_csv(orders: list[MarketOrder], garble: str | None = None) -> str:
    rows = [JD_HEADER]
    for order in orders:
        status = ("(删除)" if order.deleted else "") + order.status
        paid = order.paid if order.paid_at else order.goods + order.shipping - order.discount
        for number, item in enumerate(order.items):
            rows.append(
                [
                    "'" + order.order_id,
                    item.key,
                    item.title,
                    str(item.quantity),
                    "在线支付",
                    _moment(order.created_at),
                    f"{item.price:.2f}",
                    f"{order.goods:.2f}",
                    _amount(order, paid, garble if number == 0 else None),
                    status,
                    "销售订单",
                    "刘**",
                    "北京市朝阳区****",
                    "138****" + order.order_id[-4:],
                    f"{order.shipping:.2f}",
                    _moment(order.paid_at),
                    f"JD-{item.key}",
                ]
            )
    return _csv(rows)


def _pdd_xlsx(orders: list[MarketOrder], garble: str | None = None) -> bytes:
    # Imported here: only a 拼多多 shop's files need it (the demo writes Tmall and 抖店 files).
    import xlsxwriter

    rows = [["名称：订单导出"], PDD_HEADER]
    total = Decimal(0)
    for order in orders:
        item = order.items[0]
        paid = order.paid if order.paid_at else order.goods + order.shipping - order.discount
        total += paid if order.paid_at else Decimal(0)
        rows.append(
            [
                _moment(order.paid_at or order.created_at),
                item.title,
                order.order_id,
                order.status,
                f"{order.goods:.2f}",
                f"{order.shipping:.2f}",
                f"{order.discount:.2f}",
                "0.00",
                "0.00",
                _amount(order, paid, garble),
                f"{paid:.2f}",
                str(item.quantity),
                _moment(order.paid_at),
                "退款成功" if order.refunded else "无售后或售后取消",
                f"PDD-{item.title}",
                "陈**",
                "138****" + order.order_id[-4:],
            ]
        )
    rows.append(["总计", *[""] * 8, f"{total:.2f}"])
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("订单列表")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def _sycm_html(shop: MarketShop) -> str:
    rows = [
        ["【生意参谋平台】店铺整体"],
        [f"统计时间：{shop.spec.end - timedelta(days=shop.spec.days - 1)} ~ {shop.spec.end}"],
        ["从生意参谋导出的数据格式从第5行开始为正式值"],
        [""],
        SYCM_HEADER,
    ]
    rng = random.Random(shop.spec.seed + 1)
    for day, (buyers, fen) in sorted(shop.truth().items()):
        visitors = round(buyers / rng.uniform(0.025, 0.035))
        carts = round(visitors * rng.uniform(0.08, 0.11))
        rows.append(
            [
                day.isoformat(),
                f"{visitors:,}",
                f"{visitors * 3:,}",
                f"{carts:,}",
                f"{round(buyers * 1.1):,}",
                f"{buyers:,}",
                f"{Decimal(fen) * FEN:,.2f}",
            ]
        )
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows)
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"</head><body><table>\n{body}</table></body></html>\n"
    )
