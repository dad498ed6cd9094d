"""What the three robot clients share: one JSON post, the error that says what to do, and the
care that keeps a webhook's key out of every message.

The post goes through ``urllib.request``, which logs nothing: an HTTP library that logs each
request line at debug level would write the URL's token or key into the logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from pydantic import SecretStr

from connectors.errors import DispatchError, excerpt
from connectors.http import USER_AGENT

Payload = dict[str, Any]
Clock = Callable[[], float]
TIMEOUT = 20.0
#: After network trouble or a busy answer: soon, by the outbox's ordinary back-off.
BUSY = timedelta(minutes=1)


class RobotError(DispatchError):
    """A robot refused or could not take a message.

    ``retry_after`` is set when trying again later can succeed (a rate limit, a busy server):
    then ``throttled`` says whether it was the robot's rate limit. Otherwise the message says
    what to fix in the robot's settings or storepulse.yaml.
    """

    def __init__(
        self, message: str, retry_after: timedelta | None = None, throttled: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.throttled = throttled


@dataclass(frozen=True, slots=True)
class Answer:
    """What a robot's error code means: try later (after ``wait``) or fix something (``fix``)."""

    fix: str = ""
    wait: timedelta | None = None
    throttled: bool = False


def later(wait: timedelta, what: str, throttled: bool = False) -> Answer:
    return Answer(what, wait, throttled)


class Robot(Protocol):
    #: The app, as a reader names it (DingTalk, Feishu, WeCom).
    app: str

    def post(self, payload: Payload) -> None:
        """Send one message; raise :class:`RobotError` unless the robot took it."""
        ...


class Webhook:
    """One robot's webhook: posts JSON (UTF-8, as the byte limits count it) and reads the body."""

    def __init__(
        self, app: str, url: SecretStr, secrets: list[SecretStr], clock: Clock | None = None
    ) -> None:
        self.app = app
        self._url = url
        self._secrets = [url, *secrets]
        self.clock = clock or time.time

    @property
    def url(self) -> str:
        return self._url.get_secret_value()

    @property
    def where(self) -> str:
        """The robot's host: what a message may name (never the path's token or the query)."""
        split = urlsplit(self.url)
        return f"{split.hostname}:{split.port}" if split.port else str(split.hostname)

    def send(self, url: str, payload: Payload) -> tuple[int, Payload]:
        """POST ``payload`` to ``url``; (HTTP status, JSON body). Network trouble → try later."""
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        if urlsplit(url).scheme not in ("http", "https"):
            raise RobotError(f"{self.app} robot: its webhook URL is not an http(s) URL")
        request = Request(url, data=data, headers=headers, method="POST")  # noqa: S310 (checked)
        try:
            with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except HTTPError as exc:  # an error status still has a body to read
            status, raw = exc.code, exc.read()
        except OSError as exc:  # its text may hold the URL: never shown
            raise RobotError(
                f"{self.app} robot at {self.where}: {type(exc).__name__}; tried again later",
                BUSY,
            ) from None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RobotError(
                f"{self.app} robot at {self.where}: HTTP {status}, not JSON "
                f"({self.redact(excerpt(raw))}); tried again later",
                BUSY if status >= 500 or status == 429 else None,
            )
        return status, body

    def settle(self, status: int, code: object, message: str, answers: dict[int, Answer]) -> None:
        """Return if the robot took the message (HTTP 200, code 0); else raise what to do."""
        if status == 200 and code == 0:
            return
        if not isinstance(code, int):
            raise RobotError(f"{self.app} robot at {self.where}: HTTP {status}", BUSY)
        fallback = later(BUSY, "") if status >= 500 else Answer()
        raise self.fail(code, message, answers.get(code, fallback))

    def fail(self, code: int, message: str, answer: Answer) -> RobotError:
        """The error for ``code``: what the robot said (redacted), then what to do."""
        said = f"{self.app} robot at {self.where}: error {code} ({self.redact(message)})"
        if answer.wait is not None:
            minutes = max(1, round(answer.wait.total_seconds() / 60))
            hint = answer.fix or "tried again later"
            return RobotError(
                f"{said}: {hint}; tried again in {minutes} min", answer.wait, answer.throttled
            )
        return RobotError(f"{said}: {answer.fix or 'see the app documentation for this code'}")

    def redact(self, text: str) -> str:
        """``text`` with any secret, and the URL's token or key, replaced by ``…``."""
        for secret in self._secrets:
            value = secret.get_secret_value()
            for part in {value, *_url_parts(value)}:
                if len(part) >= 6:
                    text = text.replace(part, "…")
        return excerpt(text)


class SigningRobot:
    """A robot that signs each request with its secret when it has one (DingTalk, Feishu)."""

    app = ""

    def __init__(
        self, url: SecretStr, secret: SecretStr | None = None, clock: Clock | None = None
    ) -> None:
        self._hook = Webhook(self.app, url, [secret] if secret else [], clock)
        self._secret = secret


def _url_parts(url: str) -> list[str]:
    """The pieces of a webhook URL that are secret: its last path segment and query values."""
    split = urlsplit(url)
    values = [v.partition("=")[2] for v in split.query.split("&")]
    return [split.path.rsplit("/", 1)[-1], *values]
