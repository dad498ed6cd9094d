"""How flows retry (transient failures back off and try again; auth and config errors do not),
how they fail (with one sentence), and which moment they report from."""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from sqlalchemy.exc import OperationalError

from connectors.errors import ConfigError, ConnectorError, StorepulseError

F = TypeVar("F", bound=Callable[..., Any])

#: The name of the failed state of a run refused for its parameters (it did no work).
REFUSED = "Refused"

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


def retrying_task(name: str, **options: Any) -> Any:
    """``@task`` with the policy every step shares: a transient failure backs off and tries
    again (``RETRY_DELAYS``), an auth or configuration error fails at once; never cached,
    since every step writes."""
    return task(
        name=name,
        retries=len(RETRY_DELAYS),
        retry_delay_seconds=RETRY_DELAYS,
        retry_condition_fn=retry_transient,
        cache_policy=NO_CACHE,
        **options,
    )


def scheduled_start() -> datetime:
    """The moment a run reports from: its scheduled start (DESIGN rule 1), so a late or
    re-run morning run still reports the same day; outside Prefect, now."""
    scheduled = flow_run.get_scheduled_start_time()
    if scheduled is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(scheduled.timestamp(), UTC)


class RefusedParameters(ConfigError):
    """A run was started with parameters it cannot run with: a person's slip, not an outage."""


def fails_in_one_sentence(flow_fn: F) -> F:
    """Let a flow fail with its error's own sentence as the state's message.

    Prefect's message for a raised exception is "Flow run encountered an exception:
    AuthError: …"; the UI, the failure hook and ``storepulse run`` show the sentence instead.
    A run refused for its parameters ends in a failed state named ``REFUSED``, which the
    failure hook does not tell the ops channels of. Put it under ``@flow``.
    """
    # Prefect validates parameters against the signature in this module's namespace, where
    # the flow's string annotations (``date``…) mean nothing: give it the types themselves.
    flow_fn.__annotations__ = typing.get_type_hints(flow_fn)

    @functools.wraps(flow_fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return flow_fn(*args, **kwargs)
        except RefusedParameters as exc:
            return Failed(message=str(exc), data=exc, name=REFUSED)
        except StorepulseError as exc:
            return Failed(message=str(exc), data=exc)

    return wrapper  # type: ignore[return-value]
