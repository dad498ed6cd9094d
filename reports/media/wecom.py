"""WeCom group robots: each report as ``markdown`` messages in WeCom's subset, with its colours.

Limits (WeCom's documentation): 4,096 bytes of ``markdown.content`` and 2,048 of
``text.content``, UTF-8 (errcode 40058). Its Markdown (v1) has headings, bold, links, quotes and
three font colours: ``info`` (green) for a good change, ``warning`` (orange-red) for a bad one.
``<@userid>`` mentions work in Markdown; phone numbers only in a text message
(``mentioned_mobile_list``), sent after the notice. The digest's chart goes as an image message
(the transport: base64 and MD5 of the PNG, at most 2 MB).
"""

from __future__ import annotations

from typing import Any

from reports.content.alerts import notice_title
from reports.content.weekly import WeeklySections
from reports.i18n import Locale
from reports.media.chunks import pack_text, utf8_size
from reports.media.phone import (
    Dialect,
    daily_phone,
    mentioned,
    notice_phone,
    phone_escape,
    sections_phone,
    weekly_phone,
)
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview

Payload = dict[str, Any]
MARKDOWN_LIMIT = 4096
TEXT_LIMIT = 2048
#: Room left in a part for what the transport adds: a link to the report page.
RESERVE = 400
COLOURS = {"good": "info", "bad": "warning"}


def wecom_tone(text: str, tone: str) -> str:
    colour = COLOURS.get(tone)
    return f'<font color="{colour}">{text}</font>' if colour else text


DIALECT = Dialect(wecom_tone)


def markdown_messages(sections: list[str]) -> list[Payload]:
    """``sections`` as markdown messages whose content stays under :data:`MARKDOWN_LIMIT`."""
    texts = pack_text(sections, MARKDOWN_LIMIT - RESERVE, utf8_size)
    return [{"msgtype": "markdown", "markdown": {"content": text}} for text in texts]


def daily_wecom(digest: DailyDigest, t: Locale) -> list[Payload]:
    return markdown_messages(daily_phone(digest, t, DIALECT))


def weekly_wecom(r: WeeklyReview, t: Locale) -> list[Payload]:
    return markdown_messages(weekly_phone(r, t, DIALECT))


def sections_wecom(s: WeeklySections, t: Locale) -> list[Payload]:
    return markdown_messages(sections_phone(s, t, DIALECT))


def notice_wecom(n: AlertNotice, t: Locale) -> list[Payload]:
    """A critical notice calls user IDs in the Markdown and phone numbers in a text after it."""
    mobiles, users = mentioned(n.mentions) if n.critical else ([], [])
    calls = " ".join(f"<@{user}>" for user in users)
    messages = markdown_messages(notice_phone(n, t, DIALECT, calls))
    if mobiles:
        call = f"{t('call')}{t('colon')}{phone_escape(notice_title(n, t))}"
        text = {"content": call, "mentioned_mobile_list": mobiles}
        messages.append({"msgtype": "text", "text": text})
    return messages


MEDIUM = Medium("wecom", daily_wecom, weekly_wecom, notice_wecom, sections_wecom)
