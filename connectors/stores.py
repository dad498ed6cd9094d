"""The one wiring point: open a configured store's source by its platform.

Adding an API platform is one entry in ``OPENERS``: a function that builds that platform's
``StoreSource`` from the store's configuration, resolving its secrets here and nowhere else.
A marketplace platform (read from export files) is one entry in
``connectors.marketplaces.ORDER_EXPORTS``, read here by ``read_store_export``; any store's
ad-spend exports (``connectors.adspend``) are read here too.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.adspend import SpendBatch, read_spend
from connectors.base import StoreSource
from connectors.config import StoreConfig, resolve_secret, resolve_token
from connectors.errors import ConfigError
from connectors.ga4 import Ga4Source, load_key
from connectors.marketplaces import MARKETPLACES, ExportBatch, UnreadableFile, read_export
from connectors.money import currency_exponent
from connectors.shopify import ShopifyClient, ShopifySource
from connectors.woocommerce import WooClient, WooSource


def open_shopify(store: StoreConfig) -> ShopifySource:
    """Build a Shopify REST source for a configured store."""
    if store.url is None:
        raise ConfigError(f"store {store.name!r}: a shopify store needs url")
    client = ShopifyClient(
        store=store.name,
        base_url=store.url,
        token=resolve_token(store),
        api_version=store.api_version,
        timeout=store.timeout_seconds,
        calls_per_second=store.calls_per_second,
    )
    return ShopifySource(client, page_size=store.sync.page_size, currency=store.currency)


def open_woocommerce(store: StoreConfig) -> WooSource:
    """Build a WooCommerce REST v3 source for a configured store."""
    if store.url is None:
        raise ConfigError(f"store {store.name!r}: a woocommerce store needs url")
    owner = f"store {store.name!r}"
    client = WooClient(
        store=store.name,
        base_url=store.url,
        consumer_key=resolve_secret(owner, store.consumer_key_env, store.consumer_key_secret),
        consumer_secret=resolve_secret(
            owner, store.consumer_secret_env, store.consumer_secret_secret
        ),
        auth=store.auth,
        timeout=store.timeout_seconds,
        calls_per_second=store.calls_per_second,
    )
    return WooSource(client, page_size=store.sync.page_size, currency=store.currency)


#: How each platform's source is opened.
OPENERS: dict[str, Callable[[StoreConfig], StoreSource]] = {
    "shopify": open_shopify,
    "woocommerce": open_woocommerce,
}


def open_store(store: StoreConfig) -> StoreSource:
    """Open the source of a configured store; the caller closes it when done.

    Raises:
        ConfigError: no connector reads the store's platform.
    """
    opener = OPENERS.get(store.platform)
    if store.platform in MARKETPLACES:
        raise ConfigError(
            f"store {store.name!r}: a {store.platform} store is read from its export files "
            "(storepulse import), not through an API"
        )
    if opener is None:
        known = ", ".join(sorted(OPENERS))
        raise ConfigError(
            f"store {store.name!r}: no connector for platform {store.platform!r} ({known})"
        )
    return opener(store)


def open_ga4(store: StoreConfig) -> Ga4Source:
    """Open the GA4 property of a configured store; the caller closes it when done.

    Raises:
        ConfigError: the store has no ``ga4_property``, or its key is missing or unreadable.
    """
    if store.ga4_property is None:
        raise ConfigError(f"store {store.name!r}: no ga4_property configured")
    secret = resolve_secret(
        f"store {store.name!r} GA4 credentials",
        store.ga4_credentials_env,
        store.ga4_credentials_secret,
    )
    return Ga4Source(
        store.name,
        store.ga4_property,
        load_key(store.name, secret),
        currency=store.currency,
        exponent=currency_exponent(store.currency),
        endpoint=store.ga4_endpoint,
        timeout=store.timeout_seconds,
    )


def read_store_export(store: StoreConfig, data: bytes, file_name: str) -> ExportBatch | SpendBatch:
    """Read one export file of a store: a marketplace store's file as its platform's exports,
    else as ad spend; any other store's file as ad spend only.

    Raises:
        UnreadableFile: the file is not an export this store's platform writes, nor ad spend.
    """
    if store.platform not in MARKETPLACES:
        try:
            return read_spend(data, file_name)
        except UnreadableFile as exc:
            raise UnreadableFile(
                f"{exc}; a {store.platform} store's import_dir holds ad-spend files only"
            ) from None
    try:
        return read_export(data, file_name, store.platform, store.zone, store.currency)
    except UnreadableFile as not_orders:
        try:
            return read_spend(data, file_name)
        except UnreadableFile:
            raise not_orders from None
