"""Write docs/metrics.md from the registry: ``python -m tasks.metrics.docs``."""

from __future__ import annotations

import sys
from itertools import groupby
from pathlib import Path

from reports.i18n import Locale
from tasks.metrics.registry import METRICS, ORDER_RULES

DOC = Path(__file__).parents[2] / "docs" / "metrics.md"
GROUPS = {
    "sales": "Sales",
    "customers": "Customers",
    "channels": "Channels and promotions",
    "products": "Products",
    "inventory": "Inventory",
    "fulfilment": "Fulfilment",
    "margin": "Margin",
    "traffic": "Traffic funnel",
    "targets": "Targets",
}
UNITS = {
    "money": "money (store currency)",
    "count": "count",
    "units": "units",
    "ratio": "ratio (shown as %)",
    "days": "days",
    "hours": "hours",
}
GOOD = {"up": "higher", "down": "lower", "neutral": "neither"}
ENGLISH, CHINESE = Locale("en"), Locale("zh-CN")


def render() -> str:
    lines = [
        "# Metrics",
        "",
        "Generated from `tasks/metrics/registry.py` by `python -m tasks.metrics.docs`; edit the",
        "registry, not this file. Every report, check and export reads these definitions.",
        "",
        "## Rules every order-based metric follows",
        "",
        *(f"- {rule}" for rule in ORDER_RULES),
        "- A day is the store's local calendar day in its IANA timezone (23 or 25 hours on DST "
        "days); a week is the ISO week, Monday to Sunday, named by its Monday.",
        "- Ratios are taken of the period's sums, never averaged over days. A ratio over zero is "
        "n/a, never 0 % or infinity. A day without orders is a day of zeros, not a missing day.",
        "- Comparisons: against the previous period, the same weekday last week, and the same "
        "period 364 days back (so weekdays line up). A period still in progress is compared with "
        "the same days of the other periods.",
        "- Several stores roll up into the reporting currency at the stated daily rate (the "
        "latest loaded on or before the day); product and variant breakdowns do not roll up.",
        "- Each definition has a version; raising it recomputes that history.",
        "",
    ]
    for group, members in groupby(METRICS, key=lambda m: m.group):
        lines += [f"## {GROUPS[group]}", ""]
        for m in members:
            breakdown = f"; broken down by **{m.dimension}**" if m.dimension else ""
            lines += [
                f"### `{m.name}`: {ENGLISH.metric(m.name)} ({CHINESE.metric(m.name)})",
                "",
                f"**{m.formula}**. Unit: {UNITS[m.unit]}; better: {GOOD[m.good]}; "
                f"grains: {', '.join(m.grains)}{breakdown}; version {m.version}.",
                "",
                *(f"- {choice}" for choice in m.choices),
                *([""] if m.choices else []),
            ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if DOC.read_text(encoding="utf-8") == render() else 1)
    DOC.write_text(render(), encoding="utf-8")
