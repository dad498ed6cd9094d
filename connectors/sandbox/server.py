"""The sandbox's HTTP face: Shopify's REST Admin API paths, auth, limits and errors, and
WooCommerce's REST API v3 under ``/wp-json/`` (``connectors.sandbox.woo``).

``/admin/api/{version}/…`` serves the default shop; ``/shops/{name}/admin/api/{version}/…``
serves any shop of a multi-shop process. ``/_control/…`` (or ``/shops/{name}/_control/…``)
lets tests change a shop while it runs; it is not part of Shopify's API.
"""

from __future__ import annotations

import logging
import math
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from connectors.sandbox.rest import ApiError, Listing, decode_page_info
from connectors.sandbox.shop import SandboxShop
from connectors.sandbox.spec import PLANS, Faults
from connectors.sandbox.woo import WooFace

log = logging.getLogger("storepulse.sandbox")

#: The WooCommerce REST keys a sandbox accepts unless told others (not anyone's secret).
DEMO_WOO_KEYS = (
    "ck_sandbox_0000000000000000000000000000000000",
    "cs_sandbox_000000000000000000000000000000000",
)
SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ROUTE = re.compile(r"^(?:/shops/(?P<shop>[\w-]+))?(?P<rest>/.*)$")
ADMIN = re.compile(r"^/admin/api/(?P<version>[^/]+)/(?P<path>.+)$")
LISTINGS = {
    "orders.json": "orders",
    "customers.json": "customers",
    "products.json": "products",
    "events.json": "events",
}
COUNTS = {
    "orders/count.json": "orders",
    "customers/count.json": "customers",
    "products/count.json": "products",
}
WRITE_SCOPE_ERROR = "[API] This action requires merchant approval for write_orders scope."
#: Not sent: tells the handler to stop the body after this many bytes and close the connection.
CUT_AFTER = "X-Sandbox-Cut-After"
SERVER_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Internal Server Error</title></head>"
    b"<body><h1>There was an error processing your request.</h1></body></html>"
)


class CallBucket:
    """Shopify's leaky bucket for one app on one shop: pass or fail, never queue."""

    def __init__(self, capacity: int, leak_per_second: float, clock: Callable[[], float]) -> None:
        self.capacity = capacity
        self.leak = leak_per_second
        self._clock = clock
        self._level = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, int]:
        """Count one call; return whether it fits and the level to report."""
        with self._lock:
            now = self._clock()
            self._level = max(0.0, self._level - self.leak * (now - self._stamp))
            self._stamp = now
            if self._level + 1 > self.capacity:
                return False, self.capacity
            self._level += 1
            return True, min(self.capacity, math.ceil(self._level))


@dataclass(slots=True)
class ShopStats:
    requests: int = 0
    throttled: int = 0
    errors_injected: int = 0
    paths: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ServedShop:
    shop: SandboxShop
    bucket: CallBucket
    stats: ShopStats = field(default_factory=ShopStats)


