"""The configuration tree (``storepulse.yaml``) and secret resolution.

The file names secrets, it never holds them: a store says which environment variable
(``token_env``) or Prefect Secret block (``token_secret``) has its token.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connectors.errors import ConfigError
from connectors.shopify.settings import API_VERSION

CONFIG_ENV = "STOREPULSE_CONFIG"
DEFAULT_CONFIG = Path("storepulse.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyncSettings(_Strict):
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


class StoreConfig(_Strict):
    """One store on one platform."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    platform: Literal["shopify"]
    url: str
    timezone: str
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    token_env: str | None = None
    token_secret: str | None = None
    api_version: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] = API_VERSION
    timeout_seconds: float = Field(30.0, gt=0)
    #: The plan's request rate when it differs from the usual bucket/20 (2/s on a bucket of 40).
    calls_per_second: float | None = Field(None, gt=0)
    sync: SyncSettings = SyncSettings()
    #: Daily traffic by channel (date, channel, sessions, add_to_carts, checkouts, purchases).
    traffic_csv: Path | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("must be an http(s) URL such as https://example.myshopify.com")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _iana_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA timezone such as America/New_York"
            ) from None
        return value

    @model_validator(mode="after")
    def _one_token_source(self) -> StoreConfig:
        if (self.token_env is None) == (self.token_secret is None):
            raise ValueError("give exactly one of token_env or token_secret")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TargetConfig(_Strict):
    """A monthly target for one store's metric (money in the store's currency)."""

    store: str
    metric: str
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    value: Decimal = Field(gt=0)


class CampaignConfig(_Strict):
    """A promotion: its days are not learned from by the anomaly checks, and only falls are
    alerted on in them (a lift is what a campaign is for)."""

    name: str
    start: date
    end: date
    #: The stores it runs in; all of them when empty.
    stores: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> CampaignConfig:
        if self.end < self.start:
            raise ValueError(f"campaign {self.name!r} ends ({self.end}) before it starts")
        return self


Side = Literal["both", "drop", "spike"]
Severity = Literal["info", "warning", "critical"]


class WatchConfig(_Strict):
    """A metric the anomaly check watches; unset settings keep the detector's defaults."""

    metric: str
    side: Side | None = None
    threshold: float | None = Field(None, gt=0)
    min_volume: float | None = Field(None, ge=0)
    min_change: float | None = Field(None, ge=0)


class RuleConfig(_Strict):
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
        bounds = (self.below, self.above, self.falls_by, self.rises_by)
        if sum(b is not None for b in bounds) != 1:
            raise ValueError(
                f"rule on {self.metric!r}: give exactly one of below, above, falls_by, rises_by"
            )
        return self


class SilenceConfig(_Strict):
    """Alerts to keep quiet: snoozed until a day, or muted when ``until`` is not given."""

    store: str | None = None
    metric: str | None = None
    check: str | None = None
    until: date | None = None


class ChecksConfig(_Strict):
    """What the daily checks watch and how loudly."""

    #: Metrics scored for anomalies; by default the KPIs an operations team answers for.
    watch: list[WatchConfig] = Field(
        default_factory=lambda: [
            WatchConfig(metric="net_sales", min_volume=50),
            WatchConfig(metric="orders", min_volume=5),
            WatchConfig(metric="sessions", min_volume=50),
            WatchConfig(metric="conversion_rate"),
            WatchConfig(metric="aov", min_change=0.3),
            WatchConfig(metric="refund_rate", side="spike", min_change=1.0),
        ]
    )
    rules: list[RuleConfig] = Field(
        default_factory=lambda: [
            RuleConfig(metric="conversion_rate", below=0.015, consecutive=2),
            RuleConfig(metric="days_of_cover", below=7),
            RuleConfig(metric="target_pacing_weekday", below=0.9, consecutive=3),
        ]
    )
    #: A store whose last successful order sync is older than this is stale.
    freshness_hours: float = Field(36, gt=0)
    #: Quarantined records in a day from which it is a data problem.
    quarantine_spike: int = Field(20, ge=1)
    #: Warehouse and platform order counts may differ by this share (orders still syncing).
    count_tolerance: float = Field(0.002, ge=0)
    silence: list[SilenceConfig] = Field(default_factory=list)


