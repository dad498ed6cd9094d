"""Acceptance: a Shopify store with GA4 and ad-spend exports, beside a WooCommerce store.

Both stores run on the local store, GA4 on its Data API stand-in, and the spend is two exports
dropped in the Shopify store's import folder with a monthly budget. Two syncs (the second one
incremental), the metrics, then yesterday's digest and last week's review, through the same
task-level functions the flows call. Every figure the reports show is computed here by hand from
the stand-ins' own data and the files' rows.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from connectors.config import Config, parse_config
from connectors.sandbox import DEMO_WOO_KEYS, DemoStore, StoreSpec
from connectors.sandbox.amounts import Money
from connectors.sandbox.ga4 import Ga4Sandbox, Property, traffic_rows
from connectors.sandbox.shop import SandboxShop
from connectors.sandbox.woo import WooFace
from reports.i18n import Locale
from reports.media.text import daily_text, weekly_text
from reports.model import DailyDigest, WeeklyReview
from tasks.delivery.publish import publish_report
from tasks.ingest.run import SyncSummary
from tasks.metrics.run import refresh_metrics
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import (
    TOKEN,
    TOKEN_ENV,
    WOO_KEY_ENV,
    WOO_SECRET_ENV,
    store_entry,
    woo_entry,
)
from tests.support.helpers import run_sync

#: The last day of both shops' history: a Sunday, so the review's week ends with it.
LAST = date(2026, 5, 17)
WEB_SPEC = StoreSpec(seed=41, days=14, orders_per_day=14, end_date=LAST)
WOO_SPEC = StoreSpec(seed=42, days=7, orders_per_day=8, end_date=LAST)
#: The Monday morning after (07:00 in New York): the first run; the second an hour later.
FIRST_RUN = datetime(2026, 5, 18, 11, 0, tzinfo=UTC)
SECOND_RUN = FIRST_RUN + timedelta(hours=1)
#: Changes made on the platforms between the two runs.
BETWEEN = FIRST_RUN + timedelta(minutes=10)
PROPERTY = "314159"
GA4_KEY_ENV = "STOREPULSE_TEST_GA4_KEY"
SPEND_DAYS = [LAST - timedelta(days=back) for back in range(13, -1, -1)]
BUDGET, META_BUDGET = Decimal(9_000), Decimal(2_500)
WEEK = LAST - timedelta(days=6)


@dataclass(frozen=True, slots=True)
class SpendRow:
    day: date
    channel: str
    spend: Decimal
    value: Decimal


def google_rows() -> list[SpendRow]:
    """Two search campaigns a day, their costs and claimed values varying with the day."""
    return [
        SpendRow(
            day, "google_ads", Decimal(spend + 3 * n) + Decimal("0.25"), Decimal(value + 11 * n)
        )
        for n, day in enumerate(SPEND_DAYS)
        for spend, value in ((120, 410), (85, 190))
    ]


def meta_rows() -> list[SpendRow]:
    """One prospecting campaign a day; the last day it claimed no purchase."""
    return [
        SpendRow(
            day,
            "meta",
            Decimal(150 - 2 * n) + Decimal("0.40"),
            Decimal(0 if day == LAST else 300 + n),
        )
        for n, day in enumerate(SPEND_DAYS)
    ]


def write_exports(folder: Path) -> None:
    """The generic spend CSV (Google Ads) and a Meta Ads Manager export, as a team drops them."""
    folder.mkdir(parents=True, exist_ok=True)
    google = [["date", "channel", "campaign", "spend", "clicks", "impressions", "conversions",
               "conversion_value", "currency"]]  # fmt: skip
    for index, r in enumerate(google_rows()):
        campaign = "Brand search" if index % 2 == 0 else "Shopping"
        google.append([r.day, r.channel, campaign, r.spend, 100, 1_000, 3, r.value, "USD"])
    meta = [["Reporting starts", "Reporting ends", "Campaign name", "Amount spent (USD)",
             "Link clicks", "Impressions", "Purchases", "Purchases conversion value"]]  # fmt: skip
    for r in meta_rows():
        purchases = "" if not r.value else 4
        meta.append([r.day, r.day, "Prospecting – lookalike", r.spend, 200, 9_000, purchases,
                     r.value or ""])  # fmt: skip
    (folder / "google_ads_spend.csv").write_text(_csv(google), encoding="utf-8")
    (folder / "meta_ads_export.csv").write_bytes(_csv(meta).encode("utf-8-sig"))


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def spend_rows() -> list[SpendRow]:
    return google_rows() + meta_rows()


# --- what the stand-ins say, by hand -----------------------------------------------------------


def local_day(text: str, shop: SandboxShop) -> date:
    return datetime.fromisoformat(text).astimezone(shop.zone).date()


def goods_sold(shop: SandboxShop, day: date) -> Decimal:
    """Line prices less discounts of the orders paid on ``day`` (by ``processed_at``, store-local),
    from the Shopify stand-in's own orders."""
    money = Money(shop.info["currency"])
    cents = sum(
        money.minor(order["total_line_items_price"]) - money.minor(order["total_discounts"])
        for order in _orders(shop)
        if local_day(order["processed_at"], shop) == day
    )
    return Decimal(cents) / 100


