"""Open the warehouse: the URL, SQLite's pragmas, and migrations applied once, under a lock."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url

DATABASE_URL_ENV = "STOREPULSE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///storepulse.db"
MIGRATIONS = Path(__file__).with_name("migrations")
#: Any constant shared by every storepulse process; it names the PostgreSQL advisory lock.
_PG_MIGRATION_LOCK = 0x5_70_7E_9A_15E

#: The execution option that marks a connection as read-only (see ``reading``).
READ_ONLY = "storepulse_read_only"

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
        # "database is locked" at once, without waiting for the busy timeout. A reading
        # connection (``reading``) never writes, so it leaves the lock to the writers.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that only reads: on SQLite it takes no write lock, so building reports
    never makes another process's sync wait (WAL readers and the one writer run side by side)."""
    with engine.connect() as conn:
        yield conn.execution_options(**{READ_ONLY: True})


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for loading synced data.

    On PostgreSQL its commit does not wait for the disk: a crash can lose the last few commits,
    but only as a suffix, in order, so a window's cursor is never durable before its pages, and
    a lost page is simply read again by the next sync.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        yield conn


def refresh_statistics(engine: Engine, tables: Sequence[Table], pages_loaded: int) -> None:
    """Let PostgreSQL re-learn the tables' sizes as a bulk load grows them.

    PostgreSQL plans with the statistics it last gathered; a table filled faster than
    autovacuum looks at it keeps looking empty, and lookups by key turn into scans of the
    whole store. Gathering again after pages 1, 4, 16, 64… keeps plans right at a cost that
    grows only with the logarithm of the load.
    """
    if engine.dialect.name != "postgresql" or pages_loaded & (pages_loaded - 1):
        return
    if pages_loaded.bit_length() % 2 == 0:  # powers of two that are not powers of four
        return
    with engine.connect() as conn:
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(table)}")
        conn.commit()


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
