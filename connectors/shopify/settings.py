"""Constants of the Shopify REST Admin API that the client relies on."""

from __future__ import annotations

from connectors.config import DEFAULT_SHOPIFY_API_VERSION

API_VERSION = DEFAULT_SHOPIFY_API_VERSION
MAX_PAGE_SIZE = 250
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
API_VERSION_HEADER = "X-Shopify-API-Version"
DEPRECATED_REASON_HEADER = "X-Shopify-API-Deprecated-Reason"
#: ``inventory_items.json?ids=`` takes at most this many ids per call.
INVENTORY_ITEM_IDS_PER_CALL = 100
#: ``inventory_levels.json?location_ids=`` takes at most this many ids per call.
LOCATION_IDS_PER_CALL = 50
