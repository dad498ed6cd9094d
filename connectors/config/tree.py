"""The configuration tree: the whole ``storepulse.yaml`` (``Config``) and its sections.

Stores and how they sync, monthly targets, campaigns, what the checks watch, and when the flows
run; the channels are in :mod:`connectors.config.channels`. Each section refuses a key it does
not know; references between sections are checked when the file is loaded
(:mod:`connectors.config.loading`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator

from connectors.config.channels import ChannelConfig
from connectors.config.fields import (
    ApiVersion,
    BlockName,
    Currency,
    EnvName,
    Ga4Property,
    HttpUrl,
    IanaTimezone,
    Month,
    Name,
    Strict,
    one_of,
    quote,
)
from connectors.errors import ConfigError
from connectors.shopify.settings import API_VERSION
from connectors.vocabulary import Check as CheckName
from connectors.vocabulary import Severity, Side
from connectors.woocommerce.settings import MAX_PAGE_SIZE as WOO_PAGE_SIZE


class SyncSettings(Strict):
    """How a store is synced; the defaults suit most shops."""

    #: Re-read this much before the cursor, for records committed late on the platform.
    lookback_minutes: int = Field(30, ge=0)
    #: Stop this far before now: the platform's clock and indexing may lag ours.
    safety_lag_seconds: int = Field(120, ge=0)
    #: The longest window one request listing covers; a store's task reads its windows in order.
    window_days: int = Field(90, ge=1)
    page_size: int = Field(250, ge=1, le=250)
    #: Every this many days, re-read the last ``deep_resync_days`` of orders whatever the cursor.
    deep_resync_every_days: int = Field(7, ge=1)
    deep_resync_days: int = Field(30, ge=1)
    quarantine_retention_days: int = Field(90, ge=1)
    #: The first day to pull; by default the shop's creation date.
    history_start: date | None = None


#: Stores read from the export files their team downloads from a marketplace's back-end.
MARKETPLACE_PLATFORMS = ("taobao", "douyin", "jd", "pdd")
#: Where a marketplace store sells unless its configuration says otherwise.
MARKETPLACE_DEFAULTS = {"timezone": "Asia/Shanghai", "currency": "CNY"}


#: The keys that name a WooCommerce store's two credentials (each once: env or Prefect block).
WOO_CREDENTIALS = (
    ("consumer_key_env", "consumer_key_secret"),
    ("consumer_secret_env", "consumer_secret_secret"),
)
#: Hosts a store may be reached on over plain http: a local stand-in, never a real shop.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _differs_from_default(model: BaseModel, key: str) -> bool:
    """Whether ``key`` holds something of its own: a configuration dumped and read again marks
    every key as set, so being set is not enough to refuse a key that does not apply."""
    return bool(getattr(model, key) != type(model).model_fields[key].default)


class StoreConfig(Strict):
    """One store on one platform: Shopify or WooCommerce through its API, a marketplace
    through its exports."""

    name: Name
    platform: Literal["shopify", "woocommerce", "taobao", "douyin", "jd", "pdd"]
    url: HttpUrl | None = None
    timezone: IanaTimezone
    currency: Currency
    token_env: EnvName | None = None
    token_secret: BlockName | None = None
    #: WooCommerce: the REST API key pair (``ck_…``/``cs_…``), each named by env or block.
    consumer_key_env: EnvName | None = None
    consumer_key_secret: BlockName | None = None
    consumer_secret_env: EnvName | None = None
    consumer_secret_secret: BlockName | None = None
    #: WooCommerce: send the keys as HTTP Basic auth (``header``) or as query parameters
    #: (``query``), for hosts that strip the Authorization header.
    auth: Literal["header", "query"] = "header"
    api_version: ApiVersion = API_VERSION
    timeout_seconds: float = Field(30.0, gt=0)
    #: The plan's request rate when it differs from the usual bucket/20 (2/s on a bucket of 40).
    calls_per_second: float | None = Field(None, gt=0)
    sync: SyncSettings = SyncSettings()
    #: Daily traffic by channel (date, channel, sessions, add_to_carts, checkouts, purchases).
    traffic_csv: Path | None = None
    #: The folder the team drops its export files into: a marketplace store's orders and
    #: 生意参谋 days, and any store's ad-spend exports (the only files a shopify store reads).
    import_dir: Path | None = None
    #: The GA4 property whose traffic funnel by channel this store reports (its numeric ID);
    #: for the days GA4 covers it wins over ``traffic_csv``.
    ga4_property: Ga4Property | None = None
    #: Where the service account's key JSON (its content, not a path) lives: an environment
    #: variable or a Prefect Secret block.
    ga4_credentials_env: EnvName | None = None
    ga4_credentials_secret: BlockName | None = None
    #: The Data API's address; by default Google's (a local stand-in in tests and the demo).
    ga4_endpoint: HttpUrl | None = None

    @model_validator(mode="before")
    @classmethod
    def _marketplace_defaults(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("platform") in MARKETPLACE_PLATFORMS:
            return MARKETPLACE_DEFAULTS | data
        return data

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return None if value is None else value.rstrip("/")

    @model_validator(mode="after")
    def _what_the_platform_needs(self) -> StoreConfig:
        if self.is_marketplace:
            for key in ("url", "token_env", "token_secret", "traffic_csv", "ga4_property"):
                if getattr(self, key) is not None:
                    raise ValueError(
                        f"{key} is not used by a {self.platform} store (it reads import_dir)"
                    )
            if self.import_dir is None:
                raise ValueError(f"a {self.platform} store needs import_dir: the exports folder")
            return self
        if self.url is None:
            raise ValueError(f"a {self.platform} store needs url: the shop's address")
        if self.platform == "woocommerce":
            self._woocommerce_needs()
        else:
            self._shopify_needs()
        if self.ga4_property is not None:
            one_of(self, "ga4_credentials_env", "ga4_credentials_secret")
        elif self.ga4_credentials_env or self.ga4_credentials_secret or self.ga4_endpoint:
            raise ValueError(
                "ga4_credentials_env, ga4_credentials_secret and ga4_endpoint need ga4_property"
            )
        return self

    def _shopify_needs(self) -> None:
        woo_only = [key for pair in WOO_CREDENTIALS for key in pair] + ["auth"]
        for key in woo_only:
            if _differs_from_default(self, key):
                raise ValueError(f"{key} is for woocommerce stores; a shopify store uses token_env")
        one_of(self, "token_env", "token_secret")

    def _woocommerce_needs(self) -> None:
        for key in ("token_env", "token_secret", "api_version"):
            if _differs_from_default(self, key):
                raise ValueError(
                    f"{key} is for shopify stores; a woocommerce store uses consumer_key_env "
                    "and consumer_secret_env"
                )
        for pair in WOO_CREDENTIALS:
            one_of(self, *pair)
        assert self.url is not None
        host = self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
        if self.url.startswith("http://") and host not in LOCAL_HOSTS:
            raise ValueError(
                "a woocommerce store's url must start with https:// (its keys travel with "
                "every request; plain http is only for a local stand-in)"
            )
        if "page_size" in self.sync.model_fields_set and self.sync.page_size > WOO_PAGE_SIZE:
            raise ValueError(f"sync.page_size: WooCommerce pages hold at most {WOO_PAGE_SIZE}")

    @property
    def is_marketplace(self) -> bool:
        return self.platform in MARKETPLACE_PLATFORMS

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TargetConfig(Strict):
    """A monthly target for one store's metric (money in the store's currency)."""

    store: str
    metric: str
    month: Month
    value: Decimal = Field(gt=0)


class BudgetConfig(Strict):
    """A monthly ad budget of one store (in its currency): its whole spend, or one channel's."""

    store: str
    #: An ad channel (google_ads, meta, ocean_engine, wanxiangtai, or a spend file's own
    #: channel name); the store's whole spend when not given.
    channel: str | None = Field(None, min_length=1, max_length=64)
    month: Month
    amount: Decimal = Field(gt=0)


