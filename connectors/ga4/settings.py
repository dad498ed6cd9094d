"""Constants of the GA4 Data API (v1beta runReport): a leaf module that imports nothing."""

from __future__ import annotations

#: Google's endpoint; a store's ``ga4_endpoint`` replaces it (the local stand-in).
DEFAULT_ENDPOINT = "https://analyticsdata.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
#: The dimensions of the funnel report, in the order the rows carry them.
DIMENSIONS = ("date", "sessionDefaultChannelGroup")
#: GA4's metric API name for each field of a traffic day, in request order.
METRICS = {
    "sessions": "sessions",
    "users": "totalUsers",
    "add_to_carts": "addToCarts",
    "checkouts": "checkouts",
    "purchases": "ecommercePurchases",
    "revenue": "purchaseRevenue",
}
#: Rows per request: GA4's default; the API allows at most ``MAX_LIMIT``.
PAGE_SIZE = 10_000
MAX_LIMIT = 250_000
#: GA4 revises the last days for up to 48 hours: every run reads at least this many days again.
REPULL_DAYS = 3
#: Tries of one request that GA4 refuses for quota (429 RESOURCE_EXHAUSTED) before giving up.
QUOTA_TRIES = 4
#: The first pause after a quota refusal; it doubles on each further refusal.
QUOTA_BACKOFF_SECONDS = 2.0
#: Quota messages not worth waiting for within a run: the day's tokens return within 24 hours.
DAILY_QUOTA_MARKERS = ("tokens per day",)