Language = Literal["en", "zh-CN"]
Report = Literal["daily", "weekly", "alerts"]
REPORTS: tuple[Report, ...] = ("daily", "weekly", "alerts")


#: Settings each channel type needs; each tuple is one-of.
CHANNEL_NEEDS: dict[str, list[tuple[str, ...]]] = {
    "slack": [("channel",), ("token_env", "token_secret")],
    "webhook": [("url_env", "url_secret")],
    "email": [("host",), ("sender",), ("to",)],
}


class ChannelConfig(_Strict):
    """Where reports and alerts go: a Slack channel (bot token), a Slack incoming webhook, or
    email over SMTP. Secrets are named (``*_env`` or ``*_secret``), never written here."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    type: Literal["slack", "webhook", "email"]
    language: Language = "en"
    #: What it receives; all of it by default.
    reports: list[Report] = Field(default_factory=lambda: list(REPORTS))
    #: The stores it covers; all of them when empty.
    stores: list[str] = Field(default_factory=list)
    #: The least severe alert it receives.
    min_severity: Literal["warning", "critical"] = "warning"
    #: Who is called on a critical alert: Slack user IDs (U…) or user groups (S…).
    mention: list[Annotated[str, Field(pattern=r"^[US][A-Z0-9]{2,}$")]] = Field(
        default_factory=list
    )
    #: Hours (``HH:MM-HH:MM`` in ``timezone``) when only critical alerts go out at once.
    quiet_hours: Annotated[str, Field(pattern=r"^\d\d:\d\d-\d\d:\d\d$")] | None = None
    timezone: str = "UTC"
    # slack: a channel ID (C…) or #name, and the bot token
    channel: str | None = None
    token_env: str | None = None
    token_secret: str | None = None
    #: The Slack Web API's address (a stand-in's in tests).
    api_url: str = "https://slack.com/api/"
    # webhook: the incoming webhook's URL is itself a secret
    url_env: str | None = None
    url_secret: str | None = None
    # email
    host: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    password_secret: str | None = None
    sender: str | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    #: A private certificate authority to trust (a company mail relay).
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _complete(self) -> ChannelConfig:
        needed = CHANNEL_NEEDS[self.type]
        for options in needed:
            given = [o for o in options if getattr(self, o)]
            if len(given) != 1:
                raise ValueError(f"a {self.type} channel needs {' or '.join(options)}")
        if (
            self.type == "email"
            and self.username
            and not (self.password_env or self.password_secret)
        ):
            raise ValueError(
                "an email channel with a username needs password_env or password_secret"
            )
        if self.quiet_hours:
            for part in self.quiet_hours.split("-"):
                hour, minute = int(part[:2]), int(part[3:])
                if hour > 23 or minute > 59:
                    raise ValueError(f"quiet_hours: {part} is not a time of day")
        ZoneInfo(self.timezone)
        return self

    @property
    def recipient(self) -> str:
        """Who receives it, as the outbox keys it."""
        if self.type == "email":
            return ",".join(self.to + self.cc)
        return self.channel or self.name

    def covers(self, store: str, report: Report) -> bool:
        return report in self.reports and (not self.stores or store in self.stores)


class ScheduleConfig(_Strict):
    """When the scheduled flows run: cron expressions read in each store's own timezone."""

    daily: str = "0 8 * * *"
    weekly: str = "0 9 * * 1"
    #: The Prefect work pool the deployments in ``deployments/prefect.yaml`` use.
    work_pool: str = "storepulse"
    #: How long a daily run may take from its start (or from falling late, when no worker
    #: takes it) before the ops channels are told; ``PT2H``, ``01:30:00`` or seconds.
    daily_deadline: timedelta = timedelta(hours=2)

    @field_validator("daily_deadline")
    @classmethod
    def _deadline(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=10):  # Prefect's shortest proactive trigger
            raise ValueError("daily_deadline must be at least 10 seconds")
        return value

    @field_validator("daily", "weekly")
    @classmethod
    def _cron(cls, value: str) -> str:
        from prefect.client.schemas.schedules import CronSchedule  # late: Prefect is heavy

        try:
            CronSchedule(cron=value, timezone="UTC")
        except ValueError:
            raise ValueError(f"{value!r} is not a cron expression such as '0 8 * * *'") from None
        return value


