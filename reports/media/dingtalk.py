"""DingTalk custom robots: each report as ``markdown`` messages in DingTalk's subset.

Limits (DingTalk's documentation and observed errors): 20,000 bytes per request body (errcode
460101). Its Markdown has headings, bold, links, quotes and lists, but no tables and no
documented colours: KPIs are lines, changes carry their sign. Mentions must be both in ``at``
and in the text (``@13800000000``). The transport adds the robot's keyword and, with
``reports_url`` set, turns the last part into an ``actionCard`` with a button to the report.
"""

from __future__ import annotations

import json
from typing import Any

from reports.content.alerts import notice_title
from reports.content.daily import daily_title
from reports.content.weekly import WeeklySections, weekly_title
from reports.i18n import Locale
from reports.media.chunks import json_size, pack_text, utf8_size
from reports.media.phone import (
    Dialect,
    daily_phone,
    mentioned,
    notice_phone,
    part_title,
    plain_tone,
    sections_phone,
    weekly_phone,
)
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview

Payload = dict[str, Any]
LIMIT = 20_000
#: Room left for what the transport adds: the keyword, a report button, a part's title.
RESERVE = 1_200
DIALECT = Dialect(plain_tone)


def body_size(payload: Payload) -> int:
    """The request body's bytes, serialised as the client sends it (UTF-8, not \\u escapes)."""
    return utf8_size(json.dumps(payload, ensure_ascii=False))


def markdown_messages(
    title: str, sections: list[str], t: Locale, at: Payload | None = None
) -> list[Payload]:
    """``sections`` as markdown messages under :data:`LIMIT`; ``at`` goes with the first."""
    longest = part_title(title, 99, 99, t)  # a part's title is the longer one
    envelope = {"msgtype": "markdown", "markdown": {"title": longest, "text": ""}, "at": at or {}}
    texts = pack_text(sections, LIMIT - RESERVE - body_size(envelope), json_size)
    messages: list[Payload] = []
    for n, text in enumerate(texts, 1):
        card = {"title": part_title(title, n, len(texts), t), "text": text}
        messages.append({"msgtype": "markdown", "markdown": card} | ({"at": at} if at else {}))
        at = None
    return messages


def daily_dingtalk(digest: DailyDigest, t: Locale) -> list[Payload]:
    return markdown_messages(daily_title(digest, t), daily_phone(digest, t, DIALECT), t)


def weekly_dingtalk(r: WeeklyReview, t: Locale) -> list[Payload]:
    return markdown_messages(weekly_title(r, t), weekly_phone(r, t, DIALECT), t)


def sections_dingtalk(s: WeeklySections, t: Locale) -> list[Payload]:
    return markdown_messages(s.title, sections_phone(s, t, DIALECT), t)


def notice_dingtalk(n: AlertNotice, t: Locale) -> list[Payload]:
    """A critical notice @-mentions the channel's people, in ``at`` and in the text."""
    mobiles, users = mentioned(n.mentions) if n.critical else ([], [])
    calls = " ".join(f"@{who}" for who in mobiles + users)
    at = {"atMobiles": mobiles, "atUserIds": users, "isAtAll": False} if calls else None
    return markdown_messages(notice_title(n, t), notice_phone(n, t, DIALECT, calls), t, at)


MEDIUM = Medium("dingtalk", daily_dingtalk, weekly_dingtalk, notice_dingtalk, sections_dingtalk)
