"""Local stand-ins for the three chat robots: DingTalk, Feishu/Lark and WeCom custom webhooks.

One HTTP server answers all three apps' paths, as the reference's "faithful local stand-in"
section describes (``shared/reference/china-chat.md`` §7):

- DingTalk ``POST /robot/send?access_token=…``: HTTP 200 with ``errcode``/``errmsg``; 43002
  (not POST), 43004 (not JSON), 300005 (unknown token); 加签 checked (millisecond timestamp within
  an hour, ``Base64(HMAC-SHA256(secret, ts + "\\n" + secret))``), keywords, a body of at most
  20,000 bytes (460101), the five webhook message types (else 400105); 20 a minute in a sliding
  window, the 21st answered 410100 and every request for ten minutes after it too.
- Feishu ``POST /open-apis/bot/v2/hook/<token>``: ``code``/``msg``; 19001 (unknown token), 404
  with 99991201 (wrong path), 9499 (bad JSON, message type, card or a body over 20,000 bytes),
  19021 (signature: seconds within an hour, HMAC keyed by ``ts + "\\n" + secret`` over nothing),
  19024 (keyword), 11232 (more than 5 in a second or 100 in a minute).
- WeCom ``POST /cgi-bin/webhook/send?key=…`` and ``upload_media``: 93000 (unknown key), 40058
  with WeCom's exact wording (text over 2,048 bytes, markdown over 4,096, a bad image), 45009
  (more than 20 a minute).

Everything accepted is recorded (:class:`Received`); its clock can be a test's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.serving import serving

DINGTALK_TYPES = {"text", "markdown", "link", "actionCard", "feedCard"}
FEISHU_TYPES = {"text", "post", "image", "share_chat", "interactive"}
FEISHU_COLOURS = {
    "blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine", "violet",
    "purple", "indigo", "grey", "default",
}  # fmt: skip
FEISHU_THROTTLED = "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]"
WECOM_HELP = "more info at https://open.work.weixin.qq.com/devtool/query?e=40058"
BODY_LIMIT = 20_000
HOUR = 3600


@dataclass
class Robot:
    """One robot as its group configured it."""

    app: str  # dingtalk, feishu or wecom
    token: str
    secret: str | None = None
    keywords: list[str] = field(default_factory=list)
    #: Members' phone numbers (a DingTalk @ to anyone else highlights nobody).
    members: list[str] = field(default_factory=list)


@dataclass
class Received:
    app: str
    token: str
    payload: dict[str, Any]
    size: int  # the request body's bytes
    query: dict[str, str]
    #: DingTalk: the mentioned phone numbers that are members and appear in the text too.
    mentioned: list[str] = field(default_factory=list)


@dataclass
class RobotsState:
    robots: dict[str, Robot] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    #: Every error answered, as (app, code).
    refused: list[tuple[str, int]] = field(default_factory=list)
    #: Seconds since the epoch: the robots' idea of now.
    clock: Callable[[], float] = time.time
    #: DingTalk's throttle errcode: 410100 (its table) or 130101 (seen in the wild).
    dingtalk_throttle: int = 410100
    wecom_text_limit: int = 2048
    sends: dict[str, deque[float]] = field(default_factory=dict)
    blocked_until: dict[str, float] = field(default_factory=dict)
    uploads: dict[str, tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _media: Iterator[int] = field(default_factory=lambda: count(1))

    def of(self, app: str) -> list[Received]:
        return [r for r in self.received if r.app == app]

    def recent(self, token: str, seconds: float) -> int:
        now = self.clock()
        return sum(1 for at in self.sends.get(token, ()) if at > now - seconds)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/robot/send":
            return self._json({"errcode": 43002, "errmsg": "需要POST请求"})
        self._reply(404, {"code": 99991201, "msg": "resource not find"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state = self.server.state
        with state.lock:  # one request at a time: the rate windows stay exact
            if url.path == "/robot/send":
                self._dingtalk(query, raw)
            elif url.path.startswith("/open-apis/bot/v2/hook/"):
                self._feishu(url.path.rsplit("/", 1)[-1], raw)
            elif url.path == "/cgi-bin/webhook/send":
                self._wecom(query, raw)
            elif url.path == "/cgi-bin/webhook/upload_media":
                self._upload(query, raw)
            else:
                self._reply(404, {"code": 99991201, "msg": "resource not find"})

    # --- DingTalk ---------------------------------------------------------------------------

    def _dingtalk(self, query: dict[str, str], raw: bytes) -> None:
        state = self.server.state
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self._refuse("dingtalk", 43004, "无效的HTTP HEADER Content-Type")
        robot = state.robots.get(query.get("access_token", ""))
        if robot is None or robot.app != "dingtalk":
            return self._refuse("dingtalk", 300005, "token is not exist")
        token = robot.token
        if state.blocked_until.get(token, 0) > state.clock():
            return self._dingtalk_throttled()
        problem = self._dingtalk_sign(robot, query)
        if problem:
            return self._refuse("dingtalk", 310000, problem)
        if len(raw) > BODY_LIMIT:
            return self._refuse("dingtalk", 460101, "message too long, exceed 20000 bytes")
        payload = json.loads(raw)
        kind = payload.get("msgtype")
        if kind not in DINGTALK_TYPES:
            return self._refuse("dingtalk", 400105, "不支持的消息类型")
        text = _dingtalk_text(payload)
        if robot.keywords and not any(k in text for k in robot.keywords):
            return self._refuse("dingtalk", 310000, "keywords not in content")
        if state.recent(token, 60) >= 20:
            state.blocked_until[token] = state.clock() + 600
            return self._dingtalk_throttled()
        mobiles = payload.get("at", {}).get("atMobiles", [])
        mentioned = [m for m in mobiles if m in robot.members and f"@{m}" in text]
        self._accept(Received("dingtalk", token, payload, len(raw), query, mentioned))
        self._json({"errcode": 0, "errmsg": "ok"})

    def _dingtalk_sign(self, robot: Robot, query: dict[str, str]) -> str | None:
        if robot.secret is None:
            return None
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or not sign:
            return "sign not match, more: [timestamp or sign missing]"
        if abs(self.server.state.clock() * 1000 - int(timestamp)) > HOUR * 1000:
            return "invalid timestamp"
        digest = hmac.new(
            robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256
        ).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
            return f"sign not match, more: [ts={timestamp}]"
        return None

    def _dingtalk_throttled(self) -> None:
        code = self.server.state.dingtalk_throttle
        message = (
            "send too fast, exceed 20 times per minute" if code == 130101 else "发送速度太快而限流"
        )
        self._refuse("dingtalk", code, message)

    # --- Feishu -----------------------------------------------------------------------------

    def _feishu(self, token: str, raw: bytes) -> None:
        state = self.server.state
        robot = state.robots.get(token)
        if robot is None or robot.app != "feishu":
            return self._refuse(
                "feishu", 19001, "param invalid: incoming webhook access token invalid"
            )
        try:
            payload = json.loads(raw)
        except ValueError:
            return self._refuse("feishu", 9499, "Bad Request")
        if len(raw) > BODY_LIMIT or not _feishu_valid(payload):
            return self._refuse("feishu", 9499, "Bad Request")
        if not self._feishu_signed(robot, payload):
            return self._refuse(
                "feishu",
                19021,
                "sign match fail or timestamp is not within one hour from current time",
            )
        text = json.dumps(payload, ensure_ascii=False)
        if robot.keywords and not any(k in text for k in robot.keywords):
            return self._refuse("feishu", 19024, "Key Words Not Found")
        if state.recent(token, 1) >= 5 or state.recent(token, 60) >= 100:
            return self._refuse("feishu", 11232, FEISHU_THROTTLED)
        self._accept(Received("feishu", token, payload, len(raw), {}))
        body = {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}}
        self._json(body | {"msg": "success"})

    def _feishu_signed(self, robot: Robot, payload: dict[str, Any]) -> bool:
        if robot.secret is None:
            return True
        timestamp, sign = str(payload.get("timestamp", "")), str(payload.get("sign", ""))
        if not timestamp.isdigit() or abs(self.server.state.clock() - int(timestamp)) > HOUR:
            return False
        key = f"{timestamp}\n{robot.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, sign)

    # --- WeCom ------------------------------------------------------------------------------

    def _wecom(self, query: dict[str, str], raw: bytes) -> None:
        state = self.server.state
        robot = state.robots.get(query.get("key", ""))
        if robot is None or robot.app != "wecom":
            return self._refuse("wecom", 93000, "invalid webhook url, hint: [1700000000_93000]")
        payload = json.loads(raw)
        problem = self._wecom_problem(robot, payload)
        if problem:
            return self._refuse("wecom", 40058, problem)
        if state.recent(robot.token, 60) >= 20:
            return self._refuse("wecom", 45009, "api freq out of limit")
        self._accept(Received("wecom", robot.token, payload, len(raw), query))
        self._json({"errcode": 0, "errmsg": "ok"})

    def _wecom_problem(self, robot: Robot, payload: dict[str, Any]) -> str | None:
        kind = payload.get("msgtype", "")
        body = payload.get(kind)
        if not isinstance(body, dict):
            return _wecom_error("msgtype", "is invalid")
        limits = {"text": self.server.state.wecom_text_limit, "markdown": 4096, "markdown_v2": 4096}
        if kind in limits and len(str(body.get("content", "")).encode()) > limits[kind]:
            return _wecom_error(f"{kind}.content", f"exceed max length {limits[kind]}")
        if kind == "image":
            png = base64.b64decode(body.get("base64", ""))
            if hashlib.md5(png, usedforsecurity=False).hexdigest() != body.get("md5"):
                return _wecom_error("image.md5", "not match")
            if len(png) > 2 * 1024 * 1024:
                return _wecom_error("image.base64", "exceed max size 2097152")
        if kind == "news" and not 1 <= len(body.get("articles", [])) <= 8:
            return _wecom_error("news.articles", "size must be between 1 and 8")
        if kind == "template_card" and "card_action" not in body:
            return _wecom_error("template_card.card_action", "is required")
        if kind == "file" and not self._wecom_media(robot, str(body.get("media_id"))):
            return _wecom_error("file.media_id", "is invalid")
        return None

    def _wecom_media(self, robot: Robot, media_id: str) -> bool:
        owner, at = self.server.state.uploads.get(media_id, ("", 0.0))
        return owner == robot.token and self.server.state.clock() - at < 3 * 24 * HOUR

    def _upload(self, query: dict[str, str], raw: bytes) -> None:
        state = self.server.state
        robot = state.robots.get(query.get("key", ""))
        if robot is None or robot.app != "wecom":
            return self._refuse("wecom", 93000, "invalid webhook url, hint: [1700000000_93000]")
        head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
        form = BytesParser(policy=HTTP).parsebytes(head + raw)
        media = next(
            (p for p in form.iter_parts() if p.get_param("name", header="content-disposition")
             == "media"),
            None,
        )  # fmt: skip
        content = media.get_payload(decode=True) if media is not None else None
        largest = 2 * 1024 * 1024 if query.get("type") == "voice" else 20 * 1024 * 1024
        if not isinstance(content, bytes) or not 5 <= len(content) <= largest:
            return self._refuse("wecom", 40058, _wecom_error("media", "size is invalid"))
        media_id = f"media-{next(state._media)}"
        created = state.clock()
        state.uploads[media_id] = (robot.token, created)
        body = {"type": query.get("type", "file"), "media_id": media_id}
        self._json({"errcode": 0, "errmsg": "ok"} | body | {"created_at": str(int(created))})

    # --- shared -----------------------------------------------------------------------------

    def _accept(self, received: Received) -> None:
        state = self.server.state
        state.received.append(received)
        state.sends.setdefault(received.token, deque(maxlen=200)).append(state.clock())

    def _refuse(self, app: str, code: int, message: str) -> None:
        self.server.state.refused.append((app, code))
        if app == "feishu":
            return self._json({"code": code, "msg": message, "data": {}})
        self._json({"errcode": code, "errmsg": message})

    def _json(self, data: dict[str, Any]) -> None:
        self._reply(200, data)

    def _reply(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _dingtalk_text(payload: dict[str, Any]) -> str:
    """What DingTalk's keyword check reads: the content, titles and texts, not the URLs."""
    body = payload.get(payload.get("msgtype", ""), {})
    parts = [body.get(k, "") for k in ("content", "title", "text")]
    parts += [link.get("title", "") for link in body.get("links", [])]
    return "\n".join(str(p) for p in parts)


