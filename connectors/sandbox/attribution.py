"""The marketing source of each sandbox order, drawn to match the day's traffic.

Every online order of a day gets one of the day's purchases by traffic channel (so a day's
orders by source add up to its GA4 purchases), and a landing page and referrer as the shop's
visitors would bring: paid search lands with Google Ads' auto-tagging ``gclid`` and UTM tags
naming the demo's search campaigns; part of the social purchases come from the demo's Meta
campaigns with ``fbclid``; e-mail from the newsletter; the rest untagged from search engines,
social networks, other sites or typed in. A generator of its own draws them, so the rest of the
shop's history is the same as without them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

Json = dict[str, Any]

#: The demo's Google Ads search campaigns and their share of paid-search visits
#: (``flows/cli/demo_spend.py`` writes their spend).
SEARCH_CAMPAIGNS = (("Brand search", 0.45), ("Shopping – all products", 0.55))
#: The demo's Meta campaigns and their share of the visits Meta ads bring.
SOCIAL_CAMPAIGNS = (("Prospecting – lookalike", 0.6), ("Retargeting 14d", 0.4))
#: The share of social purchases that came through a Meta ad rather than an organic post.
PAID_SOCIAL_SHARE = 0.5
NEWSLETTER = "Weekly newsletter"
#: ``source_name`` values of orders placed on a visit (the traffic's purchases).
ONLINE = ("web", "iphone", "android")
SEARCH_ENGINES = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")
SOCIAL_SITES = ("https://www.instagram.com/", "https://l.facebook.com/", "https://t.co/")
REFERRERS = ("https://blog.example.org/gift-guide", "https://news.example.net/best-of")
LANDING_PAGES = ("/", "/collections/all", "/collections/new", "/pages/about")


class SourceTagger:
    """Give the day's online orders their landing page and referrer."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"attribution-{seed}")

    def tag(self, orders: Sequence[Json], purchases: dict[str, int]) -> None:
        """Set ``landing_site`` and ``referring_site`` on each online order of ``orders``, one
        of ``purchases`` (traffic channel → purchases that day) each."""
        channels = [name for name, count in purchases.items() for _ in range(count)]
        self.rng.shuffle(channels)
        online = [o for o in orders if o["source_name"] in ONLINE]
        for order, channel in zip(online, channels + ["Direct"] * len(online), strict=False):
            landing, referrer = self.visit(channel)
            order["landing_site"], order["referring_site"] = landing, referrer

    def visit(self, channel: str) -> tuple[str, str | None]:
        """A landing page (path and query) and referrer for a visit from ``channel``."""
        rng = self.rng
        page = rng.choice(LANDING_PAGES)
        if channel == "Paid Search":
            campaign = _pick(rng, SEARCH_CAMPAIGNS)
            tags = {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": campaign}
            return _landing(page, tags | {"gclid": _click_id(rng)}), SEARCH_ENGINES[0]
        if channel == "Organic Social" and rng.random() < PAID_SOCIAL_SHARE:
            campaign = _pick(rng, SOCIAL_CAMPAIGNS)
            source = rng.choice(("facebook", "instagram"))
            tags = {"utm_source": source, "utm_medium": "paid", "utm_campaign": campaign}
            return _landing(page, tags | {"fbclid": _click_id(rng)}), SOCIAL_SITES[1]
        if channel == "Organic Social":
            return page, rng.choice(SOCIAL_SITES)
        if channel == "Email":
            tags = {"utm_source": "klaviyo", "utm_medium": "email", "utm_campaign": NEWSLETTER}
            return _landing(page, tags), None
        if channel == "Organic Search":
            return page, rng.choice(SEARCH_ENGINES)
        if channel == "Referral":
            return page, rng.choice(REFERRERS)
        return page, None  # Direct


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [share for _, share in weighted])[0]


def _landing(page: str, query: dict[str, str]) -> str:
    return f"{page}?{urlencode(query)}"


def _click_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(24))
