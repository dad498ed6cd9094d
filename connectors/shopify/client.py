"""HTTP access to one shop's REST Admin API: auth, pacing, retries and Link pagination."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import requests
from pydantic import SecretStr

from connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimitError,
    ResponseError,
    excerpt,
)
from connectors.http import (
    TRANSIENT_ERRORS,
    LeakyBucket,
    RequestStats,
    RetryPolicy,
    build_session,
    check_json_body,
    describe_transient,
)
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


class ShopifyClient:
    """Talk to ``{base_url}/admin/api/{version}/`` for one store.

    The token is sent in ``X-Shopify-Access-Token`` and appears nowhere else: not in URLs, logs
    or error messages. Calls are paced by a leaky bucket that the shop's call-limit header keeps
    honest; 429s wait for ``Retry-After``; 5xx, network failures and bodies cut short or garbled
    back off exponentially; 4xx other than 429 raise at once.
    """

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
        self.store = store
        self.api_version = api_version
        self.api_root = f"{base_url.rstrip('/')}/admin/api/{api_version}/"
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.bucket = LeakyBucket(calls_per_second, sleep=sleep)
        self.stats = RequestStats()
        self._sleep = sleep
        self._session = build_session({ACCESS_TOKEN_HEADER: token.get_secret_value()})
        self._warned: set[str] = set()

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Json:
        """GET one resource (``shop.json``, ``orders/count.json``…) and return its JSON body."""
        response = self._get(self.api_root + path, params, path)
        body = orjson.loads(response.content)  # a body that is not JSON was retried, then refused
        if not isinstance(body, dict):
            raise ResponseError(self._describe(path, response, "answered with a non-object"))
        return body

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

    def _get(self, url: str, params: dict[str, Any] | None, endpoint: str) -> requests.Response:
        failures = throttled = 0
        while True:
            self._pace()
            self.stats.requests += 1
            try:
                response = self._session.get(url, params=params, timeout=self.timeout)
                if 200 <= response.status_code < 300:
                    check_json_body(response)
            except TRANSIENT_ERRORS as exc:
                failures += 1
                self._give_up_or_back_off(failures, endpoint, describe_transient(exc), exc)
                continue
            self._observe(response)
            status = response.status_code
            if status == 429:
                throttled += 1
                if throttled > self.retry.max_throttled:
                    raise RateLimitError(self._describe(endpoint, response, "still throttled"))
                self._wait_throttled(response)
                continue
            if status >= 500:
                failures += 1
                self._give_up_or_back_off(failures, endpoint, f"{status}", None, response)
                continue
            if status in (401, 403):
                raise AuthError(self._describe(endpoint, response))
            if status >= 400:
                raise ResponseError(self._describe(endpoint, response))
            return response

    def _pace(self) -> None:
        waited = self.bucket.acquire()
        if waited:
            self.stats.throttle_waits += 1
            self.stats.wait_seconds += waited

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

    def _wait_throttled(self, response: requests.Response) -> None:
        try:
            wait = float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER))
        except ValueError:
            wait = DEFAULT_RETRY_AFTER
        self.stats.throttled_429 += 1
        self.stats.throttle_waits += 1
        self.stats.wait_seconds += wait
        self._sleep(wait)

    def _give_up_or_back_off(
        self,
        failures: int,
        endpoint: str,
        what: str,
        cause: Exception | None,
        response: requests.Response | None = None,
    ) -> None:
        if failures >= self.retry.max_attempts:
            detail = (
                self._describe(endpoint, response)
                if response is not None
                else (f"store {self.store!r}: GET {endpoint} failed: {what}")
            )
            raise ConnectorError(f"{detail} (gave up after {failures} attempts)") from cause
        self.stats.retries += 1
        delay = self.retry.backoff(failures)
        log.info(
            "store %r: GET %s failed (%s); retrying in %.1fs", self.store, endpoint, what, delay
        )
        self._sleep(delay)

    def _describe(
        self, endpoint: str, response: requests.Response | None, problem: str | None = None
    ) -> str:
        head = f"store {self.store!r}: GET {endpoint}"
        if response is None:
            return f"{head} {problem}"
        status = f"{response.status_code} {response.reason or ''}".strip()
        return f"{head} {problem or 'answered'} {status}: {excerpt(response.content)}"

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)
