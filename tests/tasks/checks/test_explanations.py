"""Alerts that tell the story: special days expected from the same event before, and drivers
compared with the expectation the alert used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connectors.config import Config, parse_config
from connectors.sandbox import Anomaly, DemoStore, StoreSpec
from connectors.sandbox.catalog import Calendar
from flows.cli.demo_run import DEMO_SPEC
from tasks.checks.findings import Finding
from tasks.checks.run import run_checks
from tasks.metrics.run import refresh_metrics
from tasks.warehouse.engine import dispose_engines
from tests.conftest import TOKEN, TOKEN_ENV, store_entry
from tests.support.helpers import run_sync

CYBER_MONDAY = date(2026, 11, 30)
ORDINARY_DAY = date(2026, 12, 1)
#: A checkout broken all day: as many visitors, a fifth of the orders.
KIND, SIZE = "conversion_drop", 0.8
#: The demo shop, smaller (half its orders, enough days for last year's Cyber Monday and the
#: sixteen weeks before it), with a broken checkout on Cyber Monday and again the next day, an
#: ordinary one.
SPEC = StoreSpec(
    seed=DEMO_SPEC.seed,
    days=500,
    orders_per_day=30,
    end_date=ORDINARY_DAY,
    anomalies=(Anomaly(CYBER_MONDAY, KIND, SIZE), Anomaly(ORDINARY_DAY, KIND, SIZE)),
)


@pytest.fixture(scope="module")
def warehouse(
    sandbox_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Config, str]]:
    """The shop synced into a SQLite warehouse with its metrics, and its configuration."""
    folder = tmp_path_factory.mktemp("explanations")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    os.environ[TOKEN_ENV] = TOKEN
    with DemoStore.start(SPEC, token=TOKEN, plan="plus", data_dir=sandbox_cache) as store:
        (folder / "traffic.csv").write_text(store.traffic_csv(), encoding="utf-8")
        campaigns = Calendar.for_years(range(2025, 2027)).campaigns()
        config = parse_config(
            {
                "stores": [store_entry(store.url, traffic_csv=str(folder / "traffic.csv"))],
                "campaigns": [
                    {"name": code, "start": str(start), "end": str(end)}
                    for code, start, end in campaigns
                ],
            }
        )
        run_sync(config.stores[0], url, now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    refresh_metrics(config, url, today=ORDINARY_DAY + timedelta(days=1))
    yield config, url
    dispose_engines()


def findings_on(warehouse: tuple[Config, str], day: date) -> dict[str, Finding]:
    config, url = warehouse
    as_of = datetime(2026, 12, 2, 14, tzinfo=UTC)
    run = run_checks(config, url, report_date=day, as_of=as_of, page=False)
    return {f.metric: f for f in run.findings if f.check == "anomaly"}


@pytest.mark.parametrize("day", [CYBER_MONDAY, ORDINARY_DAY])
def test_a_broken_checkout_is_explained_by_purchases_never_sessions(
    warehouse: tuple[Config, str], day: date
) -> None:
    found = findings_on(warehouse, day)
    assert "orders" in found  # orders fell to a fifth of what the day should have brought
    for metric, main in (("orders", "orders/sessions"), ("conversion_rate", "purchases")):
        if metric not in found:
            continue
        explanation = found[metric].explanation
        assert explanation["main_driver"] == main
        sessions = next(d for d in explanation["drivers"] if d["factor"] == "sessions")
        assert sessions["held"]  # as many visitors as the day should have brought
    if day == CYBER_MONDAY:  # compared with last year's Cyber Monday, not an ordinary Monday
        assert found["orders"].explanation["expectation"] == {
            "code": "same_event",
            "event": "BFCM25",
            "past": ["2025-12-01"],
        }
        ordinary = findings_on(warehouse, ORDINARY_DAY)["orders"]
        assert found["orders"].expected > 2 * ordinary.expected
