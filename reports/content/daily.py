"""What the daily digest says: the KPI table, alerts, products, stock and data health.

Cells are plain, unescaped text; each medium escapes for itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reports.content.alerts import AlertView, alert_groups, finding_text
from reports.i18n import Locale
from reports.model import Amount, Change, DailyDigest, Kpi, ProductLine, SpecialDay, TrafficFunnel

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    #: good, bad or "" (neutral): how a reader should take a change.
    tone: str = ""


@dataclass(frozen=True, slots=True)
class DailySections:
    title: str
    headers: list[str]
    kpi_rows: list[list[Cell]]
    alerts: list[tuple[str, list[AlertView]]]  # (heading, alerts) per state with any
    products: list[tuple[str, list[str]]]  # (heading, lines) for top, risers, fallers
    stock: list[str]
    #: (heading, lines): "Traffic: GA4" and the funnel by channel, when a source covers the day.
    traffic: list[tuple[str, list[str]]]
    health: list[str]
    health_ok: bool
    run_url: str | None
    #: On an event day: what its KPIs were expected from ("vs expected" then leads the changes).
    special_day: str | None = None

    @property
    def lists(self) -> list[tuple[str, list[str]]]:
        """The sections that are a heading and its lines, in reading order."""
        return [*self.products, *self.traffic]


def daily_title(digest: DailyDigest, t: Locale) -> str:
    return f"{t('daily_title')} · {digest.store} · {t.day(digest.day)}"


def daily_sections(digest: DailyDigest, t: Locale, sparklines: bool = True) -> DailySections:
    """The digest's content; ``sparklines`` off where a real chart shows the trend (HTML)."""
    changes = ("expected",) if digest.special_day else ()
    headers = [t("kpi"), t("value"), *(t(f"vs_{c}") for c in changes)]
    headers += [t("vs_prior"), t("vs_week"), t("vs_year"), t("vs_target")]
    money = digest.currency
    products = [
        (t(name), [product_text(p, money, t) for p in items])
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
    problems = digest.data_problems
    health = [finding_text(p.check, p.params, p.message, t) for p in problems] or [t("data_ok")]
    return DailySections(
        daily_title(digest, t),
        headers,
        [_kpi_row(k, money, t, sparklines, changes) for k in digest.kpis],
        alert_groups(digest.alerts, money, t),
        products,
        stock,
        traffic_section(digest.traffic, t),
        health,
        not digest.data_problems,
        digest.run_url,
        special_day_text(digest.special_day, digest.day, t) if digest.special_day else None,
    )


def special_day_text(s: SpecialDay, day: date, t: Locale) -> str:
    """What the event day was expected from, in a sentence."""
    key = f"special_{s.source}"
    if s.source == "same_event" and not _a_year_before(s.past, day):
        key = "special_same_event_before"
    past = ", ".join(t.day(d) for d in s.past)
    return t(key).format(event=s.event, past=past, similar=s.similar)


def _a_year_before(past: tuple[date, ...], day: date) -> bool:
    """One past day, about a year before (a yearly event moves a few days either way)."""
    return len(past) == 1 and 300 <= (day - past[0]).days <= 430


def traffic_section(traffic: TrafficFunnel | None, t: Locale) -> list[tuple[str, list[str]]]:
    """ "Traffic: GA4" (or CSV) over the funnel of each channel and its conversion, busiest
    channel first, then what GA4 said of the report's quality."""
    if traffic is None or not traffic.channels:
        return []
    heading = t("traffic_from").format(source=t(f"source_{traffic.source}"))
    lines = [t("funnel_steps")]
    for c in sorted(traffic.channels, key=lambda c: (-c.sessions, c.channel)):
        steps = " → ".join(f"{n:,}" for n in (c.sessions, c.add_to_carts, c.checkouts, c.purchases))
        lines.append(f"{c.channel}: {steps} · {t.number(c.conversion, 'ratio', '')}")
    if traffic.sampled_share is not None:
        lines.append(t("ga4_sampled").format(share=traffic.sampled_share))
    if traffic.thresholded:
        lines.append(t("ga4_thresholded"))
    if traffic.other_row:
        lines.append(t("ga4_other_row"))
    return [(heading, lines)]


def kpi_cells(
    k: Kpi,
    currency: str,
    t: Locale,
    changes: tuple[str, ...] = ("prior", "week", "year"),
    sparklines: bool = True,
) -> list[Cell]:
    """Label, value (with its sparkline), and the ``changes`` asked for."""
    value = t.number(k.value, k.unit, currency)
    if k.trend and sparklines:
        value += " " + sparkline(k.trend)
    cells = [Cell(t.metric(k.metric)), Cell(value)]
    against = {
        "prior": k.vs_prior,
        "week": k.vs_week,
        "year": k.vs_year,
        "expected": k.vs_expected or Change(None),
    }
    for change in (against[name] for name in changes):
        cells.append(Cell(t.change(change.ratio, change.points), _tone(change, k.good_when_up)))
    return cells


def _kpi_row(
    k: Kpi, currency: str, t: Locale, sparklines: bool, first: tuple[str, ...] = ()
) -> list[Cell]:
    """The KPI's cells: the ``first`` changes (the expectation on an event day), then the
    usual three and the target pace."""
    cells = kpi_cells(k, currency, t, (*first, "prior", "week", "year"), sparklines)
    target = k.vs_target
    cells.append(
        Cell(
            t("na") if target is None else f"{target:.0%}",
            "" if target is None else ("good" if target >= 1 else "bad"),
        )
    )
    return cells


def sparkline(values: tuple[Amount | None, ...]) -> str:
    known = [float(v) for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else SPARKS[round((float(v) - low) / span * (len(SPARKS) - 1))]
        for v in values
    )


def _tone(change: Change, good_when_up: bool) -> str:
    moved = change.points if change.points is not None else change.ratio
    if moved is None or abs(moved) < 1e-9:
        return ""
    return "good" if (moved > 0) == good_when_up else "bad"


def product_text(p: ProductLine, currency: str, t: Locale) -> str:
    return f"{p.title}: {t.money(p.sales, currency, 0)} ({signed_money(p.change, currency, t)})"


def signed_money(value: Decimal, currency: str, t: Locale) -> str:
    return ("+" if value >= 0 else "") + t.money(value, currency, 0)
