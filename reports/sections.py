"""A digest's content formatted for one language, once, for every renderer to lay out.

Cells are plain, unescaped text; each renderer escapes for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.i18n import Locale
from reports.model import AlertLine, Change, DailyDigest, Kpi, ProductLine

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    #: good, bad or "" (neutral): how a reader should take a change.
    tone: str = ""


@dataclass(frozen=True, slots=True)
class AlertView:
    severity: str  # critical, warning, info: for colour
    severity_label: str
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Sections:
    title: str
    headers: list[str]
    kpi_rows: list[list[Cell]]
    alerts: list[tuple[str, list[AlertView]]]  # (heading, alerts) per state with any
    products: list[tuple[str, list[str]]]  # (heading, lines) for top, risers, fallers
    stock: list[str]
    health: list[str]
    health_ok: bool
    run_url: str | None


def daily_title(digest: DailyDigest, t: Locale) -> str:
    return f"{t('daily_title')} · {digest.store} · {t.day(digest.day)}"


def daily_sections(digest: DailyDigest, t: Locale, sparklines: bool = True) -> Sections:
    """The digest's content; ``sparklines`` off where a real chart shows the trend (HTML)."""
    title = daily_title(digest, t)
    headers = [t("kpi"), t("value"), t("vs_prior"), t("vs_week"), t("vs_year"), t("vs_target")]
    rows = [_kpi_row(k, digest.currency, t, sparklines) for k in digest.kpis]
    alerts = alert_groups(digest.alerts, digest.currency, t)
    money = digest.currency
    products = [
        (
            t(name),
            [product_text(p, money, t) for p in items],
        )
        for name, items in (
            ("top_products", digest.top_products),
            ("risers", digest.risers),
            ("fallers", digest.fallers),
        )
        if items
    ]
    stock = [
        f"{s.variant}: "
        + (
            t("out_of_stock")
            if s.days_of_cover <= 0
            else f"{s.days_of_cover:.1f} {t('days_of_cover')}"
        )
        for s in digest.stock_risks
    ]
    health = digest.data_problems or [t("data_ok")]
    return Sections(
        title,
        headers,
        rows,
        alerts,
        products,
        stock,
        health,
        not digest.data_problems,
        digest.run_url,
    )


def alert_groups(
    alerts: list[AlertLine], currency: str, t: Locale
) -> list[tuple[str, list[AlertView]]]:
    """(heading, alerts) for each of new, ongoing and resolved that has any."""
    return [
        (
            t(state),
            [
                AlertView(a.severity, t(a.severity), alert_text(a, t, currency), alert_why(a, t))
                for a in alerts
                if a.state == state
            ],
        )
        for state in ("new", "ongoing", "resolved")
        if any(a.state == state for a in alerts)
    ]


def kpi_cells(
    k: Kpi,
    currency: str,
    t: Locale,
    changes: tuple[str, ...] = ("prior", "week", "year"),
    sparklines: bool = True,
) -> list[Cell]:
    """Label, value (with its sparkline), and the ``changes`` asked for."""
    label = k.label_zh if t.language == "zh-CN" else k.label_en
    value = t.number(k.value, k.unit, currency)
    if k.trend and sparklines:
        value += " " + sparkline(k.trend)
    cells = [Cell(label), Cell(value)]
    against = {"prior": k.vs_prior, "week": k.vs_week, "year": k.vs_year}
    for change in (against[name] for name in changes):
        cells.append(Cell(t.change(change.ratio, change.points), _tone(change, k.good_when_up)))
    return cells


def _kpi_row(k: Kpi, currency: str, t: Locale, sparklines: bool) -> list[Cell]:
    cells = kpi_cells(k, currency, t, sparklines=sparklines)
    target = k.vs_target
    cells.append(
        Cell(
            t("na") if target is None else f"{target:.0%}",
            "" if target is None else ("good" if target >= 1 else "bad"),
        )
    )
    return cells


def sparkline(values: tuple[float | None, ...]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values
    )


def _tone(change: Change, good_when_up: bool) -> str:
    moved = change.points if change.points is not None else change.ratio
    if moved is None or abs(moved) < 1e-9:
        return ""
    return "good" if (moved > 0) == good_when_up else "bad"


def product_text(p: ProductLine, currency: str, t: Locale) -> str:
    return f"{p.title}: {t.money(p.sales, currency, 0)} ({signed_money(p.change, currency, t)})"


def signed_money(value: float, currency: str, t: Locale) -> str:
    return ("+" if value >= 0 else "") + t.money(value, currency, 0)


#: Driver factors and slices in words.
FACTORS = {
    "orders": ("orders", "订单数"),
    "sessions": ("sessions", "访问量"),
    "purchases": ("purchases", "购买数"),
    "orders/sessions": ("orders per session", "每次访问订单数"),
    "net_sales/orders": ("sales per order", "每单销售额"),
    "total_sales/orders": ("sales per order", "每单销售额"),
    "gross_sales/orders": ("sales per order", "每单销售额"),
    "channel_sales": ("channel", "渠道"),
    "channel_orders": ("channel", "渠道"),
    "channel_sessions": ("traffic source", "流量来源"),
    "new_customer_sales": ("customers", "客户"),
    "new_customer_orders": ("customers", "客户"),
    "returning_customer_sales": ("customers", "客户"),
    "returning_customer_orders": ("customers", "客户"),
    "new customers": ("new customers", "新客"),
    "returning customers": ("returning customers", "老客"),
}


def alert_text(a: AlertLine, t: Locale, currency: str = "") -> str:
    """What happened, in the reader's language when the alert carries its numbers."""
    if a.check != "anomaly" or a.actual is None or a.expected is None:
        return a.message
    label = a.label_zh if t.language == "zh-CN" else a.label_en
    number = lambda v: t.number(v, a.unit, currency)  # noqa: E731
    change = t.change(a.actual / a.expected - 1 if a.expected else None)
    band = f"{number(a.lower)}–{number(a.upper)}"
    if t.language == "zh-CN":
        return f"{label} {number(a.actual)}，预期 {number(a.expected)}（{change}；正常范围 {band}）"
    return (
        f"{label} {number(a.actual)}, expected {number(a.expected)} ({change}; normal range {band})"
    )


def alert_why(a: AlertLine, t: Locale) -> str:
    """The main driver and the slice that moved most, in words."""
    parts = []
    main = a.explanation.get("main_driver")
    for d in a.explanation.get("drivers", []):
        if d["factor"] == main:
            parts.append(f"{_word(d['factor'], t)} {_num(d['actual'])} vs {_num(d['expected'])}")
    top = a.explanation.get("top_slice")
    if top:
        where = f"{_word(top['breakdown'], t)} {_word(str(top['value']), t)}"
        parts.append(f"{where}{t('colon')}{_num(top['actual'])} vs {_num(top['expected'])}")
    if a.explanation.get("special_day"):
        parts.append(t("special_day"))
    return "; ".join(parts)


def _word(key: str, t: Locale) -> str:
    en, zh = FACTORS.get(key, (key, key))
    return zh if t.language == "zh-CN" else en


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def display_width(text: str) -> int:
    """Columns a monospace font gives ``text``: CJK characters take two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def pad(text: str, width: int, left: bool = True) -> str:
    gap = " " * max(0, width - display_width(text))
    return text + gap if left else gap + text
