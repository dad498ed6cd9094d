"""Group robots of the Chinese workplace chat apps: DingTalk, Feishu/Lark and WeCom.

Each client signs its requests as its app asks, reads the error code in the body (every app
answers HTTP 200 with ``errcode``/``code`` for most failures) and turns it into a
:class:`RobotError` that says whether to try later or what to fix. No error ever carries the
URL's token or key, or the signing secret.
"""

from connectors.robots.base import Robot, RobotError
from connectors.robots.dingtalk import DingTalkRobot
from connectors.robots.feishu import FeishuRobot
from connectors.robots.wecom import WecomRobot

__all__ = ["DingTalkRobot", "FeishuRobot", "Robot", "RobotError", "WecomRobot"]
