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
    Name,
    QuietHours,
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
            if keys.required:
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


#: A channel, told apart by its ``type``. DingTalk, Feishu and WeCom robots join as members.
ChannelConfig = Annotated[SlackChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]
