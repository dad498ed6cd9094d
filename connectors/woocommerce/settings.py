"""Constants of the WooCommerce REST API v3: a leaf module that imports nothing."""

from __future__ import annotations

#: Where the v3 API lives under the site's address (pretty permalinks are required).
API_PATH = "/wp-json/wc/v3/"
#: The WordPress REST index: the site's name and timezone, readable without keys.
SITE_INDEX_PATH = "/wp-json/"
#: WordPress refuses ``per_page`` above this with a 400 ``rest_invalid_param``.
MAX_PAGE_SIZE = 100
TOTAL_HEADER = "X-WP-Total"
TOTAL_PAGES_HEADER = "X-WP-TotalPages"
#: The error code WooCommerce answers a list call with when it sees no credentials at all,
#: which is what a host that strips the Authorization header makes of Basic auth.
CANNOT_VIEW = "woocommerce_rest_cannot_view"
#: The statuses that are sales: listed by the orders stream (docs/metrics.md, WooCommerce).
SALE_STATUSES = ("processing", "on-hold", "completed", "refunded")
#: The statuses that take an order out of the metrics: polled by the deletions stream. Trash
#: is a delete (``DELETE /orders/<id>`` without ``force``); the others were never paid or were
#: called off, which WooCommerce's own Analytics leaves out by default.
GONE_STATUSES = ("trash", "cancelled", "failed", "pending", "checkout-draft")
#: Keys of a WooCommerce record that identify a person; a rejected record leaves them redacted.
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "company",
        "address_1",
        "address_2",
        "postcode",
        "email",
        "phone",
        "customer_ip_address",
        "customer_user_agent",
        "customer_note",
        "username",
        "avatar_url",
    }
)
