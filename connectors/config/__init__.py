"""The configuration (``storepulse.yaml``): its tree, how it is loaded, and its secrets.

Read in this order:

- :mod:`~connectors.config.fields`: the value types (names, currencies, timezones, the names of
  secrets), each failing with words rather than a pattern;
- :mod:`~connectors.config.tree`: the whole file (``Config``) and its sections;
- :mod:`~connectors.config.channels`: where reports and alerts go, one model per channel type,
  each declaring the secrets it uses;
- :mod:`~connectors.config.loading`: finding and reading the file, checking its references, and
  the one-line ``ConfigError`` that names the key and the problem;
- :mod:`~connectors.config.secrets`: fetching a secret from the environment variable or Prefect
  Secret block the file names.

Everything a caller needs is importable from ``connectors.config`` itself.
"""

from __future__ import annotations

from connectors.config.channels import (
    ChannelBase,
    ChannelConfig,
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    RobotChannel,
    SecretKeys,
    SlackChannel,
    WebhookChannel,
    WecomChannel,
)
from connectors.config.fields import (
    ApiVersion,
    BlockName,
    Currency,
    EnvName,
    HttpUrl,
    IanaTimezone,
    Month,
    Name,
    QuietHours,
    SlackMention,
)
from connectors.config.loading import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    SHOWN_PROBLEMS,
    Problem,
    config_path,
    load_config,
    parse_config,
    read_yaml,
    reference_problems,
    refusal,
    refuse,
    suggest,
)
from connectors.config.secrets import resolve_channel_secrets, resolve_secret, resolve_token
from connectors.config.tree import (
    BudgetConfig,
    CampaignConfig,
    ChecksConfig,
    Config,
    RuleConfig,
    ScheduleConfig,
    SilenceConfig,
    StoreConfig,
    SyncSettings,
    TargetConfig,
    WatchConfig,
)
from connectors.vocabulary import Report

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "SHOWN_PROBLEMS",
    "ApiVersion",
    "BlockName",
    "BudgetConfig",
    "CampaignConfig",
    "ChannelBase",
    "ChannelConfig",
    "ChecksConfig",
    "Config",
    "Currency",
    "DingTalkChannel",
    "EmailChannel",
    "EnvName",
    "FeishuChannel",
    "HttpUrl",
    "IanaTimezone",
    "Month",
    "Name",
    "Problem",
    "QuietHours",
    "Report",
    "RobotChannel",
    "RuleConfig",
    "ScheduleConfig",
    "SecretKeys",
    "SilenceConfig",
    "SlackChannel",
    "SlackMention",
    "StoreConfig",
    "SyncSettings",
    "TargetConfig",
    "WatchConfig",
    "WebhookChannel",
    "WecomChannel",
    "config_path",
    "load_config",
    "parse_config",
    "read_yaml",
    "reference_problems",
    "refusal",
    "refuse",
    "resolve_channel_secrets",
    "resolve_secret",
    "resolve_token",
    "suggest",
]
