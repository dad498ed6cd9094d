"""DingTalk, Feishu and WeCom channels in storepulse.yaml: the keys the documentation shows,
Chinese by default, and mistakes named in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import DingTalkChannel, FeishuChannel, WecomChannel, parse_config
from connectors.errors import ConfigError
from deployments.automations import late_message, reachable
from tests.connectors.test_config import _with_channels

DINGTALK = {
    "name": "ops-dingtalk",
    "type": "dingtalk",
    "url_env": "DINGTALK_URL",
    "secret_env": "DINGTALK_SECRET",
    "language": "zh-CN",
    "mention": {"mobiles": ["13800000000"]},
    "keyword": "店铺日报",
}
FEISHU = {"name": "ops-feishu", "type": "feishu", "url_env": "FEISHU_URL", "secret_env": "FS"}
WECOM = {"name": "ops-wecom", "type": "wecom", "url_env": "WECOM_URL"} | {
    "mention": {"user_ids": ["zhangsan"]}
}


def test_the_three_robots_read_the_documented_keys() -> None:
    ding, feishu, wecom = parse_config(_with_channels(DINGTALK, FEISHU, WECOM)).channels
    assert isinstance(ding, DingTalkChannel) and ding.keyword == "店铺日报"
    assert ding.mentions == ("mobile:13800000000",) and ding.signed
    assert ding.secrets() == {"url": ("DINGTALK_URL", None), "secret": ("DINGTALK_SECRET", None)}
    assert isinstance(feishu, FeishuChannel) and feishu.language == "zh-CN"  # the default
    assert isinstance(wecom, WecomChannel) and wecom.mentions == ("user:zhangsan",)
    assert not wecom.signed and wecom.secrets() == {"url": ("WECOM_URL", None)}
    assert wecom.reports == ["daily", "weekly", "alerts", "campaign"]
    assert wecom.min_severity == "warning"


def test_the_prefect_server_reaches_only_robots_it_can_post_to_unsigned() -> None:
    unsigned = {k: v for k, v in DINGTALK.items() if k != "secret_env"}
    ding, signed, wecom = parse_config(_with_channels(unsigned, FEISHU, WECOM)).channels
    assert reachable(ding) and reachable(wecom) and not reachable(signed)
    assert late_message(ding) == {
        "msgtype": "text",
        "text": {"content": "{{subject}}\n{{body}}\n店铺日报"},  # with the robot's keyword
    }
    assert late_message(signed)["msg_type"] == "text"


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (DINGTALK | {"url_env": None}, r"channels\[0\]: give exactly one of url_env or url_secret"),
        (
            DINGTALK | {"secret_secret": "ding"},
            r"channels\[0\]: give exactly one of secret_env or secret_secret",
        ),
        (
            DINGTALK | {"mention": {"mobiles": ["call me"]}},
            r"channels\[0\]\.mention\.mobiles\[0\]: must be a phone number",
        ),
        (
            FEISHU | {"mention": {"mobiles": ["13800000000"]}},
            r"channels\[0\]: .*a Feishu custom bot cannot mention by phone number",
        ),
        (WECOM | {"secret_env": "X"}, r"channels\[0\]\.secret_env: unknown key"),
        (WECOM | {"keyword": "日报"}, r"channels\[0\]\.keyword: unknown key"),
        (
            DINGTALK | {"type": "dingding"},
            r"no channel type 'dingding' \(known: dingtalk, email, feishu, slack, webhook, wecom\)",
        ),
    ],
)
def test_robot_mistakes_name_the_key_in_words(channel: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse_config(_with_channels(channel), source=Path("storepulse.yaml"))
    assert "\n" not in str(raised.value) and "pattern" not in str(raised.value)
