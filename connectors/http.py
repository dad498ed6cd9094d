"""What every HTTP connector shares: a session, a header-driven leaky bucket, retry timing, which
failures are transient, and the GET loop that puts them together (``RestClient``)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import msgspec
import requests
from urllib3.exceptions import IncompleteRead, ProtocolError

from connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimitError,
    ResponseError,
    excerpt,
)


def _user_agent() -> str:
    """``storepulse/<installed version>``: platforms log it, and it names nothing we do not own."""
    try:
        return f"storepulse/{version('storepulse')}"
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "storepulse"


USER_AGENT = _user_agent()


def build_session(headers: dict[str, str]) -> requests.Session:
    """Return a session with our user agent and the given default headers."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **headers})
    return session


@dataclass(slots=True)
class RequestStats:
    """What a client did, for run summaries."""

    requests: int = 0
    retries: int = 0
    #: Times the client paused: bucket pacing plus honoured 429s.
    throttle_waits: int = 0
    throttled_429: int = 0
    wait_seconds: float = 0.0

    def add(self, other: RequestStats) -> None:
        """Add another client's counts to these."""
        self.requests += other.requests
        self.retries += other.retries
        self.throttle_waits += other.throttle_waits
        self.throttled_429 += other.throttled_429
        self.wait_seconds += other.wait_seconds

    def since(self, earlier: RequestStats) -> RequestStats:
        """What was done between an earlier snapshot of these counts and now."""
        return RequestStats(
            self.requests - earlier.requests,
            self.retries - earlier.retries,
            self.throttle_waits - earlier.throttle_waits,
            self.throttled_429 - earlier.throttled_429,
            self.wait_seconds - earlier.wait_seconds,
        )


class LeakyBucket:
    """A client-side model of the platform's leaky bucket, corrected by every response.

    The platform reports ``used/capacity`` after each call; between calls the bucket drains at
    ``leak_per_second``. Before a call we wait just long enough that it will not overflow,
    keeping ``headroom`` slots free for other clients of the same app.
    """

    def __init__(
        self,
        leak_per_second: float | None = None,
        headroom: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._fixed_rate = leak_per_second
        self.leak_per_second = leak_per_second
        self.capacity: int | None = None
        self.headroom = headroom
        self._level = 0.0
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more call fits; return the seconds waited."""
        with self._lock:
            now = self._clock()
            level = self._drained(now)
            waited = 0.0
            if self.capacity is not None and self.leak_per_second:
                limit = max(1, self.capacity - self.headroom)
                excess = level + 1 - limit
                if excess > 0:
                    waited = excess / self.leak_per_second
                    self._sleep(waited)
                    now += waited
                    level = max(0.0, level - excess)
            self._level = level + 1
            self._stamp = now
            return waited

    def observe(self, used: int, capacity: int) -> None:
        """Take the platform's word for the bucket's level."""
        with self._lock:
            self.capacity = capacity
            # Shopify's plans drain their bucket in 20 s: 40 at 2/s, 80 at 4/s, 400 at 20/s.
            self.leak_per_second = self._fixed_rate or capacity / 20
            self._level = float(used)
            self._stamp = self._clock()

    def _drained(self, now: float) -> float:
        rate = self.leak_per_second or 0.0
        return max(0.0, self._level - rate * (now - self._stamp))


@dataclass(slots=True, frozen=True)
class RetryPolicy:
    """How often and how long to retry transient failures (5xx, timeouts, throttling)."""

    max_attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    #: 429s are the platform pacing us, not failing: allow more of them.
    max_throttled: int = 20

    def backoff(self, attempt: int) -> float:
        """Capped exponential delay with jitter for the given (1-based) failed attempt."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class CutShort(Exception):
    """A successful answer whose body ended early or is not the JSON it should be."""


#: Failures a retry may cure: the network, a timeout, or a body cut short or garbled on the way.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ProtocolError,
    IncompleteRead,
    CutShort,
)


def check_json_body(response: requests.Response) -> None:
    """Make sure a successful answer's body arrived whole and is JSON.

    A connection that closes mid-body usually surfaces as ``ChunkedEncodingError`` while the body
    is read; this catches what slips through: a body shorter than its ``Content-Length``, and a
    200 whose JSON does not parse (a proxy that truncated the body and fixed up the length).

    Raises:
        CutShort: naming what is wrong, never quoting the body.
    """
    body = response.content
    declared = response.headers.get("Content-Length", "")
    # A compressed body's length is not the declared one; its decoder catches truncation.
    comparable = declared.isdigit() and "Content-Encoding" not in response.headers
    if comparable and len(body) < int(declared):
        raise CutShort(f"body cut short at {len(body):,} of {int(declared):,} bytes")
    try:
        # Validate without building objects: the page is decoded, typed, by its parser next.
        msgspec.json.decode(body, type=msgspec.Raw)
    except msgspec.DecodeError:
        raise CutShort(
            f"a {response.status_code} whose {len(body):,}-byte body is not JSON"
        ) from None


