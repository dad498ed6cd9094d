"""The value types of ``storepulse.yaml``: names, codes, URLs, timezones, the names of secrets.

Each is an annotated ``str`` whose check fails with words a person reads (``must be a month such
as 2026-11``), never a regular expression; ``Strict`` is the base of every section, refusing
unknown keys.
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict


def matching(pattern: str, words: str) -> AfterValidator:
    """A check that the whole value matches ``pattern``, failing with ``words``, not the regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(words)
        return value

    return AfterValidator(check)


def quote(value: object, limit: int = 60) -> str:
    """``repr(value)``, its middle cut when longer than ``limit`` (a message stays one line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "…" + text[-3:]


def _iana(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A KeyError subclass, a ValueError for odd paths, an OSError for a folder name.
        raise ValueError(
            f"{quote(value)} is not an IANA timezone such as America/New_York"
        ) from None
    return value


def _quiet_hours(value: str) -> str:
    start, end = value.split("-")
    for part in (start, end):
        if int(part[:2]) > 23 or int(part[3:]) > 59:
            raise ValueError(f"{part} is not a time of day")
    if start == end:
        raise ValueError("start and end are the same time: give a span such as 22:00-07:00")
    return value


#: A timezone of the IANA database, such as ``America/New_York`` or ``Asia/Shanghai``.
IanaTimezone = Annotated[str, AfterValidator(_iana)]
Name = Annotated[
    str,
    matching(
        r"[a-z0-9][a-z0-9_-]{0,39}",
        "must be lowercase letters, digits, - or _ (at most 40, starting with a letter or "
        "digit), such as eu-shop",
    ),
]
Currency = Annotated[str, matching(r"[A-Z]{3}", "must be an ISO 4217 code in capitals such as USD")]
ApiVersion = Annotated[str, matching(r"\d{4}-\d{2}", "must be an API version such as 2026-10")]
Month = Annotated[str, matching(r"\d{4}-(0[1-9]|1[0-2])", "must be a month such as 2026-11")]
HttpUrl = Annotated[
    str, matching(r"https?://[^/\s]+(/\S*)?", "must be an http(s) URL such as https://example.com")
]
#: A GA4 property's numeric ID, as its admin page shows it (not the ``G-…`` measurement ID).
Ga4Property = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    matching(r"[0-9]{1,20}", "must be a GA4 property ID such as 123456789 (digits only)"),
]
#: Names an environment variable; the secret in it never appears in this file or a message.
EnvName = Annotated[
    str,
    matching(
        r"[A-Za-z_][A-Za-z0-9_]{0,127}",
        "must be the name of an environment variable such as SHOPIFY_TOKEN (the secret itself "
        "never goes in this file)",
    ),
]
#: Names a Prefect Secret block (the secret itself never goes in this file).
BlockName = Annotated[
    str,
    matching(
        r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
        "must be the name of a Prefect Secret block such as shopify-token (the secret itself "
        "never goes in this file)",
    ),
]
SlackMention = Annotated[
    str, matching(r"[US][A-Z0-9]{2,}", "must be a Slack user ID (U…) or user group ID (S…)")
]
#: A phone number a DingTalk or WeCom robot @-mentions (digits, an optional leading +).
Mobile = Annotated[str, matching(r"\+?\d{5,20}", "must be a phone number such as 13800000000")]
#: A chat app's user ID: a DingTalk or WeCom userid, a Feishu open_id (ou_…) or user_id.
RobotUser = Annotated[
    str,
    matching(r"[A-Za-z0-9_.@-]{1,64}", "must be a user ID such as zhangsan or ou_7d8a6e6d"),
]
QuietHours = Annotated[
    str,
    matching(r"\d\d:\d\d-\d\d:\d\d", "must be a span of the day such as 22:00-07:00"),
    AfterValidator(_quiet_hours),
]


class Strict(BaseModel):
    """A section of the file: an unknown key is refused, and a loaded value never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def one_of(model: BaseModel, *keys: str) -> None:
    """Refuse unless exactly one of ``keys`` is given."""
    if sum(getattr(model, key) is not None for key in keys) != 1:
        raise ValueError(f"give exactly one of {' or '.join(keys)}")
