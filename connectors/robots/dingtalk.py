"""DingTalk custom robots (自定义机器人): ``POST …/robot/send?access_token=…``.

加签: a millisecond timestamp and ``Base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" +
secret))``, URL-encoded, in the query of every request (DingTalk refuses a timestamp more than an
hour off). Errors are HTTP 200 with ``errcode``; DingTalk's tables disagree between versions, so
codes are matched with the message's words (``keywords``, ``sign``, ``timestamp``, ``ip``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import quote_plus

from connectors.robots.base import BUSY, Answer, Payload, SigningRobot, later

#: A burst over 20 a minute blocks the robot for ten minutes.
BLOCKED = timedelta(minutes=10)
#: The daily cap some tenants report (errcode 90030).
DAILY_CAP = timedelta(hours=1)
WRONG_URL = Answer(
    "the robot's URL is wrong or the robot was removed: copy its webhook URL again from the "
    "group's robot settings into the variable or block the channel names"
)
ANSWERS: dict[int, Answer] = {
    -1: later(BUSY, "DingTalk is busy"),
    400013: Answer("the group was dissolved: add the robot to another group"),
    400102: Answer("the robot is disabled: enable it in the group's robot settings"),
    400105: Answer("DingTalk does not take this message type"),
    410100: later(BLOCKED, "DingTalk throttles this robot (20 a minute)", throttled=True),
    130101: later(BLOCKED, "DingTalk throttles this robot (20 a minute)", throttled=True),
    90030: later(DAILY_CAP, "the robot reached its daily cap", throttled=True),
    460101: Answer("the message is over 20,000 bytes"),
    101002: Answer("the message is over 20,000 bytes"),
    **dict.fromkeys((40035, 300001, 300005, 400101, 400106), WRONG_URL),
    **dict.fromkeys(
        (430101, 430102, 430103, 430104),
        Answer("DingTalk's content check refused the message (a link, text or image)"),
    ),
}
#: errcode 310000 (消息校验未通过): which security setting refused, by the message's words.
SECURITY = (
    (
        "keyword",
        "the message lacks the robot's keyword: set `keyword` to one of the robot's "
        "custom keywords (群设置 → 机器人 → 安全设置)",
    ),
    (
        "timestamp",
        "DingTalk found the signature's time more than an hour off: set this machine's clock (NTP)",
    ),
    (
        "sign",
        "the signature does not match: the channel's signing secret (`secret_env` or "
        "`secret_secret`, the SEC… value under 加签) is wrong, or the robot does not use 加签",
    ),
    ("ip", "this machine's IP address is not on the robot's allow-list: add it under 安全设置"),
)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value: HMAC-SHA256 keyed by the secret, Base64, URL-encoded."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalkRobot(SigningRobot):
    app = "DingTalk"

    def post(self, payload: Payload) -> None:
        status, body = self._hook.send(self._signed_url(), payload)
        code, said = body.get("errcode"), str(body.get("errmsg", ""))
        answers = ANSWERS | {310000: _security(said)}
        self._hook.settle(status, code, said, answers)

    def _signed_url(self) -> str:
        url = self._hook.url
        if self._secret is None:
            return url
        timestamp = round(self._hook.clock() * 1000)
        sign = dingtalk_sign(self._secret.get_secret_value(), timestamp)
        return f"{url}&timestamp={timestamp}&sign={sign}"


def _security(errmsg: str) -> Answer:
    """Which security setting refused a message (errcode 310000), by the message's words."""
    said = errmsg.lower()
    words = {"关键词": "keyword", "签名": "sign", "时间戳": "timestamp", "whitelist": "ip"}
    for chinese, english in words.items():
        said = said.replace(chinese, english)
    return next(
        (Answer(fix) for word, fix in SECURITY if word in said),
        Answer("the robot's security settings (keyword, 加签 or IP) refused the message"),
    )
