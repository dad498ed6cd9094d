"""Conversion by channel is watched per channel: each channel its own series and alert."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from connectors.config import WatchConfig
from reports.i18n import Locale
from tasks.checks.business import anomaly_findings
from tasks.checks.history import History

DAYS = 200
LAST = date(2026, 11, 30)


def history(email_last_day: float) -> History:
    """Steady channel conversion with weekday noise; Email's last day set by the caller."""
    rng = np.random.default_rng(7)
    days = [LAST - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    series = {
        channel: base * (1 + rng.normal(0, 0.05, DAYS))
        for channel, base in (("Direct", 0.025), ("Email", 0.05), ("Organic Search", 0.02))
    }
    series["Email"][-1] = email_last_day
    breakdowns = {("channel_conversion_rate", c): s for c, s in series.items()}
    return History(days, {}, breakdowns)


def findings(email_last_day: float) -> list[tuple[str, str, str]]:
    found = anomaly_findings(
        "shop",
        "USD",
        history(email_last_day),
        LAST,
        [WatchConfig(metric="channel_conversion_rate", side="drop")],
        np.zeros(DAYS, dtype=bool),
    )
    return [(f.check, f.dimension_value, f.fingerprint) for f in found]


def test_a_collapse_in_one_channel_is_an_alert_of_that_channel() -> None:
    found = findings(0.01)
    assert ("anomaly", "Email", "shop/channel_conversion_rate/anomaly/Email") in found
    assert {part for _, part, _ in found} == {"Email"}


def test_an_ordinary_day_in_every_channel_raises_nothing() -> None:
    assert findings(0.05) == []


def test_the_alert_names_its_channel_in_each_language() -> None:
    found = anomaly_findings(
        "shop",
        "USD",
        history(0.01),
        LAST,
        [WatchConfig(metric="channel_conversion_rate", side="drop")],
        np.zeros(DAYS, dtype=bool),
    )
    anomaly = next(f for f in found if f.check == "anomaly")
    assert anomaly.message.startswith("Conversion rate by channel · Email")
    assert anomaly.explanation["breakdown"] == "Email"
    assert Locale("zh-CN").metric("channel_conversion_rate") == "渠道转化率"


def test_a_sustained_fall_in_one_channel_names_it_too() -> None:
    """Email's conversion a third lower for its last five days: a multi-day alert of Email."""
    fallen = history(0.05)
    fallen.breakdowns[("channel_conversion_rate", "Email")][-5:] = 0.03
    found = anomaly_findings(
        "shop",
        "USD",
        fallen,
        LAST,
        [WatchConfig(metric="channel_conversion_rate", side="drop")],
        np.zeros(DAYS, dtype=bool),
    )
    sustained = [f for f in found if f.check in ("cumulative", "level")]
    assert sustained and {f.dimension_value for f in sustained} == {"Email"}
    for f in sustained:
        assert f.message.startswith("Conversion rate by channel · Email"), f.message
        params = f.explanation["params"]
        assert Locale("zh-CN").finding(f.check, params).startswith("渠道转化率 · Email")
