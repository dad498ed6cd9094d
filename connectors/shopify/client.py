"""HTTP access to one shop's REST Admin API: auth, pacing and Link pagination (retries are
``connectors.http.RestClient``'s)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from pydantic import SecretStr

from connectors.http import LeakyBucket, RestClient, RetryPolicy, build_session
from connectors.shopify.settings import (
    ACCESS_TOKEN_HEADER,
    API_VERSION,
    API_VERSION_HEADER,
    CALL_LIMIT_HEADER,
    DEPRECATED_REASON_HEADER,
)

log = logging.getLogger("storepulse.shopify")

Json = dict[str, Any]
#: Retry-After Shopify sends on a 429 when the header is somehow missing.
DEFAULT_RETRY_AFTER = 2.0


class ShopifyClient(RestClient):
    """Talk to ``{base_url}/admin/api/{version}/`` for one store.

    The token is sent in ``X-Shopify-Access-Token`` and appears nowhere else: not in URLs, logs
    or error messages. Calls are paced by a leaky bucket that the shop's call-limit header keeps
    honest; retries and refusals follow ``RestClient``.
    """

    default_retry_after = DEFAULT_RETRY_AFTER

    def __init__(
        self,
        *,
        store: str,
        base_url: str,
        token: SecretStr,
        api_version: str = API_VERSION,
        timeout: float = 30.0,
        calls_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            store=store,
            session=build_session({ACCESS_TOKEN_HEADER: token.get_secret_value()}),
            timeout=timeout,
            retry=retry,
            bucket=LeakyBucket(calls_per_second, sleep=sleep),
            sleep=sleep,
            log=log,
        )
        self.api_version = api_version
        self.api_root = f"{base_url.rstrip('/')}/admin/api/{api_version}/"
        self._warned: set[str] = set()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Json:
        """GET one resource (``shop.json``, ``orders/count.json``…) and return its JSON body."""
        return self._get_object(self.api_root + path, params, path)

    def get_body(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET one resource and return its raw JSON body, for a typed decoder."""
        return self._get(self.api_root + path, params, path).content

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        """Yield each page's raw JSON body, following ``Link: <…>; rel="next"``.

        Filters go on the first request only: later pages carry just the opaque ``page_info``
        (and ``limit``) that Shopify put in the link, as its API requires.
        """
        url: str | None = self.api_root + path
        query: dict[str, Any] | None = params
        while url:
            response = self._get(url, query, path)
            yield response.content
            url = response.links.get("next", {}).get("url")
            query = None

    def _observe(self, response: requests.Response) -> None:
        limit = response.headers.get(CALL_LIMIT_HEADER)
        if limit:
            used, _, capacity = limit.partition("/")
            if used.isdigit() and capacity.isdigit():
                self.bucket.observe(int(used), int(capacity))
        served = response.headers.get(API_VERSION_HEADER)
        if served and served != self.api_version:
            self._warn_once(
                "version",
                "store %r: asked for API %s, Shopify served %s (the version fell forward)",
                self.store,
                self.api_version,
                served,
            )
        if DEPRECATED_REASON_HEADER in response.headers:
            self._warn_once(
                "deprecated",
                "store %r: Shopify reports deprecated API use: %s",
                self.store,
                response.headers[DEPRECATED_REASON_HEADER],
            )

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)