def goods_returned(shop: SandboxShop, day: date) -> Decimal:
    """The goods refunded on ``day`` (by the refund's ``processed_at``), whenever sold."""
    money = Money(shop.info["currency"])
    cents = sum(
        money.minor(item["subtotal_set"]["shop_money"]["amount"])
        for order in _orders(shop)
        for refund in order["refunds"]
        if local_day(refund["processed_at"] or refund["created_at"], shop) == day
        for item in refund["refund_line_items"]
    )
    return Decimal(cents) / 100


def _orders(shop: SandboxShop) -> list[dict[str, Any]]:
    return [o for o in map(orjson.loads, shop.data.json_rows("orders")) if not o["test"]]


def woo_sales_on(woo: DemoStore, day: date) -> int:
    """The WooCommerce site's sales paid on ``day`` in its timezone."""
    site = WooFace(woo.shop(), DEMO_WOO_KEYS)
    zone = woo.shop().zone
    found = 0
    for order in site.orders(("processing", "completed", "on-hold", "refunded")):
        paid = datetime.fromisoformat(order["date_paid_gmt"] or order["date_created_gmt"])
        found += paid.replace(tzinfo=UTC).astimezone(zone).date() == day
    return found


# --- the run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Stack:
    web: DemoStore
    woo: DemoStore
    ga4: Ga4Sandbox
    exports: Path
    config: Config


