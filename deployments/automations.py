"""What storepulse keeps on the Prefect server besides its deployments: a concurrency limit per
store, and an automation that tells the ops channels when a daily run has not completed by its
deadline. The server does the watching, so the alert goes out even when every worker is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prefect.automations import Automation, EventTrigger, Posture, SendNotification
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client

from connectors.config import (
    ChannelConfig,
    Config,
    RobotChannel,
    SlackChannel,
    WebhookChannel,
    resolve_channel_secrets,
)
from flows.steps.sync_store import store_tag

DEADLINE_AUTOMATION = "storepulse: daily-ops past its deadline"
#: A run's clock starts when a worker takes it (Pending) or when nobody has (Late, shortly
#: after its scheduled start); it stops at a final state. Failed is final here because the
#: flow's own failure hook has told the channels already.
STARTED = {"prefect.flow-run.Pending", "prefect.flow-run.Late"}
FINISHED = {"prefect.flow-run.Completed", "prefect.flow-run.Failed", "prefect.flow-run.Cancelled"}

LATE_TEXT = {
    "en": (
        "storepulse: the daily run {{ flow_run.name }} has not completed within {deadline} "
        "(it is {{ flow_run.state.name }}); a worker may be down or the run stuck. "
        "{{ flow_run|ui_url or '' }}"
    ),
    "zh-CN": (
        "storepulse：每日运行 {{ flow_run.name }} 在 {deadline} 内未完成"
        "（当前状态 {{ flow_run.state.name }}），可能是 worker 停机或运行卡住。"
        "{{ flow_run|ui_url or '' }}"
    ),
}


@dataclass(frozen=True, slots=True)
class ServerSetup:
    """What ``prepare_server`` did, for the person who ran it."""

    store_limits: int
    alerted: list[str]
    not_alerted: list[str]


async def prepare_server(config: Config) -> ServerSetup:
    """Create or update the store limits and the deadline automation (safe to repeat)."""
    await ensure_store_limits(config)
    alerted, not_alerted = await ensure_deadline_alert(config)
    return ServerSetup(len(config.stores), alerted, not_alerted)


async def ensure_store_limits(config: Config) -> None:
    """A concurrency limit of one per store, so two runs never sync the same store at once."""
    async with get_client() as client:
        for store in config.stores:
            await client.create_concurrency_limit(tag=store_tag(store.name), concurrency_limit=1)


def reachable(channel: ChannelConfig) -> bool:
    """Whether the server's fixed request can post to the channel: not email (Prefect's server
    sends no mail without an integration), not a robot that checks a signature made per
    request (DingTalk 加签, Feishu 签名校验)."""
    if isinstance(channel, SlackChannel | WebhookChannel):
        return True
    return isinstance(channel, RobotChannel) and not channel.signed


async def ensure_deadline_alert(config: Config) -> tuple[list[str], list[str]]:
    """One notification block per channel that takes alerts and that the server can reach, and
    the automation that uses them; returns the channels alerted and those it cannot reach
    (:func:`reachable`)."""
    takers = [c for c in config.channels if "alerts" in c.reports]
    alerted = [c for c in takers if reachable(c)]
    actions = [
        SendNotification(
            block_document_id=await _notification_block(channel),
            subject="storepulse: daily run late",
            body=late_text(channel.language, config.schedules.daily_deadline),
        )
        for channel in alerted
    ]
    async with get_client() as client:  # replaced whole: the channels may have changed
        for old in await client.read_automations_by_name(DEADLINE_AUTOMATION):
            await client.delete_automation(old.id)
    if actions:
        await Automation(
            name=DEADLINE_AUTOMATION,
            description="A daily-ops run has not completed by its deadline (storepulse.yaml).",
            trigger=deadline_trigger(config.schedules.daily_deadline),
            actions=actions,
        ).acreate()
    return [c.name for c in alerted], [c.name for c in takers if c not in alerted]


def deadline_trigger(deadline: timedelta) -> EventTrigger:
    """Fires once per ``daily-ops`` run that starts (or falls late) and is not finished within
    ``deadline``: a run no worker picked up, or one stuck running."""
    return EventTrigger(
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={"prefect.resource.role": "flow", "prefect.resource.name": "daily-ops"},
        after=STARTED,
        expect=FINISHED,
        for_each={"prefect.resource.id"},
        posture=Posture.Proactive,
        threshold=1,
        within=deadline,
    )


def late_text(language: str, deadline: timedelta) -> str:
    seconds = int(deadline.total_seconds())
    if seconds < 60:
        span = f"{seconds} s"
    elif seconds < 3600:
        span = f"{seconds // 60} min"
    else:
        span = f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return LATE_TEXT.get(language, LATE_TEXT["en"]).replace("{deadline}", span)


def late_message(channel: ChannelConfig) -> dict[str, Any]:
    """The late-run alert as the channel reads it (a robot's with its keyword, if it has one)."""
    text = "{{subject}}\n{{body}}"
    keyword = getattr(channel, "keyword", None)
    if keyword:
        text += f"\n{keyword}"
    if channel.type == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if channel.type in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": text}}
    return {"text": text}


async def _notification_block(channel: ChannelConfig) -> Any:
    """The channel as a Prefect notification block: a Slack ``chat.postMessage`` with the bot
    token, or a post to the incoming webhook or robot. The secret lives in the block's secret
    values, which Prefect never shows back."""
    message = late_message(channel)
    secrets = resolve_channel_secrets(channel)
    if isinstance(channel, SlackChannel):
        token = secrets["token"]
        block = CustomWebhookNotificationBlock(
            name=channel.name,
            url=channel.api_url.rstrip("/") + "/chat.postMessage",
            headers={"Authorization": "Bearer {{token}}"},
            json_data=message | {"channel": channel.channel},
            secrets={"token": token.get_secret_value()},
        )
    else:
        url = secrets["url"]
        block = CustomWebhookNotificationBlock(
            name=channel.name,
            url="{{url}}",
            json_data=message,
            secrets={"url": url.get_secret_value()},
        )
    return await block.asave(f"storepulse-{channel.name}", overwrite=True)