class CampaignTargets(Strict):
    """What a campaign is meant to reach over all its days (sales in the store's currency)."""

    sales: Decimal | None = Field(None, gt=0)
    orders: int | None = Field(None, gt=0)
    new_customers: int | None = Field(None, gt=0)


class CampaignConfig(Strict):
    """A promotion: its days are not learned from by the anomaly checks, and only falls are
    alerted on in them (a lift is what a campaign is for). While it is live the intraday watch
    follows it (``tasks/campaigns/``)."""

    name: str
    #: The first and last store-local days; a time narrows the first or last day (store-local,
    #: the end time excluded).
    start: date
    end: date
    start_time: time | None = None
    end_time: time | None = None
    #: The stores it runs in; all of them when empty.
    stores: list[str] = Field(default_factory=list)
    #: Its discount codes (code use is counted against them) and the channels it is pushed on.
    codes: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    targets: CampaignTargets = CampaignTargets()
    #: What its days are compared with: the same event last year, or the weeks before it.
    baseline: Literal["same_event", "weeks_before"] = "same_event"

    @model_validator(mode="after")
    def _ordered(self) -> CampaignConfig:
        if self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self

    def starts_at(self) -> datetime:
        """Its first store-local moment (naive)."""
        return datetime.combine(self.start, self.start_time or time.min)

    def ends_at(self) -> datetime:
        """The store-local moment it ends (naive, excluded)."""
        if self.end_time is not None:
            return datetime.combine(self.end, self.end_time)
        return datetime.combine(self.end + timedelta(days=1), time.min)


