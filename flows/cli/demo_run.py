"""What ``storepulse demo`` runs: the whole loop on a local demo store, with no credentials.

It starts the local Shopify-compatible store (two years of a believable shop's history) and a
small WooCommerce shop on the stand-in's WooCommerce face, writes the exports of a Tmall shop and
a 抖店 shop beside them (CNY, Asia/Shanghai) with a rates file, writes each store's ad-spend files
(``flows/cli/demo_spend.py``), writes a ``storepulse.yaml`` for the four stores with their
budgets, and syncs everything into a fresh SQLite warehouse under ``out/``.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select

from connectors.sandbox import DEMO_WOO_KEYS, Anomaly, DemoStore, Sale, StoreSpec
from connectors.sandbox.catalog import Calendar
from connectors.sandbox.ga4 import Ga4Sandbox, Property, traffic_rows
from connectors.sandbox.marketplace import MarketShop, MarketSpec
from flows.cli.demo_spend import demo_budgets, write_spend_files
from flows.cli.views import print_findings, print_headline, print_sync_summary, progress_bar
from reports.content.campaign import campaign_sections
from reports.content.daily import special_day_text
from reports.i18n import Locale
from reports.media.text import sections_text
from reports.model import CampaignReview, DailyDigest
from tasks.delivery.publish import Published
from tasks.metrics.compare import compare
from tasks.metrics.query import metric_rows
from tasks.metrics.registry import HEADLINE, REGISTRY
from tasks.metrics.rollup import ROLLUP, load_rates_csv
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, dispose_engines, get_engine

DEMO_SPEC = StoreSpec(seed=7, days=730, orders_per_day=60)
#: Yesterday, the last full day of the shop's history and a campaign day, checkout broke at
#: this store-local hour: visitors kept coming, no order came after it.
DEMO_BREAK_HOUR = 11
#: The watch replays yesterday this many minutes after the break.
DEMO_WATCH_AFTER = 120
#: The one-day sale the shop runs yesterday when its calendar has none then, and its targets.
DEMO_SALE = Sale("FLASH20", date.min, date.min, percent=20, uplift=1.6, usage=0.5)
DEMO_SALE_TARGETS = {"orders": 150, "sales": 20_000}
#: The campaign the demo reviews (its last run that has ended), and its targets per run.
DEMO_REVIEWED = "BFCM25"
DEMO_REVIEW_TARGETS = {"orders": 600, "sales": 90_000}
#: Net sales the demo team aims for each month (in USD).
DEMO_MONTHLY_TARGET = 300_000
DEMO_TOKEN = "shpat_demo_local"  # the sandbox's token, not a secret of anyone's
TOKEN_ENV = "SHOPIFY_TOKEN_DEMO"
#: The demo GA4 property and the variable holding its service account key JSON.
DEMO_GA4_PROPERTY = "314159265"
GA4_KEY_ENV = "GA4_KEY_DEMO"
#: The marketplace stores beside the Shopify one: (store name, platform, seed, orders a day).
DEMO_MARKETS = (("tmall", "taobao", 11, 45), ("douyin", "douyin", 12, 35))
#: Days of marketplace history: enough for last year's 双11 and 618 to compare with.
DEMO_MARKET_DAYS = 400
#: Plus's 20 calls/s lets two years sync in well under a minute.
DEMO_PLAN = "plus"
#: The WooCommerce store beside them, on the stand-in's ``/wp-json`` face: small, so the demo
#: stays quick (its keys are the stand-in's, not a secret of anyone's).
WOO_DEMO_NAME = "woo"
WOO_DEMO_SPEC = StoreSpec(
    seed=21,
    days=120,
    orders_per_day=20,
    timezone="America/Los_Angeles",
    shop_name="Demo Woo Goods",
    products=30,
)
WOO_KEY_ENV, WOO_SECRET_ENV = "WOO_KEY_DEMO", "WOO_SECRET_DEMO"
COUNTED = (
    tables.orders,
    tables.order_lines,
    tables.refunds,
    tables.customers,
    tables.products,
    tables.variants,
    tables.inventory_levels,
    tables.traffic_daily,
    tables.quarantine,
)


def run_demo(out: Path, console: Console) -> None:
    """Run the demo and say what it did and where to look."""
    from flows.steps.compute_metrics import (
        compute_metrics,  # imported late: Prefect is slow to import
    )
    from flows.steps.publish import publish_digest, publish_weekly_review
    from flows.steps.run_checks import check_stores
    from flows.steps.sync_store import sync_store

    demo_dir, warehouse = fresh_warehouse(out)
    with console.status(
        "Preparing the demo store's two years of history (cached after the first run)…"
    ):
        store = DemoStore.start(
            demo_spec(), token=DEMO_TOKEN, plan=DEMO_PLAN, data_dir=out / "demo-store"
        )
        ga4 = start_demo_ga4(store)
        woo = start_woo_demo(out)
    try:
        config, markets = write_inputs(demo_dir, store, ga4, woo)
        console.print(
            f"Local Shopify store at {store.url} ({DEMO_PLAN} plan), WooCommerce at "
            f"{woo.url}/wp-json; Tmall and 抖店 exports "
            f"in {_short(demo_dir / 'exports')} ({markets:,} files). Syncing…"
        )
        with progress_bar(console):
            summary = sync_store(config_path=str(config))
        print_sync_summary(console, summary)
        print_warehouse(console)
        with console.status("Computing the metric catalogue over two years…"):
            computed = compute_metrics(config_path=str(config))
        console.print(
            f"Computed {sum(r.values for r in computed.stores):,} metric values "
            "(docs/metrics.md defines each)."
        )
        print_yesterday(console)
        print_side_by_side(console)
        with console.status("Replaying yesterday's campaign watch…"):
            moment = watch_last_day(config)
        print_watch(console, moment)
        with console.status("Checking yesterday: anomalies, rules, data health…"):
            checked = check_stores(config_path=str(config))
        print_findings(console, checked)
        with console.status("Writing yesterday's digest and last week's review…"):
            published = publish_digest(config_path=str(config))
            reviewed = publish_weekly_review(config_path=str(config))
        print_event_day(console, published.reports)
        with console.status(f"Reviewing the last {DEMO_REVIEWED} campaign…"):
            campaign = review_last_campaign(config)
        print_reviews(console, campaign.reports)
    finally:
        ga4.stop()
        store.stop()
        woo.stop()
    console.print(
        "\n[bold]Where to look[/bold] (README.md explains each)\n"
        f"  configuration  {_short(config)}\n"
        f"  warehouse      {_short(warehouse)} (SQLite)\n"
        + _written("digest", published.references)
        + _written("weekly", reviewed.references)
        + _written("alerts", checked.notices.references if checked.notices else {})
        + _written("campaign", campaign.references)
        + f"  report pages   run `STOREPULSE_DATABASE_URL=sqlite:///{_short(warehouse)} "
        + f"{_command()} reports serve`, open http://127.0.0.1:8765\n"
        + "  flow runs      run `prefect server start`, open http://127.0.0.1:4200",
        highlight=False,
        soft_wrap=True,
    )


def fresh_warehouse(out: Path) -> tuple[Path, Path]:
    """The demo's folder and an empty SQLite warehouse in it, which the rest of the run uses."""
    demo_dir = (out / "demo").resolve()
    demo_dir.mkdir(parents=True, exist_ok=True)
    warehouse = demo_dir / "warehouse.db"
    for stale in demo_dir.glob("warehouse.db*"):
        stale.unlink()
    os.environ[DATABASE_URL_ENV] = f"sqlite:///{warehouse}"
    os.environ[TOKEN_ENV] = DEMO_TOKEN
    dispose_engines()
    return demo_dir, warehouse


