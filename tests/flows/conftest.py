"""Prefect servers for the flow tests: the in-process test harness, and a real
``prefect server start`` for tests that need its UI or several processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server (with its own database) for the flow tests."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@dataclass(frozen=True)
class PrefectServer:
    url: str  # the UI's address

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


@contextmanager
def prefect_server_process(home: Path, **settings: str) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free port, as a user starts it, until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",  # where the UI's browser calls
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
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


def _healthy(api_url: str) -> bool:
    try:
        return requests.get(f"{api_url}/health", timeout=2).ok
    except requests.RequestException:
        return False


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
