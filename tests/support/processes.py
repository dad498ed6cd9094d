"""Prefect and storepulse as separate processes on this machine: a Prefect server on a free
port, ``storepulse serve``, process workers, and scratch PostgreSQL databases for them. The
tests and the benchmarks run the production setup this way; docs/deploy.md shows the same
commands by hand."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests

from tasks.warehouse.engine import dispose_engines

BIN = Path(sys.executable).parent
#: The local PostgreSQL server (trust auth) the tests and benchmarks create databases on.
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class PrefectServer:
    url: str  # the UI's address

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


@contextmanager
def prefect_server(home: Path, **settings: str) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free port until the block ends; ``settings`` are Prefect
    settings for it (a PostgreSQL database, say)."""
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",  # where the UI's browser calls
    }
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--port", str(port)],
        env=env | settings,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PrefectServer(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 120
        while not _healthy(server.api_url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the Prefect server did not start")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def storepulse_serving(config: Path, api_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`storepulse serve` against ``api_url``, polling every second, writing to ``log``."""
    env = os.environ | {"PREFECT_API_URL": api_url, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", "--config", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=60)


@contextmanager
def workers(
    pool: str, env: dict[str, str], logs: list[Path], cwd: Path, limit: int | None = None
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """One ``prefect worker start --pool`` per log file, polling every second, each running at
    most ``limit`` flow runs at once (each run is a Python process of a few hundred MB)."""
    started = []
    try:
        for log in logs:
            started.append(
                subprocess.Popen(
                    [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--name", log.stem]
                    + (["--limit", str(limit)] if limit else []),
                    env=env | {"PREFECT_WORKER_QUERY_SECONDS": "1"},
                    cwd=cwd,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        yield started
    finally:
        for worker in started:
            stop(worker)


def stop(process: subprocess.Popen[bytes], grace: float = 120) -> None:
    """Ask a worker to stop (it lets its runs' processes finish), then insist."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database with a fresh name; when the block ends, our connections to it are
    closed and it is dropped."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        dispose_engines()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(api_url: str) -> bool:
    try:
        return requests.get(f"{api_url}/health", timeout=2).ok
    except requests.RequestException:
        return False


def deploy_to_pool(prefect_file: Path, pool: str, env: dict[str, str], cwd: Path) -> None:
    """Create the process work pool and ``prefect deploy --all`` the file into it."""
    for args in (
        ["work-pool", "create", pool, "--type", "process"],
        ["--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file)],
    ):
        subprocess.run(
            [str(BIN / "prefect"), *args], env=env, cwd=cwd, check=True, capture_output=True
        )


def run_all(
    api_url: str, deployment: str, parameter_sets: list[dict[str, Any]], seconds: float
) -> dict[str, str]:
    """Start one run per parameter set and wait for all of them: each run's final state type
    (or its current one when ``seconds`` run out)."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        runs = [run_deployment(deployment, parameters=p, timeout=0) for p in parameter_sets]
        ids = [run.id for run in runs]  # type: ignore[union-attr]  # sync call: a FlowRun
        deadline = time.monotonic() + seconds
        while True:
            states = asyncio.run(_states(ids))
            if all(s in FINAL for s in states.values()) or time.monotonic() > deadline:
                return states
            time.sleep(1)


FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


async def _states(ids: list[Any]) -> dict[str, str]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = [await client.read_flow_run(i) for i in ids]
    return {str(r.id): r.state.type.value if r.state else "NONE" for r in runs}
