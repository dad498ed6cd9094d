"""The error hierarchy every layer raises and catches.

Messages name the store, the endpoint and the status; they never carry a secret and quote at most a
short excerpt of a response body.
"""

from __future__ import annotations

BODY_EXCERPT_CHARS = 200


class StorepulseError(Exception):
    """Base of every error storepulse raises on purpose."""


class ConfigError(StorepulseError):
    """The configuration is missing, malformed or names something that does not exist."""


class ConnectorError(StorepulseError):
    """A call to an external system failed."""

    #: Whether trying again later can succeed (network trouble, 5xx, throttling).
    transient = True


class AuthError(ConnectorError):
    """The platform refused the credentials (401) or the permission (403)."""

    transient = False


class RateLimitError(ConnectorError):
    """The platform kept throttling us after every retry we allow."""


class ResponseError(ConnectorError):
    """The platform answered with an error that retrying will not fix (400, 404, 422…)."""

    transient = False


class DispatchError(StorepulseError):
    """A message could not be delivered to a channel."""


class MalformedRecord(StorepulseError):
    """A platform record that cannot be turned into a canonical record; it goes to quarantine."""


def excerpt(body: str | bytes, limit: int = BODY_EXCERPT_CHARS) -> str:
    """Return a short single-line excerpt of a response body for an error message."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
