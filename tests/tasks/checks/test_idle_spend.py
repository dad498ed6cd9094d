"""A campaign that spends above the floor while its platform reports no conversion."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from reports.content.alerts import alert_text
from reports.i18n import Locale
from reports.model import AlertLine
from tasks.checks.business import idle_spend_findings
from tasks.checks.history import History

DAYS = 35
DAY = date(2026, 11, 10)
BRAND, SPARK, QUIET, UNKNOWN = (
    "google_ads · Brand",
    "tiktok · Spark",
    "meta · Quiet",
    "ocean_engine · 直播",
)


def history() -> History:
    spine = [DAY - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    spend = np.full(DAYS, 100.0)
    # Brand: 100 a day with 4 conversions (a 25.00 CPA), then 120 and none on the day.
    brand_conv = np.full(DAYS, 4.0)
    brand_spend = spend.copy()
    brand_spend[-1], brand_conv[-1] = 120.0, 0.0
    # Spark: never converted. Quiet: spent under the floor. Unknown: no conversions column.
    return History(
        spine,
        {},
        {
            ("campaign_ad_spend", BRAND): brand_spend,
            ("campaign_conversions", BRAND): brand_conv,
            ("campaign_ad_spend", SPARK): spend.copy(),
            ("campaign_conversions", SPARK): np.zeros(DAYS),
            ("campaign_ad_spend", QUIET): np.full(DAYS, 20.0),
            ("campaign_conversions", QUIET): np.zeros(DAYS),
            ("campaign_ad_spend", UNKNOWN): spend.copy(),
            ("campaign_conversions", UNKNOWN): np.full(DAYS, np.nan),
        },
    )


def test_spend_without_conversions_is_found_with_what_was_expected() -> None:
    found = {f.dimension_value: f for f in idle_spend_findings("web", "USD", history(), DAY, 50.0)}
    assert set(found) == {BRAND, SPARK}
    brand = found[BRAND]
    assert (brand.check, brand.metric, brand.actual) == ("idle_spend", "campaign_ad_spend", 0.0)
    assert brand.expected == pytest.approx(120 / 25)  # its usual 25.00 per conversion
    assert brand.fingerprint == f"web/campaign_ad_spend/idle_spend/{BRAND}"
    assert found[SPARK].expected is None


def test_the_alert_is_worded_in_both_languages() -> None:
    found = {f.dimension_value: f for f in idle_spend_findings("web", "USD", history(), DAY, 50.0)}
    params = found[BRAND].explanation["params"]
    line = AlertLine(
        fingerprint=found[BRAND].fingerprint,
        state="new",
        severity="warning",
        kind="business",
        check="idle_spend",
        message=found[BRAND].message,
        metric="campaign_ad_spend",
        unit="money",
        actual=0.0,
        expected=found[BRAND].expected,
        lower=None,
        upper=None,
        params=params,
    )
    english = alert_text(line, Locale("en"), "USD")
    assert english.startswith("google_ads · Brand spent $120.00 (above the floor of $50.00)")
    assert "($25.00) about 4.8 were expected" in english
    chinese = alert_text(line, Locale("zh-CN"), "USD")
    assert chinese.startswith("google_ads · Brand 花费 ")
    assert "预计约 4.8 次转化" in chinese
    never = replace(line, params=found[SPARK].explanation["params"], expected=None)
    assert alert_text(never, Locale("en"), "USD").endswith(
        "it reported none in the 28 days before either: check the pixel or whether the "
        "campaign should run"
    )
    assert "此前 28 天也没有报告转化" in alert_text(never, Locale("zh-CN"), "USD")
