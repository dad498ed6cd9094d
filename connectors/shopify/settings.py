"""Constants of the Shopify REST Admin API: a leaf module that imports nothing."""

from __future__ import annotations

#: The REST Admin API version asked for unless a store's configuration names another.
API_VERSION = "2026-10"
MAX_PAGE_SIZE = 250
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
API_VERSION_HEADER = "X-Shopify-API-Version"
DEPRECATED_REASON_HEADER = "X-Shopify-API-Deprecated-Reason"
#: ``inventory_items.json?ids=`` takes at most this many ids per call.
INVENTORY_ITEM_IDS_PER_CALL = 100
#: ``inventory_levels.json?location_ids=`` takes at most this many ids per call.
LOCATION_IDS_PER_CALL = 50
#: Keys of a Shopify record that identify a person; a rejected record leaves them redacted.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "first_name",
        "last_name",
        "name",
        "address1",
        "address2",
        "zip",
        "latitude",
        "longitude",
        "browser_ip",
        "company",
        "note",
    }
)
