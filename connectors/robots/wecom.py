"""WeCom group robots (群机器人): ``POST …/cgi-bin/webhook/send?key=…``.

The key in the URL is the only credential: no signature, no keyword. Errors are HTTP 200 with
``errcode``.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from connectors.robots.base import BUSY, Answer, Clock, Payload, Webhook, later

ANSWERS: dict[int, Answer] = {
    -1: later(BUSY, "WeCom is busy"),
    45009: later(timedelta(seconds=65), "WeCom throttles this robot (20 a minute)", True),
    93000: Answer(
        "the robot's URL is wrong or the robot was removed: copy its webhook URL again from "
        "the group's robot settings into the variable or block the channel names"
    ),
    40058: Answer("WeCom refused a field (too long, or not valid)"),
}


class WecomRobot:
    app = "WeCom"

    def __init__(self, url: SecretStr, clock: Clock | None = None) -> None:
        self._hook = Webhook(self.app, url, [], clock)

    def post(self, payload: Payload) -> None:
        status, body = self._hook.send(self._hook.url, payload)
        self._hook.settle(status, body.get("errcode"), str(body.get("errmsg", "")), ANSWERS)