def write_inputs(
    demo_dir: Path, store: DemoStore, ga4: Ga4Sandbox, woo: DemoStore
) -> tuple[Path, int]:
    """Everything a team would hand storepulse: the configuration, the marketplace and ad-spend
    exports, and the rates (loaded); returns the configuration and how many files were written."""
    files = write_market_exports(demo_dir)
    config = write_demo_config(demo_dir, store, woo)
    add_demo_ga4(config, ga4)
    files += write_demo_spend(demo_dir, store)
    with get_engine().begin() as conn:
        load_rates_csv(conn, write_rates(demo_dir))
    return config, files


def demo_spec() -> StoreSpec:
    """The demo shop: a campaign live yesterday, and its checkout broken from
    ``DEMO_BREAK_HOUR`` for the watch and the checks to catch and explain."""
    yesterday = _yesterday()
    incident = Anomaly(yesterday, "checkout_break", 0.0, 1, DEMO_BREAK_HOUR)
    sales = () if _calendar_campaign(yesterday) else (last_day_sale(),)
    return replace(DEMO_SPEC, anomalies=(incident,), sales=sales)


def _yesterday() -> date:
    return datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date() - timedelta(days=1)


def _calendar_campaign(day: date) -> str | None:
    """The shop's own calendar campaign on ``day``, if one runs then."""
    for code, first, last in Calendar.for_years([day.year]).campaigns():
        if first <= day <= last:
            return code
    return None


