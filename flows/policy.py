"""How flows retry: transient failures back off and try again; auth and config errors do not."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from connectors.errors import ConnectorError, StorepulseError

#: Seconds between a task's retries: a minute of patience for a flaky platform.
RETRY_DELAYS = [5, 20, 60]


def is_transient(exc: BaseException | None) -> bool:
    """Whether trying the same work again later can succeed."""
    if isinstance(exc, ConnectorError):
        return exc.transient
    if isinstance(exc, OperationalError):  # database busy or connection dropped
        return True
    return not isinstance(exc, StorepulseError) and isinstance(exc, OSError)


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry only what ``is_transient`` allows."""
    try:
        state.result()
    except BaseException as exc:
        return is_transient(exc)
    return False
