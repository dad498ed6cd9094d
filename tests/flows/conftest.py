"""The in-process Prefect test harness; tests that need a real ``prefect server start``, its
UI or several processes use ``tests/support/processes.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server (with its own database) for the flow tests."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