def last_day_sale() -> Sale:
    """The one-day sale on the shop's last full day."""
    yesterday = _yesterday()
    return replace(DEMO_SALE, first=yesterday, last=yesterday)


def live_campaign() -> dict[str, object]:
    """The campaign live yesterday as the configuration lists it: the calendar's when one
    runs then (listed already), else the one-day sale with its code and targets."""
    sale = last_day_sale()
    return {
        "name": sale.code,
        "start": sale.first.isoformat(),
        "end": sale.last.isoformat(),
        "stores": ["demo"],
        "codes": [sale.code],
        "targets": DEMO_SALE_TARGETS,
    }


def watch_last_day(config: Path) -> datetime:
    """Replay the campaign watch on yesterday, ``DEMO_WATCH_AFTER`` minutes after checkout
    broke (deterministic: it counts only the orders placed before then); return the moment."""
    from flows.campaign_watch import campaign_watch

    broke = datetime.combine(_yesterday(), time(DEMO_BREAK_HOUR))
    moment = broke + timedelta(minutes=DEMO_WATCH_AFTER)
    campaign_watch(stores=["demo"], as_of=moment, config_path=str(config))
    return moment


def print_watch(console: Console, moment: datetime) -> None:
    """The watch's alerts on the demo store, as they stood at ``moment``."""
    a = tables.alerts.c
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(a.severity, a.message)
            .where(a.store == "demo", a.check_name.like("watch%"), a.opened_for == moment.date())
            .order_by(a.severity, a.fingerprint)
        ).all()
    console.print(f"[bold]Campaign watch[/bold], replayed at {moment:%Y-%m-%d %H:%M} (store time):")
    for severity, message in rows:
        console.print(f"  {escape(f'[{severity}]')} {escape(message)}")
    if not rows:
        console.print("  nothing unusual")


def print_event_day(console: Console, digests: list[DailyDigest]) -> None:
    """What an event day's digest compared its KPIs with, in its words."""
    english = Locale("en")
    for digest in digests:
        if digest.special_day is None:
            continue
        said = special_day_text(digest.special_day, digest.day, english)
        changes = ", ".join(
            f"{english.metric(k.metric)} {english.change(e.ratio, e.points)}"
            for k in digest.kpis
            if k.metric in ("net_sales", "orders") and (e := k.vs_expected) is not None
        )
        console.print(f"Digest {digest.store} {digest.day}: {escape(said)}; vs expected: {changes}")


def review_last_campaign(config: Path) -> Published[CampaignReview]:
    """Review the last run of ``DEMO_REVIEWED`` that has ended, and keep it as a page."""
    from flows.steps.publish import publish_campaign_review
    from tasks.reporting.campaign import last_run
    from tasks.settings import load_settings

    settings = load_settings(config)
    store = settings.select(["demo"])[0]
    today = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()
    ended = last_run(settings, store, DEMO_REVIEWED, today)
    if ended is None:
        return Published()
    return publish_campaign_review(
        stores=["demo"], last_day=ended.days[-1], config_path=str(config)
    )


def print_reviews(console: Console, reviews: list[CampaignReview]) -> None:
    english = Locale("en")
    for review in reviews:
        console.print(sections_text(campaign_sections(review, english), english), highlight=False)


def _written(what: str, references: dict[str, str | None]) -> str:
    """One line per file the outbox wrote, labelled by its language."""
    lines = []
    for key, ref in sorted(references.items()):
        language = next(part for part in key.split("/") if part in ("en", "zh-CN"))
        if ref:
            lines.append(f"  {what + ' ' + language:<14} {_short(Path(ref))}\n")
    return "".join(lines)


def _command() -> str:
    """How to run storepulse again from here: the script this process was started from, when
    it is one (``make demo`` runs ``.venv/bin/storepulse``), else ``storepulse``."""
    script = Path(sys.argv[0])
    return _short(script.absolute()) if script.name == "storepulse" else "storepulse"


