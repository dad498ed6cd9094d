"""The Slack client against the local stand-in: threads, edits, uploads, limits, clear errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from connectors.errors import DispatchError
from connectors.slack import SlackBot, SlackWebhook
from tests.fakes.slack import BOT_TOKEN, FakeSlack, fake_slack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello", "verbatim": True}}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as server:
        yield server


def bot(slack: FakeSlack, token: str = BOT_TOKEN) -> SlackBot:
    return SlackBot(SecretStr(token), slack.api_url)


def test_post_thread_update_and_upload(slack: FakeSlack) -> None:
    b = bot(slack)
    first = b.post("#ops", "Daily digest", [SECTION])
    assert first.channel == "C0OPS"  # the ID, as chat.update needs it
    b.post(first.channel, "Daily digest", [SECTION], thread_ts=first.ts)
    b.update(first, "Resolved", [SECTION, SECTION])
    b.upload(first, "report.html", b"<html>report</html>", "Daily digest")
    assert [m.thread_ts for m in slack.state.messages] == [None, first.ts]
    assert slack.state.updates[0].ts == first.ts and len(slack.state.updates[0].blocks) == 2
    (uploaded,) = slack.state.files.values()
    assert uploaded["content"] == b"<html>report</html>"
    assert (uploaded["channel"], uploaded["thread_ts"]) == ("C0OPS", first.ts)


@pytest.mark.parametrize(
    ("channel", "token", "error", "hint"),
    [
        ("#nowhere", BOT_TOKEN, "channel_not_found", "check the channel ID"),
        ("C0PRIVATE", BOT_TOKEN, "not_in_channel", "invite the app"),
        ("#ops", "xoxb-revoked-9999", "invalid_auth", "token is wrong or revoked"),
    ],
)
def test_slack_errors_say_what_to_do_and_never_the_token(
    slack: FakeSlack, channel: str, token: str, error: str, hint: str
) -> None:
    with pytest.raises(DispatchError) as caught:
        bot(slack, token).post(channel, "x", [SECTION])
    text = str(caught.value)
    assert error in text and hint in text and channel in text
    assert token not in text and token not in repr(caught.value)


def test_a_message_over_slacks_limits_is_refused_not_cut(slack: FakeSlack) -> None:
    with pytest.raises(DispatchError, match="invalid_blocks"):
        bot(slack).post("#ops", "x", [SECTION] * 51)
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(DispatchError, match="invalid_blocks"):
        bot(slack).post("#ops", "x", [long])


def test_rate_limits_are_waited_out(slack: FakeSlack) -> None:
    slack.state.throttle_next = 2
    posted = bot(slack).post("#ops", "x", [SECTION])
    assert slack.state.throttled == 2
    assert [m.ts for m in slack.state.messages] == [posted.ts]


def test_webhook_posts_and_reports_errors_without_its_url(slack: FakeSlack) -> None:
    SlackWebhook(SecretStr(slack.webhook_url)).post("Daily digest", [SECTION])
    assert slack.state.messages[-1].blocks == [SECTION]
    wrong = slack.url + "/services/T0TEST/B0TEST/revoked-secret"
    with pytest.raises(DispatchError, match="no_service") as caught:
        SlackWebhook(SecretStr(wrong)).post("x", [SECTION])
    assert "revoked-secret" not in str(caught.value)


def test_auth_check_names_the_bot(slack: FakeSlack) -> None:
    assert bot(slack).check() == "storepulse in Test workspace"
