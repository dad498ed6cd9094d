"""Shopify: the REST Admin API client and its ``StoreSource`` (opened by ``connectors.stores``)."""

from __future__ import annotations

from connectors.shopify.client import ShopifyClient
from connectors.shopify.source import ShopifySource

__all__ = ["ShopifyClient", "ShopifySource"]
