"""The warehouse: migrations that match the models, safe concurrent starts, one portable upsert."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from tasks.warehouse import schema as tables
from tasks.warehouse.engine import (
    current_revision,
    dispose_engines,
    get_engine,
    head_revision,
    reading,
)
from tasks.warehouse.upsert import sqlite_utc, sqlite_utc_column, upsert


def test_migrations_build_exactly_the_models(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert diff == []


def _open(url: str) -> str | None:
    dispose_engines()
    return current_revision(get_engine(url))


@pytest.mark.slow  # processes
def test_many_processes_starting_at_once_migrate_once(warehouse_url: str) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        revisions = pool.map(_open, [warehouse_url] * 8)
    assert set(revisions) == {head_revision()}


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 60000


def test_upsert_inserts_then_updates_and_can_keep_columns(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    first = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    row = {
        "store": "demo",
        "resource": "orders",
        "record_key": "1",
        "reason": "bad",
        "payload": "{}",
        "first_seen_at": first,
        "last_seen_at": first,
    }
    later = first + timedelta(days=1)
    with engine.begin() as conn:
        upsert(conn, tables.quarantine, [row])
        upsert(
            conn,
            tables.quarantine,
            [row | {"reason": "worse", "first_seen_at": later, "last_seen_at": later}],
            keep=["first_seen_at"],
        )
    with engine.connect() as conn:
        stored = conn.execute(select(tables.quarantine)).one()
    assert (stored.reason, stored.first_seen_at, stored.last_seen_at) == ("worse", first, later)


def test_times_come_back_as_the_same_utc_instant_on_both_engines(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    eastern = datetime(2026, 11, 1, 1, 30, 15, 250, tzinfo=timezone(timedelta(hours=-4)))
    with engine.begin() as conn:
        upsert(
            conn,
            tables.traffic_daily,
            [("demo", date(2026, 11, 1), "Direct", 10, 3, 2, 1, "csv", eastern)],
            columns=(
                "store",
                "local_date",
                "channel",
                "sessions",
                "add_to_carts",
                "checkouts",
                "purchases",
                "source",
                "synced_at",
            ),
        )
    with engine.connect() as conn:
        back = conn.execute(
            select(tables.traffic_daily.c.synced_at, tables.traffic_daily.c.local_date)
        ).one()
    assert back.synced_at == eastern and back.synced_at.tzinfo == UTC
    assert back.local_date == date(2026, 11, 1)


def test_naive_times_are_refused(sqlite_url: str) -> None:
    with pytest.raises(ValueError, match="naive datetime"), get_engine(sqlite_url).begin() as conn:
        upsert(
            conn,
            tables.sync_state,
            [
                {
                    "store": "demo",
                    "resource": "orders",
                    "cursor": datetime(2026, 1, 1),
                    "deep_synced_at": None,
                    "last_success_at": None,
                }
            ],
        )


def test_the_metrics_migration_dates_existing_cancellations(sqlite_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from tasks.warehouse.engine import _alembic_config

    engine = create_engine(sqlite_url)
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.exec_driver_sql(
            "INSERT INTO stores (store, platform, timezone, currency, currency_exponent, synced_at)"
            " VALUES ('ny', 'shopify', 'America/New_York', 'USD', 2, '2026-01-01 00:00:00.000000')"
        )
        conn.exec_driver_sql(
            "INSERT INTO orders (store, order_id, name, created_at, updated_at, processed_at,"
            " cancelled_at, local_date, local_week, currency, test, taxes_included,"
            " line_items_minor, discounts_minor, subtotal_minor, shipping_minor, tax_minor,"
            " total_minor, tags, synced_at) VALUES ('ny', 1, '#1', '2026-03-08 05:00:00.000000',"
            " '2026-03-09 03:30:00.000000', '2026-03-08 05:00:00.000000',"
            " '2026-03-09 03:30:00.000000', '2026-03-08', '2026-03-02', 'USD', 0, 0, 100, 0, 100,"
            " 0, 0, 100, '', '2026-03-09 04:00:00.000000')"
        )
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT cancelled_local_date, first_synced_at FROM orders").one()
    # 03:30 UTC on 9 March is 23:30 EDT on 8 March.
    assert row[0] == "2026-03-08"
    assert row[1] == "2026-03-09 04:00:00.000000"


def test_spend_rows_stored_before_take_their_load_time_as_their_exports(sqlite_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from tasks.warehouse.engine import _alembic_config

    engine = create_engine(sqlite_url)
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0013")
        conn.exec_driver_sql(
            "INSERT INTO ad_spend (store, local_date, channel, campaign, currency, spend_minor,"
            " clicks, impressions, content_hash, synced_at) VALUES ('ny', '2026-11-09', 'meta',"
            " 'Prospecting', 'USD', 100, 1, 10, 'a', '2026-11-10 04:00:00.000000')"
        )
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with engine.connect() as conn:
        [at] = conn.exec_driver_sql("SELECT exported_at FROM ad_spend").one()
    assert at == "2026-11-10 04:00:00.000000"


def test_a_reading_connection_leaves_the_sqlite_write_lock_to_writers(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    with reading(engine) as conn:
        conn.execute(select(tables.orders.c.order_id)).all()
        writer = sqlite3.connect(path, timeout=0.2)
        writer.execute("BEGIN IMMEDIATE")  # would raise "database is locked" under a writer
        writer.execute("DELETE FROM orders")
        writer.commit()
        writer.close()
    with engine.begin() as conn:
        conn.execute(select(tables.orders.c.order_id)).all()
        writer = sqlite3.connect(path, timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
        writer.close()


def test_a_column_of_timestamps_is_stored_as_each_one_alone_would_be() -> None:
    east = timezone(timedelta(hours=8))
    values = [
        datetime(2026, 6, 1, 0, 26, 58, tzinfo=UTC),
        None,
        datetime(2026, 6, 1, 8, 26, 58, 123456, tzinfo=east),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    assert sqlite_utc_column(values) == tuple(None if v is None else sqlite_utc(v) for v in values)
    assert sqlite_utc_column(values)[2] == "2026-06-01 00:26:58.123456"
    with pytest.raises(ValueError, match="naive datetime"):
        sqlite_utc_column([*values, datetime(2026, 6, 1)])
