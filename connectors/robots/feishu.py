"""Feishu and Lark custom bots (自定义机器人): ``POST …/open-apis/bot/v2/hook/<token>``.

签名校验: a timestamp in seconds; the HMAC-SHA256 *key* is ``timestamp + "\\n" + secret`` and
the message is empty; Base64; ``timestamp`` and ``sign`` go in the JSON body. Errors are HTTP 200
with ``code`` (the legacy ``StatusCode`` is read when ``code`` is absent). Lark is the same API
on ``open.larksuite.com``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from connectors.robots.base import Answer, Payload, SigningRobot, later

THROTTLED = later(
    timedelta(minutes=1), "Feishu throttles this bot (5 a second, 100 a minute)", throttled=True
)
WRONG_URL = Answer(
    "the bot's URL is wrong or the bot was removed: copy its webhook URL again from the "
    "group's bot settings into the variable or block the channel names"
)
ANSWERS: dict[int, Answer] = {
    19021: Answer(
        "the signature does not match or this machine's clock is more than an hour off: check "
        "the channel's signing secret (`secret_env` or `secret_secret`, under 签名校验) and the "
        "clock (NTP)"
    ),
    19022: Answer("this machine's IP address is not on the bot's allow-list (IP 白名单)"),
    19024: Answer(
        "the message lacks the bot's keyword: set `keyword` to one of the bot's custom keywords"
    ),
    19001: WRONG_URL,
    99991201: WRONG_URL,
    9499: Answer("Feishu could not read the message (Bad Request)"),
    11232: THROTTLED,
    99991400: THROTTLED,
}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The body's ``sign``: HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over nothing."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuRobot(SigningRobot):
    app = "Feishu"

    def post(self, payload: Payload) -> None:
        status, body = self._hook.send(self._hook.url, self._signed(payload))
        code = body.get("code", body.get("StatusCode"))
        self._hook.settle(
            status, code, str(body.get("msg", body.get("StatusMessage", ""))), ANSWERS
        )

    def _signed(self, payload: Payload) -> Payload:
        if self._secret is None:
            return payload
        timestamp = int(self._hook.clock())
        sign = feishu_sign(self._secret.get_secret_value(), timestamp)
        return {"timestamp": str(timestamp), "sign": sign, **payload}
