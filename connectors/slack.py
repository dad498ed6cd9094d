"""Slack: the Web API with a bot token (post, thread, update, upload) and incoming webhooks.

Both go through slack-sdk, with its rate-limit retry handler added (it honours ``Retry-After``).
Slack reports most failures as HTTP 200 with ``{"ok": false, "error": …}``; they become a
:class:`DispatchError` that says what to do about them. Neither the token nor the webhook URL
(itself a secret) ever appears in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from connectors.errors import DispatchError

#: What an operator can do about the errors Slack returns most often.
HINTS = {
    "channel_not_found": "check the channel ID, and invite the app if the channel is private",
    "not_in_channel": "invite the app to the channel (/invite @storepulse)",
    "is_archived": "the channel is archived; choose another",
    "invalid_auth": "the bot token is wrong or revoked; check the secret it is read from",
    "not_authed": "no token was sent; check the secret it is read from",
    "token_revoked": "the bot token was revoked; install the app again",
    "missing_scope": "the app lacks a scope (chat:write, files:write)",
    "invalid_blocks": "Slack refused the message layout",
    "msg_too_long": "the message is too long for Slack",
    "ratelimited": "Slack is rate limiting this app; it will be retried",
    "invalid_payload": "Slack could not read the message",
    "action_prohibited": "a workspace admin has restricted this webhook",
    "no_service": "the webhook was removed or disabled",
}


def _explain(where: str, error: str) -> DispatchError:
    hint = HINTS.get(error)
    return DispatchError(f"Slack {where}: {error}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True, slots=True)
class Posted:
    channel: str  # the channel's ID, as chat.update needs it
    ts: str


class SlackBot:
    """A bot token's view of the Web API."""

    def __init__(
        self,
        token: SecretStr,
        api_url: str = "https://slack.com/api/",
        timeout: float = 30,
        rate_limit_retries: int = 3,
    ) -> None:
        self._web = WebClient(
            token=token.get_secret_value(),
            base_url=api_url,
            timeout=int(timeout),
            retry_handlers=[
                ConnectionErrorRetryHandler(),
                RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ],
        )

    def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None = None
    ) -> Posted:
        data = self._call(
            "chat.postMessage",
            channel,
            lambda: self._web.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
            ),
        )
        return Posted(str(data["channel"]), str(data["ts"]))

    def update(self, posted: Posted, text: str, blocks: list[dict[str, Any]]) -> None:
        self._call(
            "chat.update",
            posted.channel,
            lambda: self._web.chat_update(
                channel=posted.channel, ts=posted.ts, text=text, blocks=blocks
            ),
        )

    def upload(
        self, posted: Posted, filename: str, content: bytes, title: str, comment: str = ""
    ) -> None:
        """Attach a file (a chart, the HTML report) in the thread of ``posted``."""
        self._call(
            "files.upload",
            posted.channel,
            lambda: self._web.files_upload_v2(
                channel=posted.channel,
                thread_ts=posted.ts,
                filename=filename,
                content=content,
                title=title,
                initial_comment=comment or None,
                request_file_info=False,
            ),
        )

    def check(self) -> str:
        """``auth.test``: the bot's name in its workspace, or a clear error."""
        data = self._call("auth.test", "", self._web.auth_test)
        return f"{data.get('user', '?')} in {data.get('team', '?')}"

    def _call(self, method: str, channel: str, call: Any) -> dict[str, Any]:
        where = f"{method} to {channel}" if channel else method
        try:
            return dict(call().data)
        except SlackApiError as exc:
            raise _explain(where, str(exc.response.get("error", "unknown error"))) from None
        except (SlackClientError, OSError) as exc:
            raise DispatchError(f"Slack {where}: {type(exc).__name__}") from None


class SlackWebhook:
    """An incoming webhook: posts to the one channel it was made for."""

    def __init__(self, url: SecretStr, timeout: float = 30, rate_limit_retries: int = 3) -> None:
        self._client = WebhookClient(
            url.get_secret_value(),
            timeout=int(timeout),
            retry_handlers=[
                ConnectionErrorRetryHandler(),
                RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ],
        )

    def post(self, text: str, blocks: list[dict[str, Any]]) -> None:
        try:
            response = self._client.send(text=text, blocks=blocks, unfurl_links=False)
        except (SlackClientError, OSError) as exc:
            raise DispatchError(f"Slack webhook: {type(exc).__name__}") from None
        if response.status_code != 200 or response.body.strip() != "ok":
            error = response.body.strip() or f"HTTP {response.status_code}"
            raise _explain(f"webhook (HTTP {response.status_code})", error)
