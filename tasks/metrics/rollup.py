"""Several stores as one, in one reporting currency, at a stated daily rate.

Rates come from the ``exchange_rates`` table, which the user loads (``storepulse rates load``);
nothing is fetched. A day uses the latest rate on or before it. Money is converted day by day,
before any week is summed, so a week's total is the sum of its converted days.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from connectors.config import Config
from connectors.csv_files import csv_rows
from connectors.errors import ConfigError
from tasks.metrics.collect import collect
from tasks.metrics.compute import evaluate_periods, replace_values
from tasks.metrics.facts import PERIOD_MEASURES, Facts, sum_weeks, week_of
from tasks.metrics.rates import Rates, convert_minor
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

#: The store name roll-ups are kept under (configured names cannot start with "_").
ROLLUP = "_all"
#: Breakdowns that do not add up across stores (each store has its own products).
NOT_ROLLED = {"product", "variant"}
#: Ratios of one store's stock and sales; meaningless summed.
NOT_SUMMABLE = {"days_of_cover", "median_second_order_days"}


def load_rates_csv(conn: Connection, path: Path) -> int:
    """Store daily rates from a CSV with ``day,currency,reporting_currency,rate``."""
    rows = []
    for where, row in csv_rows(path, "rates", ("day", "currency", "reporting_currency", "rate")):
        try:
            day = date.fromisoformat(row["day"])
            rate = Decimal(row["rate"])
        except (ValueError, InvalidOperation):
            raise ConfigError(f"{where}: needs a YYYY-MM-DD day and a decimal rate") from None
        if rate <= 0:
            raise ConfigError(f"{where}: rate must be positive")
        rows.append(
            {
                "day": day,
                "currency": row["currency"].upper(),
                "reporting_currency": row["reporting_currency"].upper(),
                "rate": str(rate),
                "source": path.name[:64],
            }
        )
    return upsert(conn, tables.exchange_rates, rows)


def combined_facts(conn: Connection, config: Config, start: date, end: date) -> Facts:
    """Every store's day measures converted and added up, then summed into weeks."""
    currency = config.rollup_currency
    combined = Facts()
    for store in config.stores:
        facts = collect(conn, store.name, start, end)
        rates = Rates(conn, store.currency, currency)
        for (grain, day, dimension, value), measures in facts.values.items():
            if dimension in NOT_ROLLED:
                continue
            if grain == "week":  # only what a week defines itself; the rest is re-summed
                combined.add(
                    (grain, day, dimension, value),
                    {
                        k: v
                        for k, v in measures.items()
                        if k in PERIOD_MEASURES and k not in NOT_SUMMABLE
                    },
                )
                continue
            rate = rates.minor_factor(day)
            combined.add(
                (grain, day, dimension, value),
                {k: _convert(k, v, rate) for k, v in measures.items() if k not in NOT_SUMMABLE},
            )
    sum_weeks(combined)
    return combined


def _convert(name: str, value: Any, rate: Decimal) -> Any:
    if value is None or not name.endswith("_minor"):
        return value
    return convert_minor(value, rate)


def refresh_rollup(engine: Engine, config: Config, start: date, end: date, today: date) -> int:
    """Recompute the roll-up's days ``start``…``end`` and their weeks; return the value count."""
    week_end = week_of(end) + timedelta(days=6)
    with engine.connect() as conn:
        facts = combined_facts(conn, config, week_of(start), week_end)
    rows = evaluate_periods(facts, start, end, today)
    with engine.begin() as conn:
        replace_values(conn, ROLLUP, config.rollup_currency, start, end, rows)
    return len(rows)
