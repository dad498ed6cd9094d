"""A failed or crashed scheduled run tells the ops channels, through the outbox (once per run)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import get_run_logger

from flows.policy import REFUSED
from tasks.delivery.notices import tell_failure
from tasks.settings import load_settings


def tell_ops_of_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure``/``on_crashed`` hook. It must not raise: the run has failed already.

    A run refused for its parameters (a reversed range) did nothing and pages nobody: whoever
    started it sees why at once.
    """
    if state.name == REFUSED:
        return
    try:
        config = load_settings(flow_run.parameters.get("config_path"))
        tell_failure(
            config,
            None,
            flow_name=flow.name,
            run_id=str(flow_run.id),
            reason=state.message or state.name,
            now=datetime.now(UTC),
            run_url=run_url(flow_run.id),
        )
    except Exception as exc:
        get_run_logger().warning("could not tell the ops channels of the failure: %s", exc)


def run_url(run_id: Any) -> str | None:
    """The run's page in the Prefect UI, when a UI address is configured."""
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{run_id}" if base else None


def this_run_url() -> str | None:
    """The UI page of the run this code is part of (the outermost one, for a subflow)."""
    from prefect.runtime import flow_run

    run_id = flow_run.root_flow_run_id or flow_run.get_id()
    return run_url(run_id) if run_id else None
