"""Alembic's entry point: run migrations on the connection storepulse hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from tasks.warehouse.schema import UtcDateTime, metadata


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations spell our UTC type as the plain column type it stores, so they stay runnable
    # whatever later becomes of the Python type.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `storepulse db upgrade`, which opens the warehouse")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
