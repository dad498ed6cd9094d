"""An order's marketing source: its landing UTM tags, and the channel they map to.

Shopify records the visit's landing page (``landing_site``, path and query) and referrer
(``referring_site``); WooCommerce 8.5+ records its own order attribution in the order's meta
(``_wc_order_attribution_*``). Both come down to the same few facts, kept by storepulse and
nothing else: the ``utm_source``, ``utm_medium`` and ``utm_campaign`` values, which ad click id
the landing page carried (its name, never its value), and the derived ``marketing_channel``.
Full URLs are never kept: a query string can carry e-mail addresses, names or tokens.

The mapping, first rule that applies (documented in docs/metrics.md, Advertising):

1. a paid ``utm_medium`` (cpc, ppc, paid, paid_social, cpm, display, …) maps by ``utm_source``:
   google/adwords/youtube → ``google_ads``; facebook/fb/instagram/ig/meta → ``meta``;
   douyin/toutiao/oceanengine/巨量/巨量引擎/抖音 → ``ocean_engine``; any other → ``paid_other``;
2. a Google click id (``gclid``, ``gbraid``, ``wbraid``: auto-tagging marks ad clicks only)
   → ``google_ads``;
3. a Meta click id (``fbclid``) → ``meta``, unless ``utm_medium`` says the visit was not paid
   (Meta adds ``fbclid`` to clicks on organic posts too);
4. an e-mail medium or sender (email, newsletter, klaviyo, mailchimp…) → ``email``;
5. an organic or social medium → ``organic``; a referral medium → ``referral``;
   any other tagged visit → ``unassigned``;
6. untagged: a search engine's or social network's referrer → ``organic``, another referrer
   → ``referral``, none → ``direct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import parse_qs, urlsplit

MarketingChannel = Literal[
    "google_ads",
    "meta",
    "ocean_engine",
    "paid_other",
    "email",
    "organic",
    "referral",
    "direct",
    "unassigned",
]
MARKETING_CHANNELS: tuple[MarketingChannel, ...] = get_args(MarketingChannel)
#: The marketing channels that are ad-spend channels (``connectors.adspend.CHANNELS``): only
#: these carry attributed sales.
AD_CHANNELS: tuple[MarketingChannel, ...] = ("google_ads", "meta", "ocean_engine")
#: Longest UTM value kept (the warehouse's column width).
MAX_UTM = 255

PAID_MEDIUMS = frozenset(
    {"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "paidsocial",
     "paid_social", "paid-social", "cpm", "cpv", "display", "ads", "sem", "付费"}
)  # fmt: skip
AD_SOURCES: dict[str, MarketingChannel] = {
    **dict.fromkeys(("google", "adwords", "google_ads", "googleads", "youtube"), "google_ads"),
    **dict.fromkeys(
        ("facebook", "fb", "instagram", "ig", "meta", "messenger", "audience_network"), "meta"
    ),
    **dict.fromkeys(
        ("douyin", "toutiao", "oceanengine", "ocean_engine", "巨量", "巨量引擎", "抖音"),
        "ocean_engine",
    ),
    "今日头条": "ocean_engine",
}
#: Click ids, each with the ad channel that sets it, in the order they are looked for.
CLICK_IDS: tuple[tuple[str, MarketingChannel], ...] = (
    ("gclid", "google_ads"),
    ("gbraid", "google_ads"),
    ("wbraid", "google_ads"),
    ("fbclid", "meta"),
)
EMAIL = frozenset({"email", "e-mail", "e_mail", "newsletter", "klaviyo", "mailchimp", "edm"})
ORGANIC_MEDIUMS = frozenset({"organic", "social", "sns", "social-organic", "organic_social"})
#: Referrer hosts of search engines and social networks (matched on the host's labels).
ORGANIC_HOSTS = (
    "google", "bing", "yahoo", "duckduckgo", "baidu", "sogou", "so.com", "yandex", "naver",
    "facebook", "instagram", "t.co", "x.com", "twitter", "linkedin", "pinterest", "reddit",
    "tiktok", "douyin", "weibo", "xiaohongshu", "youtube",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attribution:
    """What storepulse keeps of an order's marketing source."""

    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    #: The name of the ad click id the landing page carried (``gclid``, ``fbclid``…).
    click_id: str | None
    marketing_channel: MarketingChannel


def from_landing(
    landing: str | None, referrer: str | None, utm: dict[str, str | None] | None = None
) -> Attribution:
    """The attribution of a visit from its landing URL (or path) and referrer URL.

    ``utm`` gives UTM values a platform recorded on its own (WooCommerce's meta); they win over
    the landing URL's query.
    """
    query = _query(landing)
    given = utm or {}
    source, medium, campaign = (
        _clean(given.get(key) or _first(query, key))
        for key in ("utm_source", "utm_medium", "utm_campaign")
    )
    click_id = next((name for name, _ in CLICK_IDS if _first(query, name)), None)
    channel = marketing_channel(source, medium, click_id, _host(referrer))
    return Attribution(source, medium, campaign, click_id, channel)


def marketing_channel(
    source: str | None, medium: str | None, click_id: str | None, referrer_host: str | None
) -> MarketingChannel:
    """The channel a visit's tags map to (the module's table, first rule that applies)."""
    source_key, medium_key = _key(source), _key(medium)
    if medium_key in PAID_MEDIUMS:
        return AD_SOURCES.get(source_key or "", "paid_other")
    clicked = dict(CLICK_IDS).get(click_id or "")
    if clicked == "google_ads":
        return clicked
    if clicked == "meta" and medium_key is None:
        return clicked
    if medium_key in EMAIL or source_key in EMAIL:
        return "email"
    if medium_key in ORGANIC_MEDIUMS:
        return "organic"
    if medium_key == "referral":
        return "referral"
    if source_key or medium_key:
        return "unassigned"
    if referrer_host is None:
        return "direct"
    return "organic" if _is_organic_host(referrer_host) else "referral"


def _query(url: str | None) -> dict[str, list[str]]:
    if not url:
        return {}
    try:
        return parse_qs(urlsplit(url.strip()).query)
    except ValueError:  # a malformed URL tells nothing about its source
        return {}


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


#: What analytics tools write where a visit has no tag (WooCommerce's ``typein`` visits).
PLACEHOLDERS = frozenset({"(direct)", "(none)", "(not set)", "(not provided)"})


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return None if text.lower() in PLACEHOLDERS else text[:MAX_UTM] or None


def _key(value: str | None) -> str | None:
    return value.strip().lower() if value else None


def _host(url: str | None) -> str | None:
    if not url or not url.strip():
        return None
    text = url.strip()
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname
    except ValueError:
        return None
    return host or None


def _is_organic_host(host: str) -> bool:
    host = host.lower()
    labels = host.split(".")
    return any(
        (host == name or host.endswith(f".{name}")) if "." in name else name in labels
        for name in ORGANIC_HOSTS
    )
