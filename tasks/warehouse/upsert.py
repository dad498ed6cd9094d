"""The one portable upsert: ``INSERT … ON CONFLICT (key) DO UPDATE`` on SQLite and PostgreSQL.

Both engines spell the upsert the same way, so one statement text serves both; only the
placeholder differs. Rows go through the driver's ``executemany`` with values already in the
driver's own types: SQLAlchemy's per-row parameter processing costs several times what SQLite
itself spends inserting, and bulk loads are the warehouse's hot path. Identifiers are quoted by
the dialect; values are always bound.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Connection, Date, Table
from sqlalchemy.engine import Dialect

from tasks.warehouse.schema import UtcDateTime

Row = Mapping[str, Any] | Sequence[Any]
Convert = Callable[[Any], Any]


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    *,
    columns: Sequence[str] | None = None,
    keep: Sequence[str] = (),
) -> int:
    """Insert ``rows``, or update the stored row with the same primary key; return the count.

    Rows are mappings (all with the same keys) or tuples in the order of ``columns``.

    Args:
        keep: columns that keep their stored value when the row already exists (such as a
            ``first_seen_at``).
    """
    return _write(conn, table, rows, columns, "update", tuple(keep))


def insert(
    conn: Connection, table: Table, rows: Sequence[Row], *, columns: Sequence[str] | None = None
) -> int:
    """Plain bulk insert, for rows known to be new (children just deleted, for instance)."""
    return _write(conn, table, rows, columns, None, ())


def _write(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    columns: Sequence[str] | None,
    on_conflict: str | None,
    keep: tuple[str, ...],
) -> int:
    if not rows:
        return 0
    first = rows[0]
    if isinstance(first, Mapping):
        names = tuple(columns or first)
        tuples = [tuple(row[n] for n in names) for row in rows]  # type: ignore[call-overload]
    elif columns is None:
        raise ValueError(f"tuple rows for {table.name} need their columns")
    else:
        names, tuples = tuple(columns), list(rows)  # type: ignore[arg-type]
    statement = _statement(conn.dialect, table, names, on_conflict, keep)
    if statement.converters:
        tuples = _converted(tuples, statement.converters)
    if on_conflict == "update":
        tuples = _last_per_key(tuples, statement.key)
    # One statement, all rows: SQLite runs it in-process, psycopg pipelines it in one round trip.
    conn.exec_driver_sql(statement.sql, tuples)
    return len(tuples)


def _last_per_key(rows: list[tuple[Any, ...]], key: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """Keep the last row of each key: one statement may not update a row twice on PostgreSQL."""
    keys = list(map(itemgetter(*key), rows))
    if len(set(keys)) == len(keys):
        return rows
    return list(dict(zip(keys, rows, strict=True)).values())


def _converted(
    rows: list[tuple[Any, ...]], converters: tuple[tuple[int, Convert], ...]
) -> list[tuple[Any, ...]]:
    """The rows with their values in the driver's types, converted a column at a time."""
    columns = list(zip(*rows, strict=True))
    for index, convert in converters:
        columns[index] = _converted_column(columns[index], convert)
    return list(zip(*columns, strict=True))


def _converted_column(values: tuple[Any, ...], convert: Convert) -> tuple[Any, ...]:
    if len(set(values[:256])) <= 64:  # a column that repeats itself: each distinct value once
        converted = {v: None if v is None else convert(v) for v in set(values)}
        return tuple(map(converted.__getitem__, values))
    if convert is sqlite_utc:  # a bulk load's timestamps, through numpy
        return sqlite_utc_column(values)
    return tuple(None if v is None else convert(v) for v in values)


@dataclass(frozen=True)
class _Statement:
    """An insert for one column set: its SQL, its key's positions, and value conversions."""

    sql: str
    key: tuple[int, ...]
    converters: tuple[tuple[int, Convert], ...]


@functools.lru_cache(maxsize=256)
def _statement(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    on_conflict: str | None,
    keep: tuple[str, ...],
) -> _Statement:
    """Build the statement for this column set, and the value conversions it needs."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    head = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)}"
        f" ({', '.join(quote(c) for c in columns)}) VALUES "
    )
    key = [c.name for c in table.primary_key.columns]
    tail = ""
    if on_conflict == "update":
        updates = [c for c in columns if c not in key and c not in keep]
        target = ", ".join(quote(c) for c in key)
        tail = (
            f" ON CONFLICT ({target}) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updates)
            if updates
            else f" ON CONFLICT ({target}) DO NOTHING"
        )
    converters = tuple(
        (index, convert)
        for index, name in enumerate(columns)
        if (convert := _converter(dialect, table.c[name].type)) is not None
    )
    positions = tuple(columns.index(k) for k in key) if on_conflict == "update" else ()
    return _Statement(f"{head}({', '.join([mark] * len(columns))}){tail}", positions, converters)


def _converter(dialect: Dialect, kind: Any) -> Convert | None:
    if dialect.name == "sqlite":
        if isinstance(kind, UtcDateTime):
            return sqlite_utc
        if isinstance(kind, Date):
            return date.isoformat
        if isinstance(kind, Boolean):
            return int
        return None
    if isinstance(kind, UtcDateTime):
        return _aware_utc
    return None


def sqlite_utc(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores, in UTC, always with microseconds, so that
    stored values compare correctly as text."""
    if value.tzinfo is not UTC:
        value = _aware_utc(value)
    return value.isoformat(" ", "microseconds")[:26]


def sqlite_utc_column(values: Sequence[datetime | None]) -> tuple[str | None, ...]:
    """``sqlite_utc`` of every value (None stays None), formatted by numpy in one pass.

    Raises:
        ValueError: a value is naive.
    """
    for value in values:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
    stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_localize(None)
    texts = np.datetime_as_string(stamps.to_numpy().astype("datetime64[us]"), unit="us")
    return tuple(None if t == "NaT" else f"{t[:10]} {t[11:]}" for t in texts.tolist())


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given to a UTC column")
    return value.astimezone(UTC)