class Config(_Strict):
    """The whole ``storepulse.yaml``."""

    stores: list[StoreConfig] = Field(min_length=1)
    #: The currency of multi-store roll-ups; by default the first store's.
    reporting_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    campaigns: list[CampaignConfig] = Field(default_factory=list)
    checks: ChecksConfig = ChecksConfig()
    #: Where reports and alerts go; without any, they are written as files (the outbox folder).
    channels: list[ChannelConfig] = Field(default_factory=list)
    schedules: ScheduleConfig = ScheduleConfig()
    #: Where the team reaches ``storepulse reports serve`` (say ``http://reports.internal:8765``);
    #: the runs' artifacts and the digests link each report's page there.
    reports_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")] | None = None

    @model_validator(mode="after")
    def _targets_name_stores(self) -> Config:
        names = {s.name for s in self.stores}
        for index, target in enumerate(self.targets):
            if target.store not in names:
                raise ValueError(f"targets[{index}].store: no store named {target.store!r}")
        for index, campaign in enumerate(self.campaigns):
            for name in campaign.stores:
                if name not in names:
                    raise ValueError(f"campaigns[{index}].stores: no store named {name!r}")
        for index, channel in enumerate(self.channels):
            for name in channel.stores:
                if name not in names:
                    raise ValueError(f"channels[{index}].stores: no store named {name!r}")
        if len({c.name for c in self.channels}) < len(self.channels):
            raise ValueError("channels: each channel needs a name of its own")
        return self

    @property
    def rollup_currency(self) -> str:
        return self.reporting_currency or self.stores[0].currency

    @field_validator("stores")
    @classmethod
    def _unique_names(cls, stores: list[StoreConfig]) -> list[StoreConfig]:
        seen: set[str] = set()
        for store in stores:
            if store.name in seen:
                raise ValueError(f"store name {store.name!r} is used twice")
            seen.add(store.name)
        return stores

    def store(self, name: str) -> StoreConfig:
        for store in self.stores:
            if store.name == name:
                return store
        known = ", ".join(s.name for s in self.stores)
        raise ConfigError(f"no store named {name!r} in the configuration (known: {known})")

    def select(self, names: list[str] | None) -> list[StoreConfig]:
        """Return the named stores, or all of them when ``names`` is empty."""
        return [self.store(n) for n in names] if names else list(self.stores)


def config_path(explicit: str | Path | None = None) -> Path:
    """Find the config file: the argument, ``$STOREPULSE_CONFIG``, then ./storepulse.yaml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the configuration file.

    Raises:
        ConfigError: the file is missing, is not YAML, or breaks a rule; the message names the
            file, the key and the problem.
    """
    path = config_path(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'stores' list at the top")
    return parse_config(data, source=path)


def parse_config(data: dict[str, Any], source: Path | str = "configuration") -> Config:
    """Validate a parsed configuration; relative paths resolve beside ``source``."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: " + "; ".join(_describe(e) for e in exc.errors())) from None
    base = Path(source).parent if isinstance(source, Path) else Path.cwd()
    stores = [
        s.model_copy(update={"traffic_csv": base / s.traffic_csv})
        if s.traffic_csv is not None and not s.traffic_csv.is_absolute()
        else s
        for s in config.stores
    ]
    return config.model_copy(update={"stores": stores})


def _describe(error: Any) -> str:
    key = ""
    for part in error["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    return f"{key or 'top level'}: {message}"


def resolve_token(store: StoreConfig) -> SecretStr:
    """Fetch a store's API token from where its config says it lives.

    Raises:
        ConfigError: the variable or block is missing; the message names it, never a value.
    """
    return resolve_secret(f"store {store.name!r}", store.token_env, store.token_secret)


def resolve_secret(owner: str, env: str | None, block: str | None) -> SecretStr:
    """The secret in environment variable ``env`` or Prefect Secret block ``block``.

    Raises:
        ConfigError: it is missing; the message names ``owner`` and where it looked, never a value.
    """
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"{owner}: environment variable {env} is not set")
        return SecretStr(value)
    if block is None:
        raise ConfigError(f"{owner}: no secret configured")
    from prefect.blocks.system import Secret  # imported late: only Prefect deployments need it

    try:
        value = cast(Secret, Secret.load(block)).get()
    except ValueError:
        raise ConfigError(f"{owner}: Prefect Secret block {block!r} not found") from None
    return SecretStr(str(value))