class WatchConfig(Strict):
    """A metric the anomaly check watches; unset settings keep the detector's defaults."""

    metric: str
    side: Side | None = None
    #: A fixed robust-z threshold instead of one calibrated on the store's own history.
    threshold: float | None = Field(None, gt=0)
    #: This metric's false alert episodes a month (else its share of the checks' budget).
    false_alerts_per_month: float | None = Field(None, gt=0)
    min_volume: float | None = Field(None, ge=0)
    min_change: float | None = Field(None, ge=0)


class RuleConfig(Strict):
    """A threshold: absolute (conversion below 1.5 %, days of cover below 7) or relative to the
    same weekday a week earlier (net sales fallen by 30 %: ``falls_by: 0.3``)."""

    metric: str
    below: float | None = None
    above: float | None = None
    falls_by: float | None = Field(None, gt=0, lt=1)
    rises_by: float | None = Field(None, gt=0)
    #: Alert only after this many consecutive days in breach.
    consecutive: int = Field(1, ge=1)
    severity: Severity = "warning"

    @model_validator(mode="after")
    def _one_bound(self) -> RuleConfig:
        one_of(self, "below", "above", "falls_by", "rises_by")
        return self


class SilenceConfig(Strict):
    """Alerts to keep quiet: snoozed until a day, or muted when ``until`` is not given."""

    store: str | None = None
    metric: str | None = None
    check: CheckName | None = None
    until: date | None = None