def _short(path: Path) -> str:
    """The path relative to the working directory when it lies inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_yesterday(console: Console) -> None:
    """Yesterday's headline KPIs with their comparisons, as the morning digest will show them."""
    zone = ZoneInfo(DEMO_SPEC.timezone)
    today = datetime.now(zone).date()
    with get_engine().connect() as conn:
        comparisons = compare(
            conn,
            "demo",
            "day",
            today - timedelta(days=1),
            today,
            metrics=tuple(REGISTRY[name] for name in HEADLINE),
        )
    print_headline(console, comparisons, today - timedelta(days=1), DEMO_SPEC.currency)


def write_demo_config(demo_dir: Path, store: DemoStore, woo: DemoStore | None = None) -> Path:
    traffic = demo_dir / "traffic.csv"
    traffic.write_text(store.traffic_csv(), encoding="utf-8")
    config = demo_dir / "storepulse.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "stores": [
                    {
                        "name": "demo",
                        "platform": "shopify",
                        "url": store.url,
                        "timezone": DEMO_SPEC.timezone,
                        "currency": DEMO_SPEC.currency,
                        "token_env": TOKEN_ENV,
                        "traffic_csv": traffic.name,
                        "import_dir": "exports/demo",
                    },
                    *(
                        {"name": name, "platform": platform, "import_dir": f"exports/{name}"}
                        for name, platform, _, _ in DEMO_MARKETS
                    ),
                    *([woo_store_entry(woo)] if woo else []),
                ],
                "reporting_currency": DEMO_SPEC.currency,
                "campaigns": demo_campaigns() + market_campaigns() + _extra_campaigns(),
                "targets": demo_targets(),
                "budgets": demo_budgets(datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()),
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return config


def start_demo_ga4(store: DemoStore) -> Ga4Sandbox:
    """Serve the demo shop's traffic as a GA4 property on the local Data API stand-in, its
    service account key in ``GA4_KEY_ENV``."""
    rows = traffic_rows(store.shop().data, DEMO_SPEC.timezone)
    ga4 = Ga4Sandbox({DEMO_GA4_PROPERTY: Property(rows, timezone=DEMO_SPEC.timezone)}).start()
    os.environ[GA4_KEY_ENV] = ga4.key_json
    return ga4


def add_demo_ga4(config: Path, ga4: Ga4Sandbox) -> None:
    """Give the demo Shopify store its GA4 property: the digest's funnel comes from GA4 then,
    and the traffic CSV stays as the fallback for days GA4 does not cover."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    for entry in settings["stores"]:
        if entry["name"] == "demo":
            entry |= {
                "ga4_property": DEMO_GA4_PROPERTY,
                "ga4_credentials_env": GA4_KEY_ENV,
                "ga4_endpoint": ga4.endpoint,
            }
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def write_demo_spend(demo_dir: Path, store: DemoStore) -> int:
    """The stores' ad-spend files, ending yesterday (the Shopify shop's time)."""
    yesterday = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date() - timedelta(days=1)
    shutil.rmtree(demo_dir / "exports" / "demo", ignore_errors=True)
    return write_spend_files(demo_dir, store.traffic_csv(), yesterday)


def start_woo_demo(out: Path) -> DemoStore:
    """A small WooCommerce shop on the local stand-in (its own history, a few months long)."""
    os.environ[WOO_KEY_ENV], os.environ[WOO_SECRET_ENV] = DEMO_WOO_KEYS
    end = datetime.now(ZoneInfo(WOO_DEMO_SPEC.timezone)).date()
    return DemoStore.start(replace(WOO_DEMO_SPEC, end_date=end), data_dir=out / "demo-store")


def woo_store_entry(woo: DemoStore) -> dict[str, object]:
    """The WooCommerce demo store's entry in ``storepulse.yaml``; its keys come from the
    environment, as a team's would."""
    return {
        "name": WOO_DEMO_NAME,
        "platform": "woocommerce",
        "url": woo.url,
        "timezone": WOO_DEMO_SPEC.timezone,
        "currency": WOO_DEMO_SPEC.currency,
        "consumer_key_env": WOO_KEY_ENV,
        "consumer_secret_env": WOO_SECRET_ENV,
    }


def demo_targets() -> list[dict[str, object]]:
    """A net sales target for this month and the last, a little above the shop's usual pace."""
    today = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    return [
        {
            "store": "demo",
            "metric": "net_sales",
            "month": f"{d:%Y-%m}",
            "value": DEMO_MONTHLY_TARGET,
        }
        for d in (last_month, today)
    ]


