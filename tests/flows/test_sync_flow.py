"""The sync-store flow on a real (temporary) Prefect server."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.states import Completed, Failed

from connectors.errors import AuthError, ConnectorError, ResponseError
from connectors.sandbox import DemoStore
from flows.policy import is_transient, retry_transient
from flows.steps.compute_metrics import compute_metrics
from flows.steps.sync_store import sync_store
from tasks.metrics import compute
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_server")


async def _artifact(key: str, flow_run_id: UUID) -> str:
    """The artifact KEY that one flow run published (other tests publish the same key)."""
    wanted = ArtifactFilter(
        key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
    )
    async with get_client() as client:
        (artifact,) = await client.read_artifacts(artifact_filter=wanted)
    return str(artifact.data)


@pytest.mark.usefixtures("config")
def test_the_flow_syncs_and_publishes_its_summary(
    shop: DemoStore, tmp_path: Path, sqlite_url: str
) -> None:
    path = write_config(tmp_path, shop.url)
    state = sync_store(config_path=str(path), database_url=sqlite_url, return_state=True)
    summary = state.result()
    orders = sum(w.upserted for w in summary.windows if w.resource == "orders")
    assert orders > 2000
    assert {w.resource for w in summary.windows} == {
        "products",
        "customers",
        "orders",
        "deletions",
        "inventory",
    }
    markdown = asyncio.run(_artifact("sync-summary", state.state_details.flow_run_id))
    assert "## Sync summary" in markdown and f"{orders:,}" in markdown


def test_bad_credentials_fail_the_flow_without_retrying(
    shop: DemoStore, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG_TOKEN", "shpat_not_the_right_one")
    path = write_config(tmp_path, shop.url, token_env="WRONG_TOKEN")
    with pytest.raises(AuthError, match="401"):
        sync_store(config_path=str(path), database_url=sqlite_url)
    assert shop.stats().requests == 1  # the shop was asked once, and not again


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectorError("503"), True),
        (AuthError("401"), False),
        (ResponseError("404"), False),
        (ValueError("a bug"), False),
        (ConnectionResetError(), True),
    ],
)
def test_only_transient_failures_are_retried(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient
    assert retry_transient(None, None, Failed(data=error)) is transient
    assert retry_transient(None, None, Completed()) is False


@pytest.mark.usefixtures("config")
def test_the_metrics_flow_computes_after_a_sync(
    shop: DemoStore, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compute, "IN_FLIGHT", timedelta(0))  # nothing else writes here
    path = write_config(tmp_path, shop.url)
    sync_store(config_path=str(path), database_url=sqlite_url)
    run = compute_metrics(config_path=str(path), database_url=sqlite_url)
    [store] = run.stores
    assert store.full and store.values > 10_000
    state = compute_metrics(config_path=str(path), database_url=sqlite_url, return_state=True)
    assert state.result().stores[0].values < store.values  # only what changed since
    table = asyncio.run(_artifact("metrics-computed", state.state_details.flow_run_id))
    assert "demo" in table
