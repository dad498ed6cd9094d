"""The robot clients against the local stand-ins: signatures, keywords, error codes mapped to
"try later" or "fix this", and no secret in any error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr

from connectors.robots import DingTalkRobot, FeishuRobot, RobotError, WecomRobot
from connectors.robots.dingtalk import dingtalk_sign
from connectors.robots.feishu import feishu_sign
from tests.fakes.robots import FakeRobots, Robot, fake_robots

DING_SECRET = "SEC0123456789abcdef0123456789abcdef"
FEISHU_SECRET = "feishu-signing-secret-0123"
T0 = 1_790_000_000.0


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def robots(clock: Clock) -> Iterator[FakeRobots]:
    with fake_robots(clock) as server:
        yield server


def dingtalk(robots: FakeRobots, clock: Clock, secret: str = DING_SECRET) -> DingTalkRobot:
    robot = robots.add(
        Robot("dingtalk", "ding-token-0001", DING_SECRET, ["店铺日报"], ["13800000000"])
    )
    return DingTalkRobot(SecretStr(robots.webhook(robot)), SecretStr(secret), clock)


def markdown(text: str) -> dict[str, object]:
    return {"msgtype": "markdown", "markdown": {"title": "报告", "text": text}}


def assert_no_secret(error: RobotError, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in str(error)


def test_the_documented_signatures() -> None:
    # Computed with openssl from each documentation's description: DingTalk keys by the secret
    # and signs "ts\nsecret" (then URL-encodes); Feishu keys by "ts\nsecret" and signs nothing.
    assert dingtalk_sign("SECabc", 1_700_000_000_000) == (
        "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D"
    )
    assert feishu_sign("abc", 1_700_000_000) == "VIS10b0EBvzzSdFnuk4tznEmK5wHaruvf/WnViv2yR4="


def test_a_signed_dingtalk_message_with_its_keyword_arrives(
    robots: FakeRobots, clock: Clock
) -> None:
    dingtalk(robots, clock).post(markdown("#### 店铺日报\n- **净销售额** ¥12,345"))
    (got,) = robots.state.of("dingtalk")
    assert "净销售额" in got.payload["markdown"]["text"]
    assert got.query["timestamp"] == str(int(T0 * 1000))


@pytest.mark.parametrize(
    ("change", "fix"),
    [
        ("secret", "signing secret (`secret_env` or `secret_secret`"),
        ("clock", "clock (NTP)"),
        ("keyword", "set `keyword` to one of the robot's custom keywords"),
        ("token", "copy its webhook URL again"),
    ],
)
def test_each_refusal_says_what_to_fix_and_names_no_secret(
    robots: FakeRobots, clock: Clock, change: str, fix: str
) -> None:
    robot = dingtalk(robots, clock, "SECwrong" if change == "secret" else DING_SECRET)
    url = robots.webhook(robots.state.robots["ding-token-0001"])
    if change == "clock":
        clock.now += 3601  # the robot's clock; ours signs an hour behind it
        robot = DingTalkRobot(SecretStr(url), SecretStr(DING_SECRET), lambda: T0)
    if change == "token":
        robot = DingTalkRobot(SecretStr(url.replace("0001", "9999")), SecretStr(DING_SECRET), clock)
    text = "no keyword here" if change == "keyword" else "店铺日报"
    with pytest.raises(RobotError) as refused:
        robot.post(markdown(text))
    assert fix in str(refused.value) and refused.value.retry_after is None
    assert_no_secret(refused.value, DING_SECRET, "ding-token-0001", "ding-token-9999", "SECwrong")


def test_a_dingtalk_burst_is_throttled_for_ten_minutes(robots: FakeRobots, clock: Clock) -> None:
    robot = dingtalk(robots, clock)
    for _ in range(20):
        robot.post(markdown("店铺日报"))
    with pytest.raises(RobotError) as throttled:
        robot.post(markdown("店铺日报"))
    assert throttled.value.throttled and throttled.value.retry_after == timedelta(minutes=10)
    clock.now += 120  # the window has passed, the block has not
    with pytest.raises(RobotError):
        robot.post(markdown("店铺日报"))
    clock.now += 600
    robot.post(markdown("店铺日报"))
    assert len(robots.state.of("dingtalk")) == 21
    assert robots.state.refused == [("dingtalk", 410100)] * 2


def test_feishu_signs_in_the_body_and_reports_its_codes(robots: FakeRobots, clock: Clock) -> None:
    bot = robots.add(Robot("feishu", "0b3e-feishu-token", FEISHU_SECRET, ["日报"]))
    url = SecretStr(robots.webhook(bot))
    card = {"msg_type": "text", "content": {"text": "日报 ok"}}
    FeishuRobot(url, SecretStr(FEISHU_SECRET), clock).post(card)
    (got,) = robots.state.of("feishu")
    assert got.payload["timestamp"] == str(int(T0)) and got.payload["sign"]
    with pytest.raises(RobotError) as wrong:
        FeishuRobot(url, SecretStr("not-the-secret"), clock).post(card)
    assert "error 19021" in str(wrong.value) and "signing secret" in str(wrong.value)
    assert_no_secret(wrong.value, FEISHU_SECRET, "not-the-secret", "0b3e-feishu-token")
    with pytest.raises(RobotError) as keyword:
        FeishuRobot(url, SecretStr(FEISHU_SECRET), clock).post(
            {"msg_type": "text", "content": {"text": "hello"}}
        )
    assert "error 19024" in str(keyword.value)
    for _ in range(4):
        FeishuRobot(url, SecretStr(FEISHU_SECRET), clock).post(card)
    with pytest.raises(RobotError) as fast:  # the sixth in one second
        FeishuRobot(url, SecretStr(FEISHU_SECRET), clock).post(card)
    assert fast.value.throttled and fast.value.retry_after


def test_wecom_limits_and_codes(robots: FakeRobots, clock: Clock) -> None:
    key = robots.add(Robot("wecom", "693a91f6-key"))
    robot = WecomRobot(SecretStr(robots.webhook(key)), clock)
    robot.post({"msgtype": "markdown", "markdown": {"content": "字" * 1365}})  # 4,095 bytes
    with pytest.raises(RobotError) as long:
        robot.post({"msgtype": "markdown", "markdown": {"content": "字" * 1366}})
    assert "markdown.content exceed max length 4096" in str(long.value)
    with pytest.raises(RobotError) as unknown:
        WecomRobot(SecretStr(robots.webhook(key).replace("693a", "0000")), clock).post(
            {"msgtype": "text", "text": {"content": "hi"}}
        )
    assert "error 93000" in str(unknown.value) and "693a91f6-key" not in str(unknown.value)
    assert "0000-key" not in str(unknown.value)
    for _ in range(19):
        robot.post({"msgtype": "text", "text": {"content": "hi"}})
    with pytest.raises(RobotError) as fast:
        robot.post({"msgtype": "text", "text": {"content": "hi"}})
    assert fast.value.throttled and "error 45009" in str(fast.value)


def test_network_trouble_is_retried_later_without_the_url() -> None:
    robot = WecomRobot(SecretStr("http://127.0.0.1:9/cgi-bin/webhook/send?key=secret-key-1"))
    with pytest.raises(RobotError) as down:
        robot.post({"msgtype": "text", "text": {"content": "hi"}})
    assert down.value.retry_after and "secret-key-1" not in str(down.value)


def test_the_stand_ins_refuse_what_the_apps_refuse(robots: FakeRobots, clock: Clock) -> None:
    ding = dingtalk(robots, clock)
    with pytest.raises(RobotError, match=r"error 460101 .* over 20,000 bytes"):
        ding.post(markdown("店铺日报" + "字" * 6700))  # over 20,000 bytes of body
    with pytest.raises(RobotError, match="error 400105"):
        ding.post({"msgtype": "image", "image": {"picURL": "x"}, "text": "店铺日报"})
    bot = robots.add(Robot("feishu", "feishu-token-2"))
    card = {"header": {"template": "pink"}, "body": {"elements": []}}
    with pytest.raises(RobotError, match="error 9499"):
        FeishuRobot(SecretStr(robots.webhook(bot))).post({"msg_type": "interactive", "card": card})
    key = robots.add(Robot("wecom", "wecom-key-2"))
    image = {"base64": "iVBORw0KGgo=", "md5": "0" * 32}
    with pytest.raises(RobotError, match=r"image\.md5 not match"):
        WecomRobot(SecretStr(robots.webhook(key))).post({"msgtype": "image", "image": image})
    assert [code for _, code in robots.state.refused] == [460101, 400105, 9499, 40058]
