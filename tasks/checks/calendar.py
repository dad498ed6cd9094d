"""Days that are not ordinary: holidays built in, campaigns from the configuration.

Such days sell unlike any other, so checks neither score them nor learn from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from connectors.config import CampaignConfig

#: The longest event whose whole length a special day's expectation looks ahead for.
LONGEST_RUN = 92


def builtin_days(years: Iterable[int]) -> dict[date, str]:
    """Retail's big days: Black Friday to Cyber Monday, 618, 11.11, 12.12, Christmas, New Year."""
    days: dict[date, str] = {}
    for year in years:
        thanksgiving = _nth_weekday(year, 11, 3, 4)
        days[thanksgiving] = "Thanksgiving"
        for offset, name in enumerate(("Black Friday", "BFCM weekend", "BFCM weekend")):
            days[thanksgiving + timedelta(days=1 + offset)] = name
        days[thanksgiving + timedelta(days=4)] = "Cyber Monday"
        days[date(year, 6, 18)] = "618"
        days[date(year, 11, 11)] = "11.11"
        days[date(year, 12, 12)] = "12.12"
        for day, name in ((24, "Christmas Eve"), (25, "Christmas"), (26, "Boxing Day")):
            days[date(year, 12, day)] = name
        days[date(year, 12, 31)] = "New Year's Eve"
        days[date(year, 1, 1)] = "New Year"
    return days


def special_days(
    store: str, first: date, last: date, campaigns: Iterable[CampaignConfig] = ()
) -> dict[date, str]:
    """Every holiday and every campaign of ``store`` between ``first`` and ``last``."""
    days = {
        d: name
        for d, name in builtin_days(range(first.year, last.year + 1)).items()
        if first <= d <= last
    }
    for campaign in campaigns:
        if campaign.stores and store not in campaign.stores:
            continue
        day = max(campaign.start, first)
        while day <= min(campaign.end, last):
            days[day] = campaign.name
            day += timedelta(days=1)
    return days


def special_days_through(
    store: str, first: date, day: date, campaigns: Iterable[CampaignConfig] = ()
) -> dict[date, str]:
    """:func:`special_days` from ``first`` to ``day``, and on to the end of the event running
    on ``day``: a special day is expected knowing its event's whole length."""
    days = special_days(store, first, day, campaigns)
    name = days.get(day)
    if name is not None:
        ahead = special_days(store, day, day + timedelta(days=LONGEST_RUN), campaigns)
        while ahead.get(day + timedelta(days=1)) == name:
            day += timedelta(days=1)
            days[day] = name
    return days


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


#: The names of the built-in retail days (never similar to a campaign).
RETAIL_DAYS = frozenset(builtin_days([2000]).values())
