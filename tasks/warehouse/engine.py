"""Open the warehouse: the URL, SQLite's pragmas, and migrations applied once, under a lock."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DATABASE_URL_ENV = "STOREPULSE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///storepulse.db"
MIGRATIONS = Path(__file__).with_name("migrations")
#: Any constant shared by every storepulse process; it names the PostgreSQL advisory lock.
_PG_MIGRATION_LOCK = 0x5_70_7E_9A_15E

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def database_url(explicit: str | None = None) -> str:
    """The warehouse URL: the argument, then ``$STOREPULSE_DATABASE_URL``, then ./storepulse.db."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Return this process's engine for the warehouse, upgrading its schema on first use."""
    resolved = database_url(url)
    with _engines_lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = _create(resolved)
            if migrate:
                upgrade(engine)
            _engines[resolved] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, and processes that fork)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so ours can begin IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # "database is locked" at once, without waiting for the busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe when many processes start at once."""
    if _at_head(engine):
        return
    with _migration_lock(engine), engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations: a lock file beside SQLite, an advisory lock on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK})
            conn.commit()
