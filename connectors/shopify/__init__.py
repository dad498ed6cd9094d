"""Shopify: the REST Admin API client, its ``StoreSource``, and the local sandbox store."""

from __future__ import annotations

from connectors.config import StoreConfig, resolve_token
from connectors.shopify.client import ShopifyClient
from connectors.shopify.source import ShopifySource

__all__ = ["ShopifyClient", "ShopifySource", "open_shopify"]


def open_shopify(store: StoreConfig) -> ShopifySource:
    """Build a source for a configured store, resolving its token here and nowhere else."""
    client = ShopifyClient(
        store=store.name,
        base_url=store.url,
        token=resolve_token(store),
        api_version=store.api_version,
        timeout=store.timeout_seconds,
        calls_per_second=store.calls_per_second,
    )
    return ShopifySource(client, page_size=store.sync.page_size)