def describe_transient(exc: Exception) -> str:
    """A short name for a transient failure, for logs and the give-up message."""
    return str(exc) if isinstance(exc, CutShort) else type(exc).__name__


class RestClient:
    """The GET loop every REST client shares: pacing, retries, throttling and clear refusals.

    Calls are paced by a leaky bucket (a no-op until a subclass feeds it the platform's word);
    429s wait for ``Retry-After``; 5xx, network failures and bodies cut short or garbled back off
    exponentially; 401/403 raise ``AuthError`` and other 4xx ``ResponseError`` at once. A
    subclass names its platform's conventions in the hooks: ``_observe`` (headers after each
    answer), ``_retry_refused`` (a 401 it can cure, such as another way to send the
    credentials) and ``_problem`` (an error body as one sentence).
    """

    #: Seconds to wait on a 429 that comes without a usable ``Retry-After``.
    default_retry_after = 2.0

    def __init__(
        self,
        *,
        store: str,
        session: requests.Session,
        timeout: float,
        retry: RetryPolicy | None,
        bucket: LeakyBucket,
        sleep: Callable[[float], None],
        log: logging.Logger,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.bucket = bucket
        self.stats = RequestStats()
        self._session = session
        self._sleep = sleep
        self._log = log

    def close(self) -> None:
        self._session.close()

    def _get(self, url: str, params: dict[str, Any] | None, endpoint: str) -> requests.Response:
        """GET ``url`` until it answers 2xx with a whole JSON body, or raise.

        Raises:
            AuthError: 401/403 that ``_retry_refused`` cannot cure.
            RateLimitError: still 429 after ``max_throttled`` waits.
            ResponseError: any other 4xx.
            ConnectorError: 5xx or network failures after ``max_attempts``.
        """
        failures = throttled = 0
        while True:
            self._pace()
            self.stats.requests += 1
            try:
                response = self._session.get(url, params=self._query(params), timeout=self.timeout)
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
                if self._retry_refused(response):
                    continue
                raise AuthError(self._describe(endpoint, response))
            if status >= 400:
                raise ResponseError(self._describe(endpoint, response))
            return response

    def _get_object(self, url: str, params: dict[str, Any] | None, endpoint: str) -> dict[str, Any]:
        """GET ``url`` as ``_get`` does and return its body, which must be a JSON object.

        Raises:
            ResponseError: the body is JSON but not an object.
        """
        response = self._get(url, params, endpoint)
        body = msgspec.json.decode(response.content)  # a body that is not JSON was retried
        if not isinstance(body, dict):
            raise ResponseError(self._describe(endpoint, response, "answered with a non-object"))
        return body

    # --- hooks ----------------------------------------------------------------------------------

    def _query(self, params: dict[str, Any] | None) -> dict[str, Any] | None:
        """The query string to send: the caller's parameters, plus any the platform needs."""
        return params

    def _secrets_in_query(self) -> bool:
        """Whether ``_query`` adds credentials, so that no error may quote the URL sent."""
        return False

    def _observe(self, response: requests.Response) -> None:
        """Read what the platform says in every answer's headers (rate limits, versions)."""

    def _retry_refused(self, response: requests.Response) -> bool:
        """Whether a 401/403 was cured and the call should be made again."""
        return False

    def _problem(self, response: requests.Response) -> str:
        """An error answer's body as a short excerpt, for the message."""
        return excerpt(response.content)

    # --- shared mechanics -----------------------------------------------------------------------

    def _pace(self) -> None:
        waited = self.bucket.acquire()
        if waited:
            self.stats.throttle_waits += 1
            self.stats.wait_seconds += waited

    def _wait_throttled(self, response: requests.Response) -> None:
        try:
            wait = float(response.headers.get("Retry-After", self.default_retry_after))
        except ValueError:
            wait = self.default_retry_after
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
            # requests' errors quote the URL, query string and all: not chained where it holds keys
            chained = None if self._secrets_in_query() else cause
            raise ConnectorError(f"{detail} (gave up after {failures} attempts)") from chained
        self.stats.retries += 1
        delay = self.retry.backoff(failures)
        self._log.info(
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
        return f"{head} {problem or 'answered'} {status}: {self._problem(response)}"