class SandboxServer:
    """Serve one or more sandbox shops over HTTP on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        shops: dict[str, SandboxShop],
        *,
        token: str,
        port: int = 0,
        host: str = "127.0.0.1",
        plan: str = "standard",
        time_scale: float = 1.0,
        faults: Faults | None = None,
        seed: int = 0,
        record_paths: bool = False,
        woo_keys: tuple[str, str] = DEMO_WOO_KEYS,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; choose from {', '.join(PLANS)}")
        capacity, leak = PLANS[plan]
        self.token = token
        self.plan = plan
        self.time_scale = time_scale
        self.faults = faults or Faults()
        self.record_paths = record_paths
        self.default = next(iter(shops))
        self.shops = {
            name: ServedShop(shop, CallBucket(capacity, leak * time_scale, time.monotonic))
            for name, shop in shops.items()
        }
        self.woo_keys = woo_keys
        self._faces: dict[str, WooFace] = {}
        self._touched_listings: set[frozenset[tuple[str, str]]] = set()
        self._rng = random.Random(seed)
        self._httpd = _QuietServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def shop_url(self, name: str) -> str:
        return self.url if name == self.default else f"{self.url}/shops/{name}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="sandbox-shopify", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        for served in self.shops.values():
            served.shop.data.close()

    def set_faults(self, **changes: Any) -> None:
        self.faults = replace(self.faults, **changes)

    # --- request handling -----------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request; return status, headers and body."""
        split = urlsplit(target)
        route = ROUTE.match(split.path)
        served = self.shops.get(route["shop"] or self.default) if route else None
        if route is None or served is None:
            return _error(404, "Not Found")
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        rest = route["rest"]
        if rest.startswith("/_control/"):
            return self._control(served, method, rest.removeprefix("/_control/"), body)
        if rest == "/wp-json" or rest.startswith("/wp-json/"):
            return self._woo(served, method, target, rest.removeprefix("/wp-json"), headers)
        admin = ADMIN.match(rest)
        if admin is None or not re.fullmatch(r"\d{4}-\d{2}|unstable", admin["version"]):
            return _error(404, "Not Found")
        served.stats.requests += 1
        if self.record_paths:
            served.stats.paths.append(target)
        if headers.get("X-Shopify-Access-Token") != self.token:
            return _error(401, UNAUTHORIZED)
        fits, used = served.bucket.take()
        limit_header = {"X-Shopify-Shop-Api-Call-Limit": f"{used}/{served.bucket.capacity}"}
        if not fits:
            served.stats.throttled += 1
            status, extra, payload = self._throttled()
            return status, extra | limit_header, payload
        version = admin["version"]
        served_version = version if version in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS[0]
        headers_out = limit_header | {"X-Shopify-API-Version": served_version}
        injected = self._inject_faults(served)
        if injected is not None:
            return injected[0], injected[1] | headers_out, injected[2]
        if method != "GET":
            return _merge(_error(403, WRITE_SCOPE_ERROR), headers_out)
        try:
            link_base = f"http://{headers.get('Host') or f'127.0.0.1:{self.port}'}{split.path}"
            status, extra, payload = self._admin(served, admin["path"], params, link_base)
        except ApiError as exc:
            return exc.status, headers_out | {"Content-Type": "application/json"}, exc.body
        return self._cut_short(served, status, headers_out | extra, payload)

    def _woo(
        self, served: ServedShop, method: str, target: str, path: str, headers: Any
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer as the shop's WooCommerce site would (``connectors.sandbox.woo``)."""
        served.stats.requests += 1
        if self.record_paths:
            served.stats.paths.append(target)
        name = next(n for n, s in self.shops.items() if s is served)
        face = self._faces.get(name)
        if face is None:
            face = self._faces[name] = WooFace(served.shop, self.woo_keys)
        injected = self._inject_faults(served)
        if injected is not None:
            return injected
        split = urlsplit(target)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if self.faults.update_between_pages and params.get("page", "1") != "1":
            listing = frozenset((k, v) for k, v in params.items() if k != "page")
            if listing not in self._touched_listings:  # once a listing: it must settle
                self._touched_listings.add(listing)
                served.shop.touch_some_order({"status": "any", "limit": "250"})
        authorization = None if self.faults.strip_authorization else headers.get("Authorization")
        link_base = f"http://{headers.get('Host') or f'127.0.0.1:{self.port}'}{split.path}"
        status, extra, payload = face.handle(method, path, params, authorization, link_base)
        return self._cut_short(served, status, extra, payload)

    def _throttled(self) -> tuple[int, dict[str, str], bytes]:
        leak = PLANS[self.plan][1]
        message = (
            f"Exceeded {leak:g} calls per second for api client. "
            "Reduce request rates to resume uninterrupted service."
        )
        retry_after = str(round(2.0 / self.time_scale, 3))
        status, headers, payload = _error(429, message)
        return status, headers | {"Retry-After": retry_after}, payload

    def _inject_faults(self, served: ServedShop) -> tuple[int, dict[str, str], bytes] | None:
        faults = self.faults
        if faults.slow_rate and self._rng.random() < faults.slow_rate:
            time.sleep(faults.slow_seconds / self.time_scale)
        if faults.error_rate and self._rng.random() < faults.error_rate:
            served.stats.errors_injected += 1
            if self._rng.random() < 0.5:
                return 500, {"Content-Type": "text/html; charset=utf-8"}, SERVER_ERROR_PAGE
            return _error(503, "Service Unavailable")
        if faults.throttle_rate and self._rng.random() < faults.throttle_rate:
            served.stats.errors_injected += 1
            return self._throttled()
        return None

    def _cut_short(
        self, served: ServedShop, status: int, headers: dict[str, str], payload: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Maybe break a successful answer's body, as a dropped connection or a bad proxy would."""
        rate = self.faults.cut_rate
        if status != 200 or len(payload) < 2 or not rate or self._rng.random() >= rate:
            return status, headers, payload
        served.stats.errors_injected += 1
        kept = self._rng.randrange(1, len(payload))
        if self._rng.random() < 0.5:
            return status, headers | {CUT_AFTER: str(kept)}, payload
        return status, headers, payload[:kept]

    def _admin(
        self, served: ServedShop, path: str, params: dict[str, str], link_base: str
    ) -> tuple[int, dict[str, str], bytes]:
        shop = served.shop
        if path == "shop.json":
            return _json({"shop": shop.shop_json(self.plan)})
        if path in LISTINGS:
            if self.faults.update_between_pages and path == "orders.json" and "page_info" in params:
                shop.touch_some_order(decode_page_info(params["page_info"])["q"])
            return _listing(shop.listing(LISTINGS[path], params), params, link_base)
        if path in COUNTS:
            return _json({"count": shop.count(COUNTS[path], params)})
        if path == "locations.json":
            return _raw("locations", list(shop.data.json_rows("locations")))
        if path == "inventory_levels.json":
            return _listing(shop.inventory_levels(params), params, link_base)
        if path == "inventory_items.json":
            ids = [int(i) for i in params.get("ids", "").split(",") if i.strip().isdigit()]
            if not ids:
                raise ApiError(400, {"ids": "ids is required"})
            if len(ids) > 100:
                raise ApiError(400, {"ids": "at most 100 ids"})
            return _raw("inventory_items", list(shop.data.json_rows("inventory_items", ids)))
        single = re.fullmatch(r"orders/(\d+)(/refunds)?\.json", path)
        if single:
            order = shop.data.order(int(single[1]))
            if order is None:
                raise ApiError(404, "Not Found")
            if single[2]:
                return _json({"refunds": order["refunds"]})
            return _json({"order": order})
        raise ApiError(404, "Not Found")

    # --- control --------------------------------------------------------------------------------

    def _control(
        self, served: ServedShop, method: str, path: str, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        shop = served.shop
        args = orjson.loads(body) if body else {}
        try:
            if method == "GET" and path == "stats":
                stats = served.stats
                return _json(
                    {
                        "requests": stats.requests,
                        "throttled": stats.throttled,
                        "errors_injected": stats.errors_injected,
                        "touched": shop.touched,
                    }
                )
            if method == "GET" and path == "traffic.csv":
                return 200, {"Content-Type": "text/csv"}, shop.traffic_csv().encode()
            if method == "POST" and path == "faults":
                self.set_faults(**args)
                return _json({"faults": {k: getattr(self.faults, k) for k in args}})
            if method == "POST" and path == "orders":
                return _json({"order": shop.create_order(**args)})
            action = re.fullmatch(r"orders/(\d+)/(refund|edit|delete)", path)
            if method == "POST" and action:
                order_id = int(action[1])
                if action[2] == "refund":
                    quantities = args.pop("quantities", None)
                    if quantities is not None:
                        quantities = {int(k): int(v) for k, v in quantities.items()}
                    return _json(
                        {"order": shop.refund_order(order_id, quantities=quantities, **args)}
                    )
                if action[2] == "edit":
                    return _json({"order": shop.edit_order(order_id, **args)})
                shop.delete_order(order_id)
                return _json({"deleted": order_id})
        except ApiError as exc:
            return exc.status, {"Content-Type": "application/json"}, exc.body
        except TypeError as exc:
            return _error(400, f"bad control request: {exc}")
        return _error(404, "Not Found")


def _listing(
    listing: Listing, params: dict[str, str], link_base: str
) -> tuple[int, dict[str, str], bytes]:
    """Render a page with its ``Link`` header; links keep only ``limit`` and ``fields``."""
    status, headers, payload = _raw(listing.key, listing.records)
    kept = {k: params[k] for k in ("limit", "fields") if k in params}
    links = [
        f'<{link_base}?{urlencode(kept | {"page_info": info})}>; rel="{rel}"'
        for rel, info in (("previous", listing.previous_info), ("next", listing.next_info))
        if info
    ]
    if links:
        headers["Link"] = ", ".join(links)
    return status, headers, payload


def _json(payload: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json; charset=utf-8"}, orjson.dumps(payload)


def _raw(key: str, records: list[str]) -> tuple[int, dict[str, str], bytes]:
    body = f'{{"{key}":[{",".join(records)}]}}'.encode()
    return 200, {"Content-Type": "application/json; charset=utf-8"}, body


def _error(status: int, errors: object) -> tuple[int, dict[str, str], bytes]:
    payload = orjson.dumps({"errors": errors})
    return status, {"Content-Type": "application/json; charset=utf-8"}, payload


def _merge(
    response: tuple[int, dict[str, str], bytes], headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    return response[0], headers | response[1], response[2]


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-answer (a killed sync) is not the server's error to report."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_for(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, the client's delayed ACK
            # holds every answer on a kept-alive connection for about 40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, headers, payload = server.handle(
                    self.command, self.path, self.headers, body
                )
            except Exception:
                log.exception("sandbox failed on %s %s", self.command, self.path)
                status, headers, payload = 500, {"Content-Type": "text/html"}, SERVER_ERROR_PAGE
            cut = headers.pop(CUT_AFTER, None)
            self.send_response(status, HTTPStatus(status).phrase)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if cut is None:
                self.wfile.write(payload)
                return
            self.wfile.write(payload[: int(cut)])  # the full length was promised
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("sandbox: " + format, *args)

    return Handler