def market_specs() -> dict[str, MarketSpec]:
    """The marketplace shops, their history ending yesterday in Shanghai."""
    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    return {
        name: MarketSpec(platform, seed, DEMO_MARKET_DAYS, per_day, yesterday)  # type: ignore[arg-type]
        for name, platform, seed, per_day in DEMO_MARKETS
    }


def write_market_exports(demo_dir: Path) -> int:
    """Write each marketplace shop's exports into its own folder; return how many files."""
    written = 0
    for name, spec in market_specs().items():
        folder = demo_dir / "exports" / name
        shutil.rmtree(folder, ignore_errors=True)  # yesterday's files, from another history
        written += len(MarketShop(spec).write(folder))
    return written


def write_rates(demo_dir: Path) -> Path:
    """A daily CNY → USD rate for every day of the demo, as a team would load it."""
    rng = random.Random(5)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    rate = 0.1400
    lines = ["day,currency,reporting_currency,rate"]
    for offset in range(DEMO_SPEC.days + 2, -1, -1):
        rate = min(0.1450, max(0.1350, rate + rng.uniform(-0.0004, 0.0004)))
        lines.append(f"{today - timedelta(days=offset)},CNY,{DEMO_SPEC.currency},{rate:.4f}")
    path = demo_dir / "rates.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def market_campaigns() -> list[dict[str, object]]:
    """双11 and 618 in the marketplace stores, with their run-ups."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    stores = [name for name, _, _, _ in DEMO_MARKETS]
    return [
        {"name": name, "start": f"{year}-{start}", "end": f"{year}-{end}", "stores": stores}
        for year in (today.year - 1, today.year)
        for name, start, end in (("双11", "11-01", "11-11"), ("618", "06-01", "06-18"))
    ]


def print_side_by_side(console: Console) -> None:
    """Yesterday in each store and all of them together, in Chinese: 多店铺汇总."""
    chinese = Locale("zh-CN")
    day = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date() - timedelta(days=1)
    shown = ("total_sales", "net_sales", "orders", "aov", "refund_rate")
    table = Table(title=f"多店铺汇总 {day}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("店铺")
    for name in shown:
        table.add_column(chinese.metric(name), justify="right", no_wrap=True)
    labels = {"demo": "Shopify demo", "tmall": "天猫 tmall", "douyin": "抖店 douyin"}
    labels[WOO_DEMO_NAME] = f"WooCommerce {WOO_DEMO_NAME}"
    labels[ROLLUP] = f"合计 ({DEMO_SPEC.currency})"
    with get_engine().connect() as conn:
        for store, label in labels.items():
            values = {
                row["metric"]: row
                for row in metric_rows(conn, store, "day", day, day, list(shown))
                if row["dimension"] is None
            }
            table.add_row(
                label,
                *(
                    chinese.number(values[m]["value"], values[m]["unit"], values[m]["currency"])
                    if m in values
                    else chinese("na")
                    for m in shown
                ),
            )
    console.print(table)


def demo_campaigns() -> list[dict[str, object]]:
    """The demo shop's promotions, listed as a team lists its campaigns: named by their
    code, the reviewed one with its targets."""
    today = datetime.now(ZoneInfo(DEMO_SPEC.timezone)).date()
    years = range(today.year - DEMO_SPEC.days // 365 - 1, today.year + 1)
    return [
        {"name": code, "start": start.isoformat(), "end": end.isoformat(), "codes": [code]}
        | ({"targets": DEMO_REVIEW_TARGETS} if code == DEMO_REVIEWED else {})
        for code, start, end in Calendar.for_years(years).campaigns()
    ]


def _extra_campaigns() -> list[dict[str, object]]:
    return [] if _calendar_campaign(_yesterday()) else [live_campaign()]


def print_warehouse(console: Console) -> None:
    engine = get_engine()
    table = Table(title="Warehouse", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("table")
    table.add_column("rows", justify="right")
    with engine.connect() as conn:
        for counted in COUNTED:
            rows = conn.execute(select(func.count()).select_from(counted)).scalar_one()
            table.add_row(counted.name, f"{rows:,}")
        first, last = conn.execute(
            select(
                func.min(tables.orders.c.local_date), func.max(tables.orders.c.local_date)
            ).where(tables.orders.c.store == "demo")
        ).one()
    console.print(table)
    console.print(
        f"Shopify orders from {first} to {last} (store-local days, America/New_York); "
        f"Tmall and 抖店 for the last {DEMO_MARKET_DAYS} days (Asia/Shanghai)."
    )
