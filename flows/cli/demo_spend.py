"""The demo's ad spend: the files a team would drop beside each store's other exports, and the
monthly budgets they are paced against.

The Shopify shop's Google Ads spend follows its own paid-search traffic (sessions × a cost per
click, the purchases as conversions), written as the generic spend CSV; its Meta campaigns are a
Meta Ads Manager export, whose retargeting campaign spent yesterday with no purchase (the
idle-spend check catches it). The 抖店 shop has a 巨量引擎 report, the Tmall shop a 万相台 one,
each a share of that shop's usual takings.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from connectors.sandbox.attribution import SEARCH_CAMPAIGNS, SOCIAL_CAMPAIGNS

#: Days of spend the demo writes: enough for the digests, a month's pacing and the CPA history.
SPEND_DAYS = 60
#: What a paid-search click costs the demo shop, by campaign (the local store's search
#: campaigns, whose orders land with their UTM tags).
COST_PER_CLICK = {"Brand search": 0.55, "Shopping – all products": 1.25}
#: Each Meta campaign's daily spend and what a purchase costs it (USD).
META_SPEND = {"Prospecting – lookalike": (95, 38), "Retargeting 14d": (75, 22)}
#: What the ad platforms claim a purchase is worth (USD), before their own over-counting.
CLAIMED_ORDER_VALUE = 92.0
#: Monthly budgets: the Shopify shop's whole spend and its Meta share (USD); Tmall's (CNY).
DEMO_BUDGETS = (("demo", None, 24_000), ("demo", "meta", 4_500), ("tmall", None, 60_000))


def write_spend_files(demo_dir: Path, traffic_csv: str, yesterday: date) -> int:
    """Write each store's spend exports into its import folder; return how many files."""
    rng = random.Random(23)
    days = [yesterday - timedelta(days=back) for back in range(SPEND_DAYS - 1, -1, -1)]
    shopify = demo_dir / "exports" / "demo"
    shopify.mkdir(parents=True, exist_ok=True)
    files = {
        shopify / "google_ads_spend.csv": _google(traffic_csv, days, rng).encode("utf-8"),
        shopify / "meta_ads_export.csv": _meta(days, rng).encode("utf-8-sig"),
        demo_dir / "exports" / "douyin" / "巨量引擎_计划.csv": _ocean(days, rng).encode(
            "utf-8-sig"
        ),
        demo_dir / "exports" / "tmall" / "万相台_推广.csv": _wanxiang(days, rng).encode("gb18030"),
    }
    for path, data in files.items():
        path.write_bytes(data)
    return len(files)


def demo_budgets(today: date) -> list[dict[str, object]]:
    """Last month's and this month's budgets as ``storepulse.yaml`` lists them (last week's
    review may fall in last month)."""
    last_month = today.replace(day=1) - timedelta(days=1)
    return [
        {"store": store, "month": f"{month:%Y-%m}", "amount": amount}
        | ({"channel": channel} if channel else {})
        for month in (last_month, today)
        for store, channel, amount in DEMO_BUDGETS
    ]


def _table(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _paid_search(traffic_csv: str) -> dict[date, tuple[int, int]]:
    """Paid-search sessions and purchases per day, from the shop's own traffic."""
    found: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for row in csv.DictReader(io.StringIO(traffic_csv)):
        if row["channel"] == "Paid Search":
            found[date.fromisoformat(row["date"])] = (int(row["sessions"]), int(row["purchases"]))
    return found


def _google(traffic_csv: str, days: list[date], rng: random.Random) -> str:
    """The generic spend CSV: each search campaign's share of the day's paid-search clicks."""
    traffic = _paid_search(traffic_csv)
    rows: list[list[object]] = [
        ["date", "channel", "campaign", "spend", "clicks", "impressions", "conversions",
         "conversion_value", "currency"]
    ]  # fmt: skip
    for day in days:
        sessions, purchases = traffic[day]
        for campaign, share in SEARCH_CAMPAIGNS:
            cpc = COST_PER_CLICK[campaign]
            clicks = round(sessions * share)
            conversions = round(purchases * share * rng.uniform(0.9, 1.3))
            rows.append(
                [day, "google_ads", campaign, f"{clicks * cpc * rng.uniform(0.9, 1.1):,.2f}",
                 clicks, clicks * rng.randint(9, 14), conversions,
                 f"{conversions * CLAIMED_ORDER_VALUE:,.2f}", "USD"]
            )  # fmt: skip
    return _table(rows)


def _meta(days: list[date], rng: random.Random) -> str:
    """A Meta Ads Manager export by day: prospecting converts, retargeting stalls yesterday."""
    rows: list[list[object]] = [
        ["Reporting starts", "Reporting ends", "Campaign name", "Day", "Amount spent (USD)",
         "Link clicks", "Impressions", "Purchases", "Purchases conversion value"]
    ]  # fmt: skip
    for day in days:
        for campaign, _ in SOCIAL_CAMPAIGNS:
            spend, per_purchase = META_SPEND[campaign]
            spent = spend * rng.uniform(0.85, 1.15)
            stalled = campaign.startswith("Retargeting") and day == days[-1]
            purchases = (
                0 if stalled else max(0, round(spent / per_purchase * rng.uniform(0.7, 1.3)))
            )
            rows.append(
                [day, day, campaign, day, f"{spent:.2f}", round(spent * 1.6),
                 round(spent * 95), purchases or "", f"{purchases * CLAIMED_ORDER_VALUE:.2f}"]
            )  # fmt: skip
    rows.append([days[0], days[-1], "", "", "", "", "", "", ""])  # Ads Manager's summary row
    return _table(rows)


def _ocean(days: list[date], rng: random.Random) -> str:
    """巨量引擎 广告计划 report: a live-room and a short-video plan (CNY), a 总计 row."""
    rows: list[list[object]] = [["日期", "计划名称", "消耗", "展示数", "点击数", "转化数"]]
    total = 0.0
    for day in days:
        for plan, spend, per_conversion in (
            ("直播间引流-常规", 520, 45),
            ("短视频种草-新品", 260, 70),
        ):
            spent = spend * rng.uniform(0.8, 1.2)
            total += spent
            conversions = round(spent / per_conversion * rng.uniform(0.8, 1.2))
            rows.append(
                [day, plan, f"{spent:,.2f}", f"{round(spent * 140):,}", f"{round(spent * 2.6):,}",
                 conversions or "-"]
            )  # fmt: skip
    rows.append(["总计", "", f"{total:,.2f}", "", "", ""])
    return _table(rows)


def _wanxiang(days: list[date], rng: random.Random) -> str:
    """万相台 推广报表: a title row, 20261109-style days, 总成交金额 as it claims it."""
    first, last = days[0], days[-1]
    rows: list[list[object]] = [
        [f"万相台 推广计划报表 {first} 至 {last}"],
        ["日期", "计划名称", "展现量", "点击量", "花费", "总成交笔数", "总成交金额"],
    ]
    for day in days:
        for plan, spend, roi in (("货品加速-主推款", 900, 5.5), ("拉新快-新客", 450, 3.0)):
            spent = spend * rng.uniform(0.8, 1.2)
            value = spent * roi * rng.uniform(0.7, 1.3)
            rows.append(
                [f"{day:%Y%m%d}", plan, f"{round(spent * 45):,}", f"{round(spent * 1.4):,}",
                 f"{spent:,.2f}", round(value / 180), f"{value:,.2f}"]
            )  # fmt: skip
    return _table(rows)