def _feishu_valid(payload: dict[str, Any]) -> bool:
    kind = payload.get("msg_type")
    if kind not in FEISHU_TYPES:
        return False
    if kind != "interactive":
        return isinstance(payload.get("content"), dict)
    card = payload.get("card")
    if not isinstance(card, dict):
        return False
    if card.get("header", {}).get("template", "default") not in FEISHU_COLOURS:
        return False
    return all(_feishu_element_valid(e) for e in _elements(card.get("body", card)))


def _elements(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for element in container.get("elements", []):
        yield element
        for column in element.get("columns", []):
            yield from _elements(column)


def _feishu_element_valid(element: dict[str, Any]) -> bool:
    if element.get("tag") == "table":
        columns, page = element.get("columns", []), element.get("page_size", 5)
        return len(columns) <= 50 and 1 <= page <= 10
    behaviours = element.get("behaviors", [])
    return all(b.get("type") == "open_url" for b in behaviours)


def _wecom_error(where: str, what: str) -> str:
    return (
        f"{where} {what}. invalid Request Parameter, hint: [1700000000_40058], "
        f"from ip: 127.0.0.1, {WECOM_HELP}"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: RobotsState


@dataclass
class FakeRobots:
    url: str
    state: RobotsState

    def add(self, robot: Robot) -> Robot:
        self.state.robots[robot.token] = robot
        return robot

    def webhook(self, robot: Robot) -> str:
        """The robot's webhook URL here (what a channel's ``url_env`` holds)."""
        if robot.app == "dingtalk":
            return f"{self.url}/robot/send?access_token={robot.token}"
        if robot.app == "feishu":
            return f"{self.url}/open-apis/bot/v2/hook/{robot.token}"
        return f"{self.url}/cgi-bin/webhook/send?key={robot.token}"


@contextmanager
def fake_robots(clock: Callable[[], float] = time.time) -> Iterator[FakeRobots]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = RobotsState(clock=clock)
    with serving(server) as url:
        yield FakeRobots(url, server.state)
