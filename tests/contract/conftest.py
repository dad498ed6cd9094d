"""The contract's fixture: one platform's harness, built in the test's folder and closed after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.harness import StoreHarness


@pytest.fixture
def harness(
    request: pytest.FixtureRequest, tmp_path: Path, sandbox_cache: Path
) -> Iterator[StoreHarness]:
    made: StoreHarness = request.param(tmp_path, sandbox_cache)
    try:
        yield made
    finally:
        made.close()
