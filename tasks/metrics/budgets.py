"""Monthly ad budgets and how each month's spend is pacing against them.

Budgets come from ``storepulse.yaml`` (``budgets:``), for a store's whole spend or one ad
channel, in the store's currency. For every day of a month with a budget:

- spent: month-to-date spend ÷ the month's budget;
- pacing: month-to-date spend ÷ (budget × days elapsed ÷ days in the month); above 1 the
  month is spending faster than its budget allows;
- projected: month-to-date spend ÷ days elapsed × days in the month (where the month ends at
  the pace so far).

Days elapsed count the day itself: on the 10th of a 30-day month a third of it has gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from connectors.config import Config
from connectors.errors import ConfigError
from connectors.money import currency_exponent, to_minor
from tasks.metrics.facts import Facts, days
from tasks.metrics.targets import month_end, month_start, weeks_of
from tasks.metrics.values import MetricValue
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

b = tables.ad_budgets.c
#: The dimension value of a budget for the store's whole spend.
ALL_CHANNELS = "all"


@dataclass(frozen=True, slots=True)
class Pace:
    """Where a month's spend stands on one day against its budget (minor units)."""

    spent_share: float
    pacing: float
    projected_minor: int


def pace(spent_minor: int, budget_minor: int, day: date) -> Pace:
    """Month-to-date spend through ``day`` against the month's budget."""
    elapsed = day.day
    length = month_end(day).day
    return Pace(
        spent_share=spent_minor / budget_minor,
        pacing=spent_minor / (budget_minor * elapsed / length),
        projected_minor=round(spent_minor / elapsed * length),
    )


def load_config_budgets(conn: Connection, config: Config) -> int:
    """Make the warehouse's budgets match the file; return how many changed. A budget taken
    out of the file is withdrawn (emptied), so its month is recomputed without it."""
    now = datetime.now(UTC)
    wanted = {}
    for index, budget in enumerate(config.budgets):
        store = config.store(budget.store)
        try:
            minor = to_minor(budget.amount, currency_exponent(store.currency))
        except ValueError:
            raise ConfigError(
                f"budgets[{index}].amount: {budget.amount} has more decimals than {store.currency}"
            ) from None
        month = date.fromisoformat(f"{budget.month}-01")
        wanted[(store.name, budget.channel or "", month)] = minor
    stored = {
        (r.store, r.channel, r.month): r.budget_minor
        for r in conn.execute(select(tables.ad_budgets))
    }
    changed = [
        {"store": s, "channel": c, "month": m, "budget_minor": minor, "loaded_at": now}
        for (s, c, m), minor in wanted.items()
        if stored.get((s, c, m)) != minor
    ]
    changed += [
        {"store": s, "channel": c, "month": m, "budget_minor": None, "loaded_at": now}
        for (s, c, m), minor in stored.items()
        if (s, c, m) not in wanted and minor is not None
    ]
    return upsert(conn, tables.ad_budgets, changed)


def budgets_changed_since(conn: Connection, store: str, since: datetime) -> date | None:
    """The first month whose budget changed after ``since``."""
    return conn.execute(
        select(func.min(b.month)).where(b.store == store, b.loaded_at > since)
    ).scalar()


def has_budgets(conn: Connection, store: str) -> bool:
    return conn.execute(select(b.month).where(b.store == store).limit(1)).first() is not None


def budget_values(
    conn: Connection, store: str, facts: Facts, start: date, end: date, today: date
) -> list[MetricValue]:
    """Spent share, pacing and projection for every day ``start``…``end`` of a month with a
    budget. ``facts`` must cover the month of ``start`` from its first day."""
    budgets = conn.execute(
        select(b.channel, b.month, b.budget_minor).where(
            b.store == store,
            b.month.between(month_start(start), end),
            b.budget_minor.is_not(None),
        )
    ).all()
    values: list[MetricValue] = []
    for channel, month, budget_minor in budgets:
        dimension_value = channel or ALL_CHANNELS
        spent, unconverted = 0, False
        for day in days(month, month_end(month)):
            measures = (
                facts.get("day", day, "ad_channel", channel) if channel else facts.get("day", day)
            )
            spent += int(measures.get("spend_minor") or 0)
            # Spend without a rate to convert it is unknown, not zero: the month-to-date is n/a.
            unconverted = unconverted or bool(measures.get("unconverted_spend"))
            if start <= day <= end:
                p = None if unconverted else pace(spent, budget_minor, day)
                values += _pace_values(p, day, dimension_value, complete=day < today)
    return values + weeks_of(values, today)


def _pace_values(
    p: Pace | None, day: date, dimension_value: str, complete: bool
) -> list[MetricValue]:
    """A day's three budget values; all n/a when ``p`` is None."""
    triples: tuple[tuple[str, int | None, float | None], ...] = (
        ("budget_spent", None, p.spent_share if p else None),
        ("spend_pacing", None, p.pacing if p else None),
        ("projected_spend", p.projected_minor if p else None, None),
    )
    return [
        MetricValue(name, "day", day, "budget", dimension_value, minor, number, complete)
        for name, minor, number in triples
    ]
