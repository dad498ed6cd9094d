"""The configuration tree (``storepulse.yaml``) and secret resolution.

The file names secrets, it never holds them: a store says which environment variable
(``token_env``) or Prefect Secret block (``token_secret``) has its token.

Loading refuses what it cannot honour: every problem is a ``ConfigError`` whose message is one
line naming the file, the key and the problem, with a suggestion where a name looks misspelt.
References to stores and timezones are checked here; metric names are checked one floor up
(``tasks/settings.py``), where the metric registry lives.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, TypeGuard, Union, cast, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connectors.email import Security
from connectors.errors import ConfigError
from connectors.shopify.settings import API_VERSION
from connectors.vocabulary import REPORTS, Language, Report, Severity, Side
from connectors.vocabulary import Check as CheckName

CONFIG_ENV = "STOREPULSE_CONFIG"
DEFAULT_CONFIG = Path("storepulse.yaml")
#: Problems shown in one message; the rest are counted (each is one short clause).
SHOWN_PROBLEMS = 5

#: A problem found in a configuration: the key path (``checks.watch[0].metric``) and what is wrong.
Problem = tuple[str, str]


def _matching(pattern: str, words: str) -> AfterValidator:
    """A check that the whole value matches ``pattern``, failing with ``words``, not the regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(words)
        return value

    return AfterValidator(check)


