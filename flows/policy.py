"""How flows retry (transient failures back off and try again; auth and config errors do not)
and which moment they report from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect.runtime import flow_run
from sqlalchemy.exc import OperationalError

from connectors.errors import ConnectorError, StorepulseError

#: Seconds between a task's retries: a minute of patience for a flaky platform.
RETRY_DELAYS: list[float] = [5, 20, 60]


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


def scheduled_start() -> datetime:
    """The moment a run reports from: its scheduled start (DESIGN rule 1), so a late or
    re-run morning run still reports the same day; outside Prefect, now."""
    scheduled = flow_run.get_scheduled_start_time()
    if scheduled is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(scheduled.timestamp(), UTC)
