"""WooCommerce: the REST API v3 client and its ``StoreSource`` (opened by ``connectors.stores``)."""

from __future__ import annotations

from connectors.woocommerce.client import WooClient
from connectors.woocommerce.source import WooSource

__all__ = ["WooClient", "WooSource"]
