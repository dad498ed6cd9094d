"""The one wiring point: open a configured store's source by its platform.

Adding a platform is one entry in ``OPENERS``: a function that builds that platform's
``StoreSource`` from the store's configuration, resolving its secrets here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import StoreSource
from connectors.config import StoreConfig, resolve_token
from connectors.errors import ConfigError
from connectors.shopify import ShopifyClient, ShopifySource


def open_shopify(store: StoreConfig) -> ShopifySource:
    """Build a Shopify REST source for a configured store."""
    client = ShopifyClient(
        store=store.name,
        base_url=store.url,
        token=resolve_token(store),
        api_version=store.api_version,
        timeout=store.timeout_seconds,
        calls_per_second=store.calls_per_second,
    )
    return ShopifySource(client, page_size=store.sync.page_size, currency=store.currency)


#: How each platform's source is opened.
OPENERS: dict[str, Callable[[StoreConfig], StoreSource]] = {
    "shopify": open_shopify,
}


def open_store(store: StoreConfig) -> StoreSource:
    """Open the source of a configured store; the caller closes it when done.

    Raises:
        ConfigError: no connector reads the store's platform.
    """
    opener = OPENERS.get(store.platform)
    if opener is None:
        known = ", ".join(sorted(OPENERS))
        raise ConfigError(
            f"store {store.name!r}: no connector for platform {store.platform!r} ({known})"
        )
    return opener(store)
