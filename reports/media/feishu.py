"""Feishu and Lark custom bots: each report as interactive cards (card JSON 2.0).

The header's colour says how things stand (red: a critical alert open, orange: a warning,
green: all resolved, blue: a report with nothing open); KPIs are column sets (label, value,
changes), the rest Markdown elements with Feishu's font colours. Limits (Feishu's
documentation): a request body of at most 20 KB, read as 20,000 bytes. The transport adds the
signature and the keyword, and a button to the report page when ``reports_url`` is set.
"""

from __future__ import annotations

import json
from typing import Any

from reports.content.alerts import notice_title
from reports.content.daily import Cell, daily_sections, daily_title
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.media.chunks import json_size, pack, split_text, utf8_size
from reports.media.phone import (
    Dialect,
    daily_phone,
    kpi_changes,
    mentioned,
    notice_phone,
    part_title,
    phone_escape,
    sections_phone,
    worst_severity,
)
from reports.model import AlertNotice, DailyDigest, Medium, WeeklyReview

Payload = dict[str, Any]
Element = dict[str, Any]
LIMIT = 20_000
#: Room left for what the transport adds: signature, keyword, a button, a part's title.
RESERVE = 1_200
COLOURS = {"good": "green", "bad": "red"}
HEADER = {"critical": "red", "warning": "orange"}


def feishu_tone(text: str, tone: str) -> str:
    colour = COLOURS.get(tone)
    return f"<font color='{colour}'>{text}</font>" if colour else text


DIALECT = Dialect(feishu_tone, title_mark=None)


def markdown(content: str) -> Element:
    return {"tag": "markdown", "content": content}


def kpi_columns(rows: list[list[Cell]], headers: list[str], t: Locale) -> list[Element]:
    """One column set per KPI: its label, its value, its changes (stacked on a narrow screen)."""
    return [
        {
            "tag": "column_set",
            "flex_mode": "stretch",
            "columns": [
                _column(f"**{phone_escape(row[0].text)}**", 2),
                _column(phone_escape(row[1].text), 2),
                _column(kpi_changes(row, headers, t, DIALECT, (t("vs_target"),)), 5),
            ],
        }
        for row in rows
    ]


def card_messages(
    title: str, template: str, groups: list[list[Element]], t: Locale
) -> list[Payload]:
    """Cards of ``groups`` of elements (a group is never split across cards unless it alone
    is too big, and then only a Markdown element, at line ends) under :data:`LIMIT`."""
    longest = part_title(title, 99, 99, t)  # a part's title is the longer one
    budget = LIMIT - RESERVE - body_size(_card(longest, template, []))
    cards = pack(groups, budget, _elements_size, lambda group: _split(group, budget))
    return [
        _card(part_title(title, n, len(cards), t), template, [e for g in card for e in g])
        for n, card in enumerate(cards, 1)
    ]


def daily_feishu(digest: DailyDigest, t: Locale) -> list[Payload]:
    s = daily_sections(digest, t)
    groups = [kpi_columns(s.kpi_rows, s.headers[2:], t)]
    groups += [[markdown(x)] for x in daily_phone(digest, t, DIALECT, kpis=False)]
    colour = HEADER.get(worst_severity(digest.alerts) or "", "blue")
    return card_messages(daily_title(digest, t), colour, groups, t)


def weekly_feishu(r: WeeklyReview, t: Locale) -> list[Payload]:
    return sections_feishu(weekly_sections(r, t), t)


def sections_feishu(s: WeeklySections, t: Locale) -> list[Payload]:
    groups = [kpi_columns(s.kpi_rows, s.headers[2:], t)]
    groups += [[markdown(x)] for x in sections_phone(s, t, DIALECT, kpis=False)]
    return card_messages(s.title, "blue", groups, t)


def notice_feishu(n: AlertNotice, t: Locale) -> list[Payload]:
    """A critical notice @-mentions the channel's people by open_id (``<at id=…></at>``)."""
    _, users = mentioned(n.mentions) if n.critical else ([], [])
    calls = " ".join(f"<at id={user}></at>" for user in users)
    colour = HEADER.get(worst_severity(n.alerts) or "", "green")
    sections = notice_phone(n, t, DIALECT, calls)
    return card_messages(notice_title(n, t), colour, [[markdown(x)] for x in sections], t)


def _column(content: str, weight: int) -> Element:
    return {
        "tag": "column",
        "width": "weighted",
        "weight": weight,
        "elements": [markdown(content)],
    }


def _card(title: str, template: str, elements: list[Element]) -> Payload:
    header = {"title": {"tag": "plain_text", "content": title}, "template": template}
    card = {
        "schema": "2.0",
        "config": {"wide_screen_mode": True},
        "header": header,
        "body": {"elements": elements},
    }
    return {"msg_type": "interactive", "card": card}


def body_size(value: object) -> int:
    return utf8_size(json.dumps(value, ensure_ascii=False))


def _elements_size(group: list[Element]) -> int:
    return sum(body_size(e) + 1 for e in group)  # each with its comma


def _split(group: list[Element], budget: int) -> list[list[Element]]:
    """A group too big for one card: its elements one by one, a Markdown one at line ends."""
    pieces: list[list[Element]] = []
    for element in group:
        if _elements_size([element]) <= budget or element.get("tag") != "markdown":
            pieces.append([element])
            continue
        room = budget - _elements_size([markdown("")])
        pieces += [[markdown(x)] for x in split_text(element["content"], room, json_size)]
    return pieces


MEDIUM = Medium("feishu", daily_feishu, weekly_feishu, notice_feishu, sections_feishu)