def _iana(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A KeyError subclass, a ValueError for odd paths, an OSError for a folder name.
        raise ValueError(
            f"{_quote(value)} is not an IANA timezone such as America/New_York"
        ) from None
    return value


def _quiet_hours(value: str) -> str:
    start, end = value.split("-")
    for part in (start, end):
        if int(part[:2]) > 23 or int(part[3:]) > 59:
            raise ValueError(f"{part} is not a time of day")
    if start == end:
        raise ValueError("start and end are the same time: give a span such as 22:00-07:00")
    return value


#: A timezone of the IANA database, such as ``America/New_York`` or ``Asia/Shanghai``.
IanaTimezone = Annotated[str, AfterValidator(_iana)]
Name = Annotated[
    str,
    _matching(
        r"[a-z0-9][a-z0-9_-]{0,39}",
        "must be lowercase letters, digits, - or _ (at most 40, starting with a letter or "
        "digit), such as eu-shop",
    ),
]
Currency = Annotated[
    str, _matching(r"[A-Z]{3}", "must be an ISO 4217 code in capitals such as USD")
]
ApiVersion = Annotated[str, _matching(r"\d{4}-\d{2}", "must be an API version such as 2026-10")]
Month = Annotated[str, _matching(r"\d{4}-(0[1-9]|1[0-2])", "must be a month such as 2026-11")]
HttpUrl = Annotated[
    str, _matching(r"https?://[^/\s]+(/\S*)?", "must be an http(s) URL such as https://example.com")
]
#: Names an environment variable; the secret in it never appears in this file or a message.
EnvName = Annotated[
    str,
    _matching(
        r"[A-Za-z_][A-Za-z0-9_]{0,127}",
        "must be the name of an environment variable such as SHOPIFY_TOKEN (the secret itself "
        "never goes in this file)",
    ),
]
#: Names a Prefect Secret block (the secret itself never goes in this file).
BlockName = Annotated[
    str,
    _matching(
        r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
        "must be the name of a Prefect Secret block such as shopify-token (the secret itself "
        "never goes in this file)",
    ),
]
SlackMention = Annotated[
    str, _matching(r"[US][A-Z0-9]{2,}", "must be a Slack user ID (U…) or user group ID (S…)")
]
QuietHours = Annotated[
    str,
    _matching(r"\d\d:\d\d-\d\d:\d\d", "must be a span of the day such as 22:00-07:00"),
    AfterValidator(_quiet_hours),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_of(model: BaseModel, *keys: str) -> None:
    """Refuse unless exactly one of ``keys`` is given."""
    if sum(getattr(model, key) is not None for key in keys) != 1:
        raise ValueError(f"give exactly one of {' or '.join(keys)}")


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

    name: Name
    platform: Literal["shopify"]
    url: HttpUrl
    timezone: IanaTimezone
    currency: Currency
    token_env: EnvName | None = None
    token_secret: BlockName | None = None
    api_version: ApiVersion = API_VERSION
    timeout_seconds: float = Field(30.0, gt=0)
    #: The plan's request rate when it differs from the usual bucket/20 (2/s on a bucket of 40).
    calls_per_second: float | None = Field(None, gt=0)
    sync: SyncSettings = SyncSettings()
    #: Daily traffic by channel (date, channel, sessions, add_to_carts, checkouts, purchases).
    traffic_csv: Path | None = None

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_token_source(self) -> StoreConfig:
        _one_of(self, "token_env", "token_secret")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TargetConfig(_Strict):
    """A monthly target for one store's metric (money in the store's currency)."""

    store: str
    metric: str
    month: Month
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
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self


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
        _one_of(self, "below", "above", "falls_by", "rises_by")
        return self


class SilenceConfig(_Strict):
    """Alerts to keep quiet: snoozed until a day, or muted when ``until`` is not given."""

    store: str | None = None
    metric: str | None = None
    check: CheckName | None = None
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


class ChannelBase(_Strict):
    """What every channel shares: who it is, what it receives, in which language, and when it
    stays quiet. Secrets are named (``*_env`` or ``*_secret``), never written here."""

    name: Name
    language: Language = "en"
    #: What it receives; all of it by default.
    reports: list[Report] = Field(default_factory=lambda: list(REPORTS))
    #: The stores it covers; all of them when empty.
    stores: list[str] = Field(default_factory=list)
    #: The least severe alert it receives.
    min_severity: Literal["warning", "critical"] = "warning"
    #: Hours (``HH:MM-HH:MM`` in ``timezone``) when only critical alerts go out at once.
    quiet_hours: QuietHours | None = None
    #: The clock ``quiet_hours`` is read on; None: the timezone of the store a message is about.
    timezone: IanaTimezone | None = None

    @property
    def recipient(self) -> str:
        """Who receives it, as the outbox keys it."""
        return self.name

    @property
    def mentions(self) -> tuple[str, ...]:
        """Who is called on a critical alert, in the channel's own terms."""
        return ()

    def covers(self, store: str, report: Report) -> bool:
        return report in self.reports and (not self.stores or store in self.stores)


class SlackChannel(ChannelBase):
    """A Slack channel, posted to by a bot: threads, file uploads, and edits on resolution."""

    type: Literal["slack"]
    #: A channel ID (C…) or ``#name``.
    channel: str
    token_env: EnvName | None = None
    token_secret: BlockName | None = None
    #: The Slack Web API's address (a stand-in's in tests).
    api_url: HttpUrl = "https://slack.com/api/"
    #: Who is called on a critical alert: Slack user IDs (U…) or user groups (S…).
    mention: list[SlackMention] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_token_source(self) -> SlackChannel:
        _one_of(self, "token_env", "token_secret")
        return self

    @property
    def recipient(self) -> str:
        return self.channel

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(self.mention)


class WebhookChannel(ChannelBase):
    """A Slack incoming webhook: it posts, it cannot thread or edit. Its URL is a secret."""

    type: Literal["webhook"]
    url_env: EnvName | None = None
    url_secret: BlockName | None = None
    #: Who is called on a critical alert: Slack user IDs (U…) or user groups (S…).
    mention: list[SlackMention] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_url_source(self) -> WebhookChannel:
        _one_of(self, "url_env", "url_secret")
        return self

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(self.mention)


class EmailChannel(ChannelBase):
    """Email over SMTP, HTML with a plain-text part."""

    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int | None = Field(None, ge=1, le=65535)
    security: Security = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    password_secret: BlockName | None = None
    sender: str = Field(min_length=1)
    to: list[str] = Field(min_length=1)
    cc: list[str] = Field(default_factory=list)
    #: A private certificate authority to trust (a company mail relay).
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _password_with_username(self) -> EmailChannel:
        if self.username is not None:
            _one_of(self, "password_env", "password_secret")
        return self

    @property
    def recipient(self) -> str:
        return ",".join(self.to + self.cc)


#: A channel, told apart by its ``type``. DingTalk, Feishu and WeCom robots join as members.
ChannelConfig = Annotated[SlackChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]


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
                f"{_quote(value)} is not a cron expression such as '0 8 * * *'"
            ) from None
        return value


class Config(_Strict):
    """The whole ``storepulse.yaml``."""

    stores: list[StoreConfig] = Field(min_length=1)
    #: The currency of multi-store roll-ups; by default the first store's.
    reporting_currency: Currency | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    campaigns: list[CampaignConfig] = Field(default_factory=list)
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


def config_path(explicit: str | Path | None = None) -> Path:
    """Find the config file: the argument, ``$STOREPULSE_CONFIG``, then ./storepulse.yaml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the configuration file (metric names are checked by ``load_settings``).

    Raises:
        ConfigError: the file is missing, unreadable, not YAML, or breaks a rule; the message
            is one line naming the file, the key and the problem.
    """
    path = config_path(explicit)
    data = read_yaml(path)
    if not isinstance(data, dict):
        found = "empty" if data is None else f"a {_kind(data)}"
        raise ConfigError(f"{path}: is {found}; expected a mapping with a 'stores' list at the top")
    return parse_config(data, source=path)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``; a key given twice in one mapping is refused.

    Raises:
        ConfigError: the file cannot be read, is not UTF-8 text or not YAML (with its line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        what = exc.problem or exc.context
        raise ConfigError(_one_line(f"{path}: not valid YAML{where}: {what}")) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(_one_line(f"{path}: not valid YAML: {exc}")) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a repeated key is an error rather than the last one
    silently winning."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is given twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_config(data: dict[str, Any], source: Path | str = "configuration") -> Config:
    """Validate a parsed configuration; relative paths resolve beside ``source``.

    Raises:
        ConfigError: a key breaks a rule, or names a store that does not exist.
    """
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise refusal(source, [_describe(e) for e in exc.errors()]) from None
    refuse(source, list(reference_problems(config)))
    base = Path(source).parent if isinstance(source, Path) else Path.cwd()
    stores = [
        s.model_copy(update={"traffic_csv": base / s.traffic_csv})
        if s.traffic_csv is not None and not s.traffic_csv.is_absolute()
        else s
        for s in config.stores
    ]
    return config.model_copy(update={"stores": stores})


def refuse(source: Path | str, problems: list[Problem]) -> None:
    """Raise one ``ConfigError`` line for ``problems``; do nothing when there are none."""
    if problems:
        raise refusal(source, problems)


def refusal(source: Path | str, problems: list[Problem]) -> ConfigError:
    """One ``ConfigError`` line naming ``source`` and each problem's key."""
    shown = "; ".join(f"{key}: {what}" for key, what in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        shown += f" (and {more} more)"
    return ConfigError(_one_line(f"{source}: {shown}"))


def suggest(name: str, known: Iterable[str], what: str) -> str:
    """``no <what> 'x'`` with the closest known name, or the known names when few are close."""
    choices = sorted(set(known))
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"no {what} {_quote(name)} (did you mean {close[0]}?)"
    if len(choices) <= 8:
        return f"no {what} {_quote(name)} (known: {', '.join(choices) or 'none'})"
    return f"no {what} {_quote(name)}"


def reference_problems(config: Config) -> Iterator[Problem]:
    """Store names referenced where they are not defined, and names defined twice."""
    stores = [s.name for s in config.stores]
    yield from _twice("stores", stores, "store")
    yield from _twice("channels", [c.name for c in config.channels], "channel")
    named: list[tuple[str, str]] = [
        (f"targets[{i}].store", t.store) for i, t in enumerate(config.targets)
    ]
    named += [
        (f"campaigns[{i}].stores[{j}]", s)
        for i, c in enumerate(config.campaigns)
        for j, s in enumerate(c.stores)
    ]
    named += [
        (f"channels[{i}].stores[{j}]", s)
        for i, c in enumerate(config.channels)
        for j, s in enumerate(c.stores)
    ]
    named += [
        (f"checks.silence[{i}].store", s.store)
        for i, s in enumerate(config.checks.silence)
        if s.store is not None
    ]
    for key, name in named:
        if name not in stores:
            yield key, suggest(name, stores, "store")


def _twice(key: str, names: list[str], what: str) -> Iterator[Problem]:
    for index, name in enumerate(names):
        if name in names[:index]:
            yield f"{key}[{index}].name", f"the {what} name {name!r} is used twice"


def _describe(error: Any) -> Problem:
    """One pydantic error as a key path and words a person reads."""
    key, parent = _locate(error["loc"])
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        field = str(error["loc"][-1])
        fields = list(parent.model_fields) if _is_model(parent) else []
        close = difflib.get_close_matches(field, fields, n=1)
        message = f"unknown key (did you mean {close[0]}?)" if close else "unknown key"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = sorted(_channel_tags())
        given = error.get("ctx", {}).get("tag")
        key = f"{key}.type"
        if given is None:
            message = f"missing; give one of {', '.join(tags)}"
        else:
            message = suggest(str(given), tags, "channel type")
    elif kind == "literal_error" and isinstance(error.get("input"), str):
        expected = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(error["input"], expected, n=1)
        message += f" (did you mean {close[0]}?)" if close else ""
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a mapping of keys to values"
    elif kind == "list_type":
        message = "must be a list"
    elif kind == "missing":
        message = "missing (this key is required)"
    return key or "top level", re.sub(r"^Input should be ", "must be ", message)


Node = type[BaseModel] | dict[str, type[BaseModel]] | None


def _locate(loc: tuple[Any, ...]) -> tuple[str, Node]:
    """The key path of a pydantic location (without the union tags it inserts), and the model
    the last key belongs to."""
    node: Node = Config
    parent: Node = None
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]  # the tag of a discriminated union: not a key of the file
            continue
        path += _key_text(part, first=not path)
        parent = node
        fields = node.model_fields if _is_model(node) else {}
        node = _models_in(fields[part].annotation) if part in fields else None
    return path, parent


def _key_text(part: object, first: bool) -> str:
    """A key as the file's path writes it; an odd one (``to do``, ``:``) quoted in brackets."""
    if isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
        return part if first else f".{part}"
    return f"[{_quote(part)}]"


def _is_model(node: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _models_in(annotation: Any) -> Node:
    """The model a field holds (through lists and Optional), or its union's models by tag."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return _models_in(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        members = [m for m in get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return _models_in(members[0])
        return {_tag(m): m for m in members if _is_model(m) and "type" in m.model_fields}
    return annotation if _is_model(annotation) else None


def _tag(model: type[BaseModel]) -> str:
    return str(get_args(model.model_fields["type"].annotation)[0])


def _channel_tags() -> list[str]:
    return [_tag(m) for m in get_args(get_args(ChannelConfig)[0])]


def _quote(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "…" + text[-3:]


def _kind(value: object) -> str:
    names: dict[type, str] = {list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
