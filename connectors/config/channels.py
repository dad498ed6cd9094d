"""The channels reports and alerts go to, told apart by their ``type``.

Each channel type declares the secrets it uses once, in ``SECRETS``: what each is for and the two
keys that may name it (an environment variable or a Prefect Secret block). That one declaration
is what the file is checked against, what the command line resolves before a run starts, and
what the transports and the server's automations send with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal, NamedTuple, Self

from pydantic import Field, model_validator

from connectors.config.fields import (
    BlockName,
    EnvName,
    HttpUrl,
    IanaTimezone,
    Mobile,
    Name,
    QuietHours,
    RobotUser,
    SlackMention,
    Strict,
    one_of,
)
from connectors.email import Security
from connectors.vocabulary import REPORTS, Language, Report


class SecretKeys(NamedTuple):
    """The keys of a channel that may name one secret; the secret itself is never in the file."""

    env: str
    block: str
    #: Whether the channel needs it; an optional one is used only when named.
    required: bool = True


class ChannelBase(Strict):
    """What every channel shares: who it is, what it receives, in which language, and when it
    stays quiet. Secrets are named (``*_env`` or ``*_secret``), never written here."""

    #: The secrets this type of channel uses, by what each is for (``token``, ``url``, …).
    SECRETS: ClassVar[dict[str, SecretKeys]] = {}

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

    @model_validator(mode="after")
    def _one_source_per_secret(self) -> Self:
        for keys in self.SECRETS.values():
            if keys.required or getattr(self, keys.env) is not None:
                one_of(self, keys.env, keys.block)
        return self

    def secrets(self) -> dict[str, tuple[str | None, str | None]]:
        """Where each of its secrets lives: (environment variable, Prefect Secret block)."""
        return {
            use: (getattr(self, keys.env), getattr(self, keys.block))
            for use, keys in self.SECRETS.items()
        }

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

    SECRETS: ClassVar[dict[str, SecretKeys]] = {"token": SecretKeys("token_env", "token_secret")}

    type: Literal["slack"]
    #: A channel ID (C…) or ``#name``.
    channel: str
    token_env: EnvName | None = None
    token_secret: BlockName | None = None
    #: The Slack Web API's address (a stand-in's in tests).
    api_url: HttpUrl = "https://slack.com/api/"
    #: Who is called on a critical alert: Slack user IDs (U…) or user groups (S…).
    mention: list[SlackMention] = Field(default_factory=list)

    @property
    def recipient(self) -> str:
        return self.channel

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(self.mention)


class WebhookChannel(ChannelBase):
    """A Slack incoming webhook: it posts, it cannot thread or edit. Its URL is a secret."""

    SECRETS: ClassVar[dict[str, SecretKeys]] = {"url": SecretKeys("url_env", "url_secret")}

    type: Literal["webhook"]
    url_env: EnvName | None = None
    url_secret: BlockName | None = None
    #: Who is called on a critical alert: Slack user IDs (U…) or user groups (S…).
    mention: list[SlackMention] = Field(default_factory=list)

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(self.mention)


class EmailChannel(ChannelBase):
    """Email over SMTP, HTML with a plain-text part."""

    #: A relay that takes no login needs no password; one with a ``username`` does.
    SECRETS: ClassVar[dict[str, SecretKeys]] = {
        "password": SecretKeys("password_env", "password_secret", required=False)
    }

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
            one_of(self, "password_env", "password_secret")
        return self

    @property
    def recipient(self) -> str:
        return ",".join(self.to + self.cc)


class RobotMention(Strict):
    """Who a chat robot calls on a critical alert, in the terms its app understands."""

    #: Phone numbers of group members (DingTalk, WeCom).
    mobiles: list[Mobile] = Field(default_factory=list)
    #: User IDs: DingTalk userids, Feishu open_ids (ou_…) or user_ids, WeCom userids.
    user_ids: list[RobotUser] = Field(default_factory=list)


class RobotChannel(ChannelBase):
    """A group robot of a Chinese workplace chat app (a custom webhook). Its whole URL is a
    secret; it posts, it cannot edit, and it returns no message id."""

    SECRETS: ClassVar[dict[str, SecretKeys]] = {"url": SecretKeys("url_env", "url_secret")}

    language: Language = "zh-CN"
    url_env: EnvName | None = None
    url_secret: BlockName | None = None
    mention: RobotMention = Field(default_factory=RobotMention)

    @property
    def signed(self) -> bool:
        """Whether every request carries a signature made for it (a signing secret is named):
        a fixed request, such as the Prefect server's late-run alert, is then refused."""
        return any(self.secrets().get("secret", (None, None)))

    @property
    def mentions(self) -> tuple[str, ...]:
        """``mobile:NUMBER`` and ``user:ID``: each renderer writes them its app's way."""
        return tuple(f"mobile:{m}" for m in self.mention.mobiles) + tuple(
            f"user:{u}" for u in self.mention.user_ids
        )


class DingTalkChannel(RobotChannel):
    """A DingTalk custom robot (自定义机器人): 加签 with a ``SEC…`` secret, keywords, or both."""

    SECRETS: ClassVar[dict[str, SecretKeys]] = {
        "url": SecretKeys("url_env", "url_secret"),
        "secret": SecretKeys("secret_env", "secret_secret", required=False),
    }

    type: Literal["dingtalk"]
    secret_env: EnvName | None = None
    secret_secret: BlockName | None = None
    #: A keyword of the robot's keyword security; every message then carries it.
    keyword: str | None = Field(None, min_length=1, max_length=40)


class FeishuChannel(RobotChannel):
    """A Feishu or Lark custom bot (自定义机器人); they differ only by host. Optional
    签名校验 secret and keyword."""

    SECRETS: ClassVar[dict[str, SecretKeys]] = DingTalkChannel.SECRETS

    type: Literal["feishu"]
    secret_env: EnvName | None = None
    secret_secret: BlockName | None = None
    keyword: str | None = Field(None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _no_mobiles(self) -> Self:
        if self.mention.mobiles:
            raise ValueError(
                "mention.mobiles: a Feishu custom bot cannot mention by phone number; give "
                "mention.user_ids (open_ids such as ou_7d8a6e6d)"
            )
        return self


class WecomChannel(RobotChannel):
    """A WeCom group robot (群机器人): the key in its URL is its only credential."""

    type: Literal["wecom"]


#: A channel, told apart by its ``type``.
ChannelConfig = Annotated[
    SlackChannel | WebhookChannel | EmailChannel | DingTalkChannel | FeishuChannel | WecomChannel,
    Field(discriminator="type"),
]
