"""The catalogue on a hand-checked store: DST, late refunds, cancellations, test and deleted
orders, an empty day, two currencies. Every expected value below was worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.config import parse_config
from tasks.metrics import compute
from tasks.metrics.costs import load_costs_csv
from tasks.metrics.query import metric_rows
from tasks.metrics.rollup import ROLLUP, load_rates_csv
from tasks.metrics.run import refresh_metrics
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.tasks.metrics.fixtures import DELETED_ID, load, new_york_orders, order

TODAY = date(2026, 3, 20)
CONFIG = {
    "stores": [
        {
            "name": "ny",
            "platform": "shopify",
            "url": "http://x",
            "timezone": "America/New_York",
            "currency": "USD",
            "token_env": "T",
        },
        {
            "name": "berlin",
            "platform": "shopify",
            "url": "http://y",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "token_env": "T",
        },
    ],
    "reporting_currency": "USD",
    "targets": [{"store": "ny", "metric": "net_sales", "month": "2026-03", "value": 3100}],
}


@pytest.fixture
def computed(warehouse_url: str, tmp_path: Path) -> str:
    engine = get_engine(warehouse_url)
    load(engine, "ny", "America/New_York", "USD", new_york_orders(), deleted=(DELETED_ID,))
    load(
        engine,
        "berlin",
        "Europe/Berlin",
        "EUR",
        [order("2026-03-09T20:00:00+01:00", [("100.00", 1, "0.00")], customer=9, currency="EUR")],
    )
    rates = tmp_path / "rates.csv"
    rates.write_text("day,currency,reporting_currency,rate\n2026-03-01,EUR,USD,1.10\n")
    with engine.begin() as conn:
        load_rates_csv(conn, rates)
    refresh_metrics(parse_config(CONFIG), warehouse_url, today=TODAY)
    return warehouse_url


def values(url: str, store: str, grain: str, day: date) -> dict[str, Any]:
    with get_engine(url).connect() as conn:
        rows = metric_rows(conn, store, grain, day, day)
    return {
        r["metric"] if not r["dimension"] else (r["metric"], r["dimension_value"]): r["value"]
        for r in rows
    }


def test_a_dst_day_counts_its_23_hours_and_leaves_test_and_deleted_orders_out(
    computed: str,
) -> None:
    day = values(computed, "ny", "day", date(2026, 3, 8))
    assert day["orders"] == 3  # 23:30 EDT still belongs to Sunday; the test order is out
    assert day["gross_sales"] == Decimal("100.00")
    assert day["discounts"] == Decimal("2.00")
    assert day["returns"] == Decimal("0.00")
    assert day["net_sales"] == Decimal("98.00")
    assert day["shipping"] == Decimal("5.00")
    assert day["taxes"] == Decimal("7.84")
    assert day["total_sales"] == Decimal("110.84")
    assert day["aov"] == Decimal("32.67")  # 98.00 / 3, to the cent
    assert day["units"] == 4
    assert day["cancellation_rate"] == pytest.approx(1 / 3)
    assert day["new_customers"] == 2
    assert day["returning_customer_orders"] == 1
    assert day["repeat_purchase_rate"] == pytest.approx(0.5)
    assert day["discount_code_order_share"] == pytest.approx(1 / 3)
    assert day[("channel_orders", "online_store")] == 3
    assert day[("discount_code_orders", "SPRING20")] == 1
    monday = values(computed, "ny", "day", date(2026, 3, 9))
    assert monday["orders"] == 1  # the deleted order is out
    assert monday["guest_orders"] == 1


def test_refunds_and_voided_cancellations_land_on_their_own_days(computed: str) -> None:
    tuesday = values(computed, "ny", "day", date(2026, 3, 10))
    assert tuesday["orders"] == 0
    assert tuesday["returns"] == Decimal("50.00")  # the voided order, reversed when cancelled
    assert tuesday["net_sales"] == Decimal("-50.00")
    assert tuesday["taxes"] == Decimal("-4.00")
    thursday = values(computed, "ny", "day", date(2026, 3, 12))
    assert thursday["returns"] == Decimal("5.00")
    assert thursday["taxes"] == Decimal("-0.40")
    assert thursday["refund_rate"] is None  # no gross sales that day: n/a, not infinity


def test_a_day_without_orders_is_a_day_of_zeros(computed: str) -> None:
    wednesday = values(computed, "ny", "day", date(2026, 3, 11))
    assert wednesday["orders"] == 0
    assert wednesday["net_sales"] == Decimal("0.00")
    assert wednesday["aov"] is None
    assert wednesday["conversion_rate"] is None


def test_weeks_run_monday_to_sunday_and_add_up_their_days(computed: str) -> None:
    first = values(computed, "ny", "week", date(2026, 3, 2))
    assert (first["orders"], first["net_sales"]) == (3, Decimal("98.00"))
    second = values(computed, "ny", "week", date(2026, 3, 9))
    assert second["orders"] == 1
    assert second["gross_sales"] == Decimal("15.00")
    assert second["returns"] == Decimal("55.00")
    assert second["net_sales"] == Decimal("-40.00")


def test_two_currencies_roll_up_at_the_stated_rate(computed: str) -> None:
    monday = values(computed, ROLLUP, "day", date(2026, 3, 9))
    assert monday["gross_sales"] == Decimal("125.00")  # 15.00 USD + 100.00 EUR × 1.10
    assert monday["orders"] == 2
    assert values(computed, "berlin", "day", date(2026, 3, 9))["gross_sales"] == Decimal("100.00")


def test_targets_give_attainment_and_pacing(computed: str) -> None:
    day = values(computed, "ny", "day", date(2026, 3, 8))
    # 98.00 of 3,100.00 by 8 March; 8 of 31 days gone; no history, so weekdays weigh the same.
    assert day[("target_attainment", "net_sales")] == pytest.approx(98 / 3100)
    assert day[("target_pacing_linear", "net_sales")] == pytest.approx(98 / (3100 * 8 / 31))
    assert day[("target_pacing_weekday", "net_sales")] == pytest.approx(98 / (3100 * 8 / 31))


def test_money_is_stored_in_exact_minor_units(computed: str) -> None:
    mv = tables.metric_values.c
    with get_engine(computed).connect() as conn:
        stored = conn.execute(
            select(mv.value_minor, mv.value, mv.currency).where(
                mv.store == "ny",
                mv.metric == "taxes",
                mv.grain == "day",
                mv.period_start == date(2026, 3, 8),
            )
        ).one()
    assert (stored.value_minor, stored.value, stored.currency) == (784, None, "USD")


def test_a_changed_target_recomputes_its_month(
    computed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compute, "IN_FLIGHT", timedelta(0))  # nothing else writes here
    config = CONFIG | {
        "targets": [{"store": "ny", "metric": "net_sales", "month": "2026-03", "value": 6200}]
    }
    refresh_metrics(parse_config(config), computed, today=TODAY)
    day = values(computed, "ny", "day", date(2026, 3, 8))
    assert day[("target_attainment", "net_sales")] == pytest.approx(98 / 6200)
    refresh_metrics(parse_config(config | {"targets": []}), computed, today=TODAY)
    assert ("target_attainment", "net_sales") not in values(computed, "ny", "day", date(2026, 3, 8))


def test_a_cost_file_gives_margins_and_recomputes_history(
    computed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compute, "IN_FLIGHT", timedelta(0))  # nothing else writes here
    assert values(computed, "ny", "day", date(2026, 3, 8))["gross_margin"] is None
    costs = tmp_path / "costs.csv"
    costs.write_text("sku,cost\nSKU,4.00\n")
    config = parse_config(CONFIG)
    with get_engine(computed).begin() as conn:
        load_costs_csv(conn, costs, config.store("ny"))
    [ny, _] = refresh_metrics(config, computed, today=TODAY).stores
    assert ny.full  # a unit cost applies to every day it was sold on
    day = values(computed, "ny", "day", date(2026, 3, 8))
    # Lines sold for 19.00 + 30.00 + 50.00, four units at 4.00 each.
    assert day["gross_profit"] == Decimal("83.00")
    assert day["gross_margin"] == pytest.approx(83 / 99)


def test_the_cli_prints_csv_and_tables_and_refuses_an_ambiguous_store(
    computed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml
    from typer.testing import CliRunner

    from flows.cli import app
    from tasks.warehouse.engine import DATABASE_URL_ENV

    monkeypatch.setenv(DATABASE_URL_ENV, computed)
    path = tmp_path / "storepulse.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    runner = CliRunner()
    base = ["metrics", "--config", str(path), "--from", "2026-03-08", "--to", "2026-03-08"]
    ambiguous = runner.invoke(app, base)
    assert ambiguous.exit_code == 2 and "--store" in ambiguous.output
    csv_out = runner.invoke(app, [*base, "--store", "ny", "-m", "net_sales", "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    assert csv_out.output.splitlines() == [
        "metric,period_start,dimension,dimension_value,value,unit,currency,complete",
        "net_sales,2026-03-08,,,98.00,money,USD,True",
    ]
    table = runner.invoke(app, [*base[:-1], "2026-03-11", "--store", "ny", "-m", "aov"])
    assert "32.67 USD" in table.output  # 8 March
    assert "n/a" in table.output  # 11 March: no orders, so no average
    rollup = runner.invoke(app, [*base, "--rollup", "-m", "orders", "--format", "json"])
    assert '"value": 3.0' in rollup.output