class ChecksConfig(Strict):
    """What the daily checks watch and how loudly."""

    #: Metrics scored for anomalies; by default the KPIs an operations team answers for.
    watch: list[WatchConfig] = Field(
        default_factory=lambda: [
            WatchConfig(metric="net_sales", side="drop", min_volume=50),
            WatchConfig(metric="orders", min_volume=5),
            WatchConfig(metric="sessions", min_volume=50),
            WatchConfig(metric="conversion_rate"),
            WatchConfig(metric="aov", min_change=0.3),
            WatchConfig(metric="refund_rate", side="spike", min_change=1.0),
            WatchConfig(metric="ad_spend", side="spike", min_volume=50, min_change=0.3),
            WatchConfig(metric="platform_roas", side="drop", min_change=0.2),
            WatchConfig(metric="channel_conversion_rate", side="drop", min_change=0.3),
        ]
    )
    rules: list[RuleConfig] = Field(
        default_factory=lambda: [
            RuleConfig(metric="conversion_rate", below=0.015, consecutive=2),
            RuleConfig(metric="days_of_cover", below=7),
            RuleConfig(metric="target_pacing_weekday", below=0.9, consecutive=3),
        ]
    )
    #: False alert episodes a month the watched metrics of a store may cost together: each
    #: metric's thresholds are calibrated on its own history to its share.
    false_alerts_per_month: float = Field(0.5, gt=0)
    #: A store whose last successful order sync is older than this is stale.
    freshness_hours: float = Field(36, gt=0)
    #: A campaign that spends more than this (in the store's currency) on a day with no
    #: conversions claimed by its platform is an alert (``idle_spend``).
    idle_spend_floor: Decimal = Field(Decimal(50), ge=0)
    #: Quarantined records in a day from which it is a data problem.
    quarantine_spike: int = Field(20, ge=1)
    #: Warehouse and platform order counts may differ by this share (orders still syncing).
    count_tolerance: float = Field(0.002, ge=0)
    silence: list[SilenceConfig] = Field(default_factory=list)


class ScheduleConfig(Strict):
    """When the scheduled flows run: cron expressions read in each store's own timezone."""

    daily: str = "0 8 * * *"
    weekly: str = "0 9 * * 1"
    #: The Prefect work pool the deployments in ``deployments/prefect.yaml`` use.
    work_pool: str = "storepulse"
    #: How long a daily run may take from its start (or from falling late, when no worker
    #: takes it) before the ops channels are told; ``PT2H``, ``01:30:00`` or seconds.
    daily_deadline: timedelta = timedelta(hours=2)
    #: How often the ``campaign-watch`` deployment runs (it acts only while a campaign is live,
    #: or always with ``watch: always``).
    watch_every_minutes: int = Field(15, ge=1, le=240)

    @field_validator("daily_deadline")
    @classmethod
    def _deadline(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=10):  # Prefect's shortest proactive trigger
            raise ValueError("must be at least 10 seconds")
        return value

    @field_validator("daily", "weekly")
    @classmethod
    def _cron(cls, value: str) -> str:
        from prefect.client.schemas.schedules import CronSchedule  # late: Prefect is heavy

        try:
            CronSchedule(cron=value, timezone="UTC")
        except ValueError:
            raise ValueError(
                f"{quote(value)} is not a cron expression such as '0 8 * * *'"
            ) from None
        return value


class Config(Strict):
    """The whole ``storepulse.yaml``."""

    stores: list[StoreConfig] = Field(min_length=1)
    #: The currency of multi-store roll-ups; by default the first store's.
    reporting_currency: Currency | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    #: Monthly ad budgets: spend is paced against them (``spend_pacing``).
    budgets: list[BudgetConfig] = Field(default_factory=list)
    campaigns: list[CampaignConfig] = Field(default_factory=list)
    #: When the intraday watch acts: while a campaign or retail event is live for the store
    #: (``live``), or on every day (``always``).
    watch: Literal["live", "always"] = "live"
    checks: ChecksConfig = ChecksConfig()
    #: Where reports and alerts go; without any, they are written as files (the outbox folder).
    channels: list[ChannelConfig] = Field(default_factory=list)
    schedules: ScheduleConfig = ScheduleConfig()
    #: Where the team reaches ``storepulse reports serve`` (say ``http://reports.internal:8765``);
    #: the runs' artifacts and the digests link each report's page there.
    reports_url: HttpUrl | None = None

    @property
    def rollup_currency(self) -> str:
        return self.reporting_currency or self.stores[0].currency

    def store(self, name: str) -> StoreConfig:
        for store in self.stores:
            if store.name == name:
                return store
        known = ", ".join(s.name for s in self.stores)
        raise ConfigError(f"no store named {name!r} in the configuration (known: {known})")

    def select(self, names: list[str] | None) -> list[StoreConfig]:
        """Return the named stores, or all of them when ``names`` is empty."""
        return [self.store(n) for n in names] if names else list(self.stores)
