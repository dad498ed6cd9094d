"""Shared fixtures: a local Shopify store, warehouses on SQLite and PostgreSQL, configs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from connectors.config import StoreConfig, parse_config
from connectors.sandbox import DEMO_WOO_KEYS, DemoStore, StoreSpec
from tasks.warehouse.engine import dispose_engines
from tests.support.processes import PG_ADMIN, scratch_database

TOKEN = "shpat_test_token_0123456789"
TOKEN_ENV = "STOREPULSE_TEST_TOKEN"
#: Ninety days around the spring DST change (2026-03-08 in America/New_York).
SMALL_SPEC = StoreSpec(seed=3, days=90, orders_per_day=25, end_date=date(2026, 3, 31))


#: Markers that follow from a test's fixtures, so that no test can forget its own.
FIXTURE_MARKERS = {
    "postgres_url": "postgres",
    "prefect_server": "prefect",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need: ``make test-fast`` leaves out the slow tiers."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in fixtures:
                item.add_marker(marker)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("warehouse_url") == "postgresql":
            item.add_marker("postgres")


@pytest.fixture(scope="session")
def sandbox_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated shops, shared by every test of the session (each test serves its own copy)."""
    return tmp_path_factory.mktemp("sandbox-cache")


@pytest.fixture
def shop(sandbox_cache: Path) -> Iterator[DemoStore]:
    """A fresh copy of the small shop on the plus plan, free to change."""
    with DemoStore.start(
        SMALL_SPEC, token=TOKEN, plan="plus", data_dir=sandbox_cache, record_paths=True
    ) as store:
        yield store


def store_entry(url: str, **overrides: object) -> dict[str, object]:
    """A ``stores[]`` entry for a sandbox shop, its token read from ``TOKEN_ENV``."""
    return {
        "name": "demo",
        "platform": "shopify",
        "url": url,
        "timezone": "America/New_York",
        "currency": "USD",
        "token_env": TOKEN_ENV,
    } | overrides


def store_config(url: str, **overrides: object) -> StoreConfig:
    """The validated config of a sandbox shop, with its token in the environment."""
    os.environ[TOKEN_ENV] = TOKEN
    return parse_config({"stores": [store_entry(url, **overrides)]}).stores[0]


WOO_KEY_ENV, WOO_SECRET_ENV = "STOREPULSE_TEST_WOO_KEY", "STOREPULSE_TEST_WOO_SECRET"


def woo_entry(url: str, **overrides: object) -> dict[str, object]:
    """A ``stores[]`` entry for a sandbox shop's WooCommerce face, its keys read from
    ``WOO_KEY_ENV`` and ``WOO_SECRET_ENV``."""
    return {
        "name": "woo",
        "platform": "woocommerce",
        "url": url,
        "timezone": "America/New_York",
        "currency": "USD",
        "consumer_key_env": WOO_KEY_ENV,
        "consumer_secret_env": WOO_SECRET_ENV,
        "sync": {"safety_lag_seconds": 0},
    } | overrides


def woo_config(url: str, **overrides: Any) -> StoreConfig:
    """The validated config of a sandbox shop's WooCommerce face, its keys in the environment."""
    os.environ[WOO_KEY_ENV], os.environ[WOO_SECRET_ENV] = DEMO_WOO_KEYS
    return parse_config({"stores": [woo_entry(url, **overrides)]}).stores[0]


def write_config(directory: Path, url: str, **overrides: object) -> Path:
    """Write a ``storepulse.yaml`` for one shop and return its path."""
    path = directory / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": [store_entry(url, **overrides)]}))
    return path


@pytest.fixture
def config(shop: DemoStore) -> StoreConfig:
    return store_config(shop.url)


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def require_postgres() -> None:
    """Skip without PostgreSQL on a developer's machine; fail under CI, where it must exist."""
    if postgres_available():
        return
    required("PostgreSQL is not reachable at 127.0.0.1:5432")


def required(missing: str) -> None:
    """Skip, saying what is ``missing``, on a developer's machine; fail under CI, which
    installs everything the tests need (``.ci/run``)."""
    if os.environ.get("CI"):
        pytest.fail(f"{missing}, and CI requires it")
    pytest.skip(missing)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    with postgres_database("storepulse_test") as name:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        dispose_engines()


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """Create a database with a fresh name; drop it when the block ends."""
    require_postgres()
    with scratch_database(prefix) as name:
        yield name


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'warehouse.db'}"
    dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """The same test on both engines."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))