@pytest.fixture
def stack(sandbox_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    web = DemoStore.start(WEB_SPEC, token=TOKEN, plan="plus", data_dir=sandbox_cache,
                          workdir=tmp_path / "web")  # fmt: skip
    woo = DemoStore.start(WOO_SPEC, data_dir=sandbox_cache, workdir=tmp_path / "woo")
    rows = traffic_rows(web.shop().data, WEB_SPEC.timezone)
    ga4 = Ga4Sandbox({PROPERTY: Property(rows, timezone=WEB_SPEC.timezone)}).start()
    exports = tmp_path / "exports"
    write_exports(exports)
    for name, value in (
        (TOKEN_ENV, TOKEN),
        (GA4_KEY_ENV, ga4.key_json),
        (WOO_KEY_ENV, DEMO_WOO_KEYS[0]),
        (WOO_SECRET_ENV, DEMO_WOO_KEYS[1]),
    ):
        monkeypatch.setenv(name, value)
    web_entry = store_entry(
        web.url,
        name="web",
        ga4_property=PROPERTY,
        ga4_credentials_env=GA4_KEY_ENV,
        ga4_endpoint=ga4.endpoint,
        import_dir=str(exports),
    )
    config = parse_config(
        {
            "stores": [web_entry, woo_entry(woo.url)],
            "budgets": [
                {"store": "web", "month": "2026-05", "amount": str(BUDGET)},
                {"store": "web", "month": "2026-05", "channel": "meta", "amount": str(META_BUDGET)},
            ],
        }
    )
    try:
        yield Stack(web, woo, ga4, exports, config)
    finally:
        ga4.stop()
        web.stop()
        woo.stop()


def sync_both(stack: Stack, url: str, now: datetime) -> dict[str, SyncSummary]:
    return {name: run_sync(stack.config.store(name), url, now=now) for name in ("web", "woo")}


def fetched(summary: SyncSummary, resource: str) -> int:
    return sum(w.fetched for w in summary.windows if w.resource == resource)


def spend_table(url: str) -> list[tuple[object, ...]]:
    s = tables.ad_spend.c
    query = select(s.local_date, s.channel, s.campaign, s.spend_minor, s.conversion_value_minor)
    with get_engine(url).connect() as conn:
        return sorted(tuple(r) for r in conn.execute(query))


def test_traffic_spend_and_budget_reach_the_digest_and_the_review(
    stack: Stack, sqlite_url: str
) -> None:
    returned = return_an_earlier_order(stack.web)
    first = sync_both(stack, sqlite_url, FIRST_RUN)
    assert first["web"].total("quarantined") == first["woo"].total("quarantined") == 0
    assert fetched(first["web"], "imports") == len(spend_rows())
    loaded = spend_table(sqlite_url)

    # Between the runs: a new web order, a late refund on the WooCommerce site, and the same
    # exports downloaded again under the browser's new names.
    stack.web.create_order(at=BETWEEN.timestamp())
    site = WooFace(stack.woo.shop(), DEMO_WOO_KEYS)
    paid = [o["id"] for o in site.orders(("processing", "completed")) if not o["refunds"]]
    stack.woo.refund_order(paid[0], at=BETWEEN.timestamp())
    for path in sorted(stack.exports.iterdir()):
        shutil.copy(path, path.with_stem(f"{path.stem}(1)"))
    stack.ga4.state.requests.clear()
    second = sync_both(stack, sqlite_url, SECOND_RUN)

    assert fetched(second["web"], "orders") == 1
    assert fetched(second["woo"], "orders") == 1
    spend_windows = [w for w in second["web"].windows if w.resource == "imports"]
    assert sum(w.skipped for w in spend_windows) == 4  # two seen before, two the same bytes
    assert sum(w.upserted for w in spend_windows) == 0
    assert spend_table(sqlite_url) == loaded
    starts = {r["dateRanges"][0]["startDate"] for r in stack.ga4.state.requests}
    assert starts == {"2026-05-15"}  # GA4 re-reads only its last three days

    refresh_metrics(stack.config, sqlite_url, today=LAST + timedelta(days=1))
    digests = publish_report("daily", stack.config, sqlite_url, as_of=SECOND_RUN).reports
    reviews = publish_report("weekly", stack.config, sqlite_url, as_of=SECOND_RUN).reports
    web_digest, woo_digest = sorted(digests, key=lambda d: d.store != "web")
    assert_digest(stack, web_digest, returned)
    assert_woo_digest(stack, woo_digest)
    (web_review,) = [r for r in reviews if r.store == "web"]
    assert_spend_pacing(web_review)


def return_an_earlier_order(web: DemoStore) -> Decimal:
    """A customer sends back an order of three days before, refunded on the last day; return
    the goods refunded."""
    shop = web.shop()
    earlier = [
        order
        for order in _orders(shop)
        if local_day(order["processed_at"], shop) == LAST - timedelta(days=3)
        and not order["refunds"]
    ]
    at = datetime.combine(LAST, time(15, 0), shop.zone)
    refunded = web.refund_order(earlier[0]["id"], at=at.timestamp())
    return Decimal(refunded["total_line_items_price"]) - Decimal(refunded["total_discounts"])


def assert_digest(stack: Stack, digest: DailyDigest, returned: Decimal) -> None:
    """Conversion by channel from GA4, ROAS and MER (net sales, a return included, over
    spend) as the stand-ins' data gives them."""
    assert digest.day == LAST
    ga4_day = [r for r in stack.ga4.state.properties[PROPERTY].rows if r["day"] == LAST]
    assert digest.traffic is not None and digest.traffic.source == "ga4"
    conversion = {c.channel: c.conversion for c in digest.traffic.channels}
    assert conversion == pytest.approx(
        {r["channel"]: r["purchases"] / r["sessions"] for r in ga4_day if r["sessions"]}
    )
    day_rows = [r for r in spend_rows() if r.day == LAST]
    spend = sum(r.spend for r in day_rows)
    values = {k.metric: k.value for k in digest.kpis}
    assert values["ad_spend"] == spend
    assert values["platform_roas"] == pytest.approx(float(sum(r.value for r in day_rows) / spend))
    shop = stack.web.shop()
    assert goods_returned(shop, LAST) == returned > 0
    net = goods_sold(shop, LAST) - returned
    assert values["net_sales"] == net
    assert values["mer"] == pytest.approx(float(net / spend))

    text = daily_text(digest, Locale("en"))
    assert "Traffic: GA4 · conversion by channel" in text
    busiest = max(ga4_day, key=lambda r: r["sessions"])
    assert f"{busiest['channel']}: {busiest['sessions']:,} → " in text
    assert f"{busiest['purchases'] / busiest['sessions']:.1%}" in text
    assert f"{values['platform_roas']:,.2f}×" in text and f"{values['mer']:,.2f}×" in text


def assert_woo_digest(stack: Stack, digest: DailyDigest) -> None:
    """The WooCommerce store's own day: its sales, no spend and no traffic of its own."""
    values = {k.metric: k.value for k in digest.kpis}
    assert values["orders"] == woo_sales_on(stack.woo, LAST) > 0
    assert "ad_spend" not in values and digest.traffic is None


def assert_spend_pacing(review: WeeklyReview) -> None:
    """Month to date at the week's end (the 17th of a 31-day May) against each budget."""
    assert review.week == WEEK
    pacing = {p.channel: p for p in review.spend_pacing}
    for channel, budget in ((None, BUDGET), ("meta", META_BUDGET)):
        spent = sum(r.spend for r in spend_rows() if channel in (None, r.channel))
        row = pacing.pop(channel)
        assert row.spent == pytest.approx(float(spent / budget))
        assert row.pace == pytest.approx(float(spent / (budget * 17 / 31)))
        assert row.projected == (spent / 17 * 31).quantize(Decimal("0.01"))
    assert pacing == {}
    text = weekly_text(review, Locale("en"))
    assert "Ad spend vs monthly budget" in text
    assert f"meta: {review.spend_pacing[1].spent:.0%} of budget" in text
