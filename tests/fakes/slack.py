"""A local stand-in for Slack: the Web API methods storepulse calls, and incoming webhooks.

It keeps Slack's documented conventions: HTTP 200 with ``{"ok": false, "error": …}`` for API
errors; ``invalid_auth`` for a bad bearer token; ``channel_not_found`` and ``not_in_channel``;
``invalid_blocks`` over 50 blocks, 3,000 characters in a section or 150 in a header;
``msg_blocks_too_long`` above about 13,200 characters of block text; one message per second
per channel, else 429 with an integer ``Retry-After`` and ``{"ok": false, "error":
"ratelimited"}``; the three-step ``files_upload_v2`` flow; webhooks answering ``ok`` in plain
text, or an error string with its HTTP status. ``time_scale`` shrinks the per-channel pace.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from time import monotonic
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.serving import serving

BOT_TOKEN = "xoxb-test-0123456789"
#: Where the tests put BOT_TOKEN for a channel's ``token_env``.
TOKEN_ENV = "STOREPULSE_TEST_SLACK_TOKEN"
WEBHOOK_PATH = "/services/T0TEST/B0TEST/0123456789abcdef"
#: ID → (name, whether the bot is a member).
CHANNELS = {"C0OPS": ("ops", True), "C0ALERTS": ("alerts", True), "C0PRIVATE": ("private", False)}
WEBHOOK_CHANNEL = "C0OPS"
MAX_BLOCKS, MAX_SECTION, MAX_HEADER, MAX_BLOCK_TEXT = 50, 3000, 150, 13_200


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None


@dataclass
class SlackState:
    time_scale: float = 1.0
    messages: list[Posted] = field(default_factory=list)
    updates: list[Posted] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Answer the next N calls with 429 whatever the pace.
    throttle_next: int = 0
    #: While true, every call gets HTTP 503 (an outage).
    down: bool = False
    throttled: int = 0
    last_post: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: count(1))

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def thread(self, ts: str) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts == ts]


def block_problem(blocks: list[dict[str, Any]]) -> str | None:
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    total = 0
    for block in blocks:
        texts = [block.get("text", {}).get("text", "")] if "text" in block else []
        texts += [e.get("text", "") for e in block.get("elements", [])]
        limit = MAX_HEADER if block.get("type") == "header" else MAX_SECTION
        if any(len(x) > limit for x in texts):
            return "invalid_blocks"
        total += sum(len(x) for x in texts)
    return "msg_blocks_too_long" if total > MAX_BLOCK_TEXT else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.state.down:
            return self._reply(503, "text/html", b"<html>Service Unavailable</html>")
        if url.path.startswith("/upload/"):
            self._upload(url.path.rsplit("/", 1)[-1], raw)
        elif url.path.startswith("/services/"):
            self._webhook(url.path, raw)
        elif url.path.startswith("/api/"):
            self._api(url.path.removeprefix("/api/"), self._params(url.query, raw))
        else:
            self._reply(404, "text/plain", b"not found")

    def _params(self, query: str, raw: bytes) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(query))
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            params |= json.loads(raw or b"{}")
        elif raw:
            params |= dict(parse_qsl(raw.decode()))
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        return params

    def _api(self, method: str, p: dict[str, Any]) -> None:
        state = self.server.state
        if self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return self._json({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return self._json({"ok": True, "user": "storepulse", "team": "Test workspace"})
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(state.files) + 1:08d}"
            state.files[file_id] = {"name": p.get("filename"), "length": int(p["length"])}
            host, port = self.server.server_address[:2]
            url = f"http://{host}:{port}/upload/{file_id}"
            return self._json({"ok": True, "upload_url": url, "file_id": file_id})
        if method == "files.completeUploadExternal":
            return self._complete(p)
        channel = self._channel(p.get("channel", ""))
        if channel.startswith("!"):
            return self._json({"ok": False, "error": channel[1:]})
        problem = block_problem(p.get("blocks") or [])
        if problem:
            return self._json({"ok": False, "error": problem})
        if not (p.get("text") or p.get("blocks")):
            return self._json({"ok": False, "error": "no_text"})
        if method == "chat.update":
            return self._update(channel, p)
        if method != "chat.postMessage":
            return self._json({"ok": False, "error": "unknown_method"})
        if self._throttled(channel):
            return None
        with state.lock:
            posted = Posted(channel, state.next_ts(), p.get("text", ""), p.get("blocks") or [])
            posted.thread_ts = p.get("thread_ts")
            state.messages.append(posted)
        self._json(
            {"ok": True, "channel": channel, "ts": posted.ts, "message": {"text": posted.text}}
        )

    def _channel(self, given: str) -> str:
        """The channel's ID, or ``!error``."""
        by_name = {f"#{name}": cid for cid, (name, _) in CHANNELS.items()}
        cid = by_name.get(given, given)
        if cid not in CHANNELS:
            return "!channel_not_found"
        return cid if CHANNELS[cid][1] else "!not_in_channel"

    def _throttled(self, channel: str) -> bool:
        state = self.server.state
        with state.lock:
            now = monotonic()
            early = now - state.last_post.get(channel, -1e9) < 1.0 * state.time_scale
            if state.throttle_next > 0 or early:
                state.throttle_next = max(0, state.throttle_next - 1)
                state.throttled += 1
                wait = "1" if state.time_scale >= 1 else "0"
                body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                self._reply(429, "application/json", body, {"Retry-After": wait})
                return True
            state.last_post[channel] = now
        return False

    def _update(self, channel: str, p: dict[str, Any]) -> None:
        state = self.server.state
        original = next(
            (m for m in state.messages if (m.channel, m.ts) == (channel, p.get("ts"))), None
        )
        if original is None:
            return self._json({"ok": False, "error": "message_not_found"})
        state.updates.append(Posted(channel, original.ts, p.get("text", ""), p.get("blocks") or []))
        self._json({"ok": True, "channel": channel, "ts": original.ts})

    def _complete(self, p: dict[str, Any]) -> None:
        state = self.server.state
        files = json.loads(p.get("files", "[]"))
        for f in files:
            entry = state.files.get(f.get("id"))
            if entry is None or "content" not in entry:
                return self._json({"ok": False, "error": "file_not_found"})
            entry |= {
                "title": f.get("title"),
                "channel": p.get("channel_id"),
                "thread_ts": p.get("thread_ts"),
            }
        self._json({"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]})

    def _upload(self, file_id: str, raw: bytes) -> None:
        entry = self.server.state.files.get(file_id)
        if entry is None or len(raw) != entry["length"]:
            return self._reply(400, "text/plain", b"bad upload")
        entry["content"] = raw
        self._reply(200, "text/plain", f"OK - {len(raw)}".encode())

    def _webhook(self, path: str, raw: bytes) -> None:
        if path != WEBHOOK_PATH:
            return self._reply(404, "text/plain", b"no_service")
        try:
            p = json.loads(raw)
        except ValueError:
            return self._reply(400, "text/plain", b"invalid_payload")
        problem = block_problem(p.get("blocks") or [])
        if problem:
            return self._reply(400, "text/plain", problem.encode())
        if not (p.get("text") or p.get("blocks")):
            return self._reply(400, "text/plain", b"no_text")
        if self._throttled(WEBHOOK_CHANNEL):
            return None
        state = self.server.state
        with state.lock:
            state.messages.append(
                Posted(WEBHOOK_CHANNEL, state.next_ts(), p.get("text", ""), p.get("blocks") or [])
            )
        self._reply(200, "text/plain", b"ok")

    def _json(self, data: dict[str, Any]) -> None:
        self._reply(200, "application/json", json.dumps(data).encode())

    def _reply(
        self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: SlackState


@dataclass
class FakeSlack:
    url: str
    state: SlackState

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{WEBHOOK_PATH}"

    def channel(self, **overrides: object) -> dict[str, object]:
        """A ``channels[]`` entry posting to #ops here with the bot token from TOKEN_ENV."""
        base = {
            "name": "ops",
            "type": "slack",
            "channel": "#ops",
            "token_env": TOKEN_ENV,
            "api_url": self.api_url,
        }
        return base | overrides


@contextmanager
def fake_slack(time_scale: float = 0.01) -> Iterator[FakeSlack]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = SlackState(time_scale=time_scale)
    with serving(server) as url:
        yield FakeSlack(url, server.state)
