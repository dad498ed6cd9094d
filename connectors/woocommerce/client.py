"""HTTP access to one site's WooCommerce REST API v3: auth, page-number pagination.

Retries, throttling and refusals are ``connectors.http.RestClient``'s; this module adds the keys
(HTTP Basic, or the query string when the host strips the Authorization header), WordPress's
``X-WP-Total``/``X-WP-TotalPages`` paging and its ``{"code","message","data":{"status"}}``
errors read as one sentence.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, Literal

import orjson
import requests
from pydantic import SecretStr

from connectors.errors import ConnectorError, ResponseError, excerpt
from connectors.http import LeakyBucket, RestClient, RetryPolicy, build_session
from connectors.woocommerce.settings import (
    API_PATH,
    CANNOT_VIEW,
    SITE_INDEX_PATH,
    TOTAL_HEADER,
    TOTAL_PAGES_HEADER,
)

log = logging.getLogger("storepulse.woocommerce")

Json = dict[str, Any]
AuthMode = Literal["header", "query"]
#: How often a listing is read again from its first page when it shrank while being paged.
MAX_RESTARTS = 5


class WooClient(RestClient):
    """Talk to ``{base_url}/wp-json/wc/v3/`` for one store.

    The keys go in the Authorization header (``auth="header"``) or, for hosts that strip it,
    as ``consumer_key``/``consumer_secret`` query parameters (``auth="query"``); a header-mode
    client that is answered ``woocommerce_rest_cannot_view`` (the answer to a request without
    credentials) switches to the query string once and says so. Keys never appear in logs or
    error messages: errors name the endpoint, never the URL that carries them.
    """

    def __init__(
        self,
        *,
        store: str,
        base_url: str,
        consumer_key: SecretStr,
        consumer_secret: SecretStr,
        auth: AuthMode = "header",
        timeout: float = 30.0,
        calls_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            store=store,
            session=build_session({}),
            timeout=timeout,
            retry=retry,
            bucket=_steady(calls_per_second, sleep),
            sleep=sleep,
            log=log,
        )
        self.base_url = base_url.rstrip("/")
        self.api_root = self.base_url + API_PATH
        self.auth: AuthMode = auth
        self._key, self._secret = consumer_key, consumer_secret
        self._use(auth)

    def site(self) -> Json:
        """The WordPress REST index: the site's name, home and timezone (no keys needed)."""
        return self._get_object(self.base_url + SITE_INDEX_PATH, None, "wp-json")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Json:
        """GET one resource (``settings/general/woocommerce_currency``…) as a JSON object."""
        return self._get_object(self.api_root + path, params, path)

    def get_body(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET one resource and return its raw JSON body, for a typed decoder."""
        return self._get(self.api_root + path, params, path).content

    def total(self, path: str, params: dict[str, Any]) -> int:
        """How many records a listing holds, from ``X-WP-Total`` (one record fetched)."""
        response = self._get(self.api_root + path, params | {"per_page": 1, "page": 1}, path)
        return _header_int(response, TOTAL_HEADER, path, self.store)

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        """Yield each page's raw JSON body, ``page=1…X-WP-TotalPages`` with the same filters.

        Page numbers shift when records leave the listing while it is read (an order edited
        moves out of a closed modified window), which would skip a record. Such a listing
        shrinks, so when a page's ``X-WP-Total`` is below the first page's the listing is read
        again from page 1 (records read twice are upserted twice, to no effect).

        Raises:
            ConnectorError: the listing kept shrinking through ``MAX_RESTARTS`` readings.
        """
        for _ in range(MAX_RESTARTS):
            complete = yield from self._read_listing(path, params)
            if complete:
                return
            log.info("store %r: %s changed while paged; reading it again", self.store, path)
        raise ConnectorError(
            f"store {self.store!r}: GET {path} kept changing while it was paged "
            f"({MAX_RESTARTS} readings); try again later"
        )

    def _read_listing(self, path: str, params: dict[str, Any]) -> Generator[bytes, None, bool]:
        """Yield the pages; return False when the listing shrank on the way."""
        page, last, first_total = 1, 1, None
        while page <= last:
            response = self._get(self.api_root + path, params | {"page": page}, path)
            total = _header_int(response, TOTAL_HEADER, path, self.store)
            if first_total is None:
                first_total = total
                last = _header_int(response, TOTAL_PAGES_HEADER, path, self.store)
            elif total < first_total:
                return False
            yield response.content
            page += 1
        return True

    # --- RestClient hooks -----------------------------------------------------------------------

    def _query(self, params: dict[str, Any] | None) -> dict[str, Any] | None:
        if self.auth != "query":
            return params
        keys = {
            "consumer_key": self._key.get_secret_value(),
            "consumer_secret": self._secret.get_secret_value(),
        }
        return (params or {}) | keys

    def _secrets_in_query(self) -> bool:
        return self.auth == "query"

    def _retry_refused(self, response: requests.Response) -> bool:
        if self.auth != "header" or error_code(response) != CANNOT_VIEW:
            return False
        log.warning(
            "store %r: the site ignored the Authorization header (its server strips it); "
            "sending the keys in the query string instead: set auth: query for this store",
            self.store,
        )
        self._use("query")
        return True

    def _problem(self, response: requests.Response) -> str:
        return describe_error(response)

    def _use(self, auth: AuthMode) -> None:
        self.auth = auth
        self._session.headers.pop("Authorization", None)
        if auth == "header":
            pair = f"{self._key.get_secret_value()}:{self._secret.get_secret_value()}"
            token = base64.b64encode(pair.encode()).decode()
            self._session.headers["Authorization"] = f"Basic {token}"


def error_code(response: requests.Response) -> str | None:
    """The ``code`` of a WordPress error body, if the body is one."""
    body = _error_body(response)
    code = body.get("code") if body else None
    return code if isinstance(code, str) else None


def describe_error(response: requests.Response) -> str:
    """A WordPress error body as a sentence: ``Sorry, you cannot list resources.
    (woocommerce_rest_cannot_view)``, with a parameter's own complaint when it names one;
    anything else as a short excerpt."""
    body = _error_body(response)
    if body is None or not isinstance(body.get("message"), str):
        return excerpt(response.content)
    sentence = body["message"].strip()
    data = body.get("data")
    params = data.get("params") if isinstance(data, dict) else None
    if isinstance(params, dict) and params:
        sentence += " " + "; ".join(f"{k}: {v}" for k, v in params.items())
    return excerpt(f"{sentence} ({body.get('code')})")


def _error_body(response: requests.Response) -> Json | None:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) and "code" in body else None


def _header_int(response: requests.Response, name: str, path: str, store: str) -> int:
    value = response.headers.get(name, "")
    if not value.isdigit():
        raise ResponseError(f"store {store!r}: GET {path} answered without a usable {name} header")
    return int(value)


def _steady(calls_per_second: float | None, sleep: Callable[[float], None]) -> LeakyBucket:
    """A bucket of one call at the configured rate; WooCommerce itself sets no rate limit."""
    bucket = LeakyBucket(calls_per_second, headroom=0, sleep=sleep)
    if calls_per_second:
        bucket.capacity = 1
    return bucket
