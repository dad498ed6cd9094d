"""What every HTTP connector shares: a session, a header-driven leaky bucket, retry timing, and
which failures are transient."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import msgspec
import requests
from urllib3.exceptions import IncompleteRead, ProtocolError


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
