"""The closed vocabularies every layer shares, defined once.

Each is a ``Literal`` type so that mypy checks the words and pydantic refuses any other in
``storepulse.yaml``; the tuples beside them list the words in their usual order.
"""

from __future__ import annotations

from typing import Literal, get_args

#: The languages reports are written in.
Language = Literal["en", "zh-CN"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

#: How loud a finding is, quietest first.
Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

#: Which changes of a metric an anomaly check reports.
Side = Literal["both", "drop", "spike"]
SIDES: tuple[Side, ...] = get_args(Side)

#: What a metric's value counts (money in the store's currency units).
#: ``multiple``: a return on spend, shown as 3.20×.
Unit = Literal["money", "count", "ratio", "multiple", "days", "hours", "units"]

#: The messages a channel can receive (``campaign``: a campaign's review, the morning after).
Report = Literal["daily", "weekly", "alerts", "campaign"]
REPORTS: tuple[Report, ...] = get_args(Report)

#: The checks a finding comes from: business (anomaly, level, cumulative, rule), data health,
#: and the intraday watch of a live campaign (orders stopped, below the band, target pace).
Check = Literal[
    "anomaly",
    "level",
    "cumulative",
    "rule",
    "freshness",
    "volume",
    "count",
    "quarantine",
    "idle_spend",
    "watch_stopped",
    "watch_band",
    "watch_pace",
]
CHECKS: tuple[Check, ...] = get_args(Check)
#: The intraday watch's checks: only a watch run opens or resolves their alerts.
WATCH_CHECKS: tuple[Check, ...] = ("watch_stopped", "watch_band", "watch_pace")
