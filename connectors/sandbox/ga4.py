"""A local GA4 Data API: ``runReport`` and Google's OAuth token endpoint, over real HTTP.

    with Ga4Sandbox.serving({"123": rows}) as ga4:
        ga4.endpoint          # http://127.0.0.1:<port>, the client's api_endpoint
        ga4.key               # a service account key JSON whose token_uri is this server

It follows the v1beta conventions: ``POST /v1beta/properties/{id}:runReport`` with a Bearer token
the token endpoint issued (JWT bearer grant, signed by the key), camelCase JSON, every value a
string, ``limit`` (default 10,000, at most 250,000) and ``offset`` against ``rowCount``, rows
whose metrics are all zero left out, ``rows`` and ``rowCount`` absent when empty, response
metadata (sampling, thresholding, the ``(other)`` row), ``propertyQuota`` when asked, and
Google's error JSON (429 ``RESOURCE_EXHAUSTED``, 400 ``INVALID_ARGUMENT``, 401, 403). Tests
change it while it runs: revise a day, refuse requests for quota, flag a report as sampled.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.sandbox.db import ShopData

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
TOKEN_SECONDS = 3600
TOKENS_PER_DAY = 200_000
TOKENS_PER_HOUR = 40_000
#: The audience Google requires in a grant's assertion, wherever the token is asked for.
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPES = (
    "https://www.googleapis.com/auth/analytics.readonly",
    "https://www.googleapis.com/auth/analytics",
)
ONLINE = ("web", "iphone", "android")
#: Each metric the stand-in knows: its field in a row and its type.
METRICS = {
    "sessions": ("sessions", "TYPE_INTEGER"),
    "totalUsers": ("users", "TYPE_INTEGER"),
    "addToCarts": ("add_to_carts", "TYPE_INTEGER"),
    "checkouts": ("checkouts", "TYPE_INTEGER"),
    "ecommercePurchases": ("purchases", "TYPE_INTEGER"),
    "purchaseRevenue": ("revenue", "TYPE_CURRENCY"),
}
DIMENSIONS = {"date": "day", "sessionDefaultChannelGroup": "channel"}
HOURLY_QUOTA = (
    "Exhausted property tokens per hour. These quota tokens will return in under an hour."
)
DAILY_QUOTA = "Exhausted property tokens per day. These quota tokens will return in under 24 hours."
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
NO_PERMISSION = "User does not have sufficient permissions for this property."
#: A traffic row: day, channel and the metrics' fields (revenue a Decimal).
Row = dict[str, Any]


class Ga4Error(Exception):
    """An error the stand-in answers with, shaped like Google's."""

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.body = {"error": {"code": code, "message": message, "status": status}}


def new_key(
    token_uri: str, client_email: str = "storepulse@sandbox.iam.gserviceaccount.com"
) -> tuple[dict[str, str], rsa.RSAPublicKey]:
    """A throwaway service account key JSON (as Google's console downloads it) and its public
    half, which the token endpoint verifies assertions with."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = {
        "type": "service_account",
        "project_id": "storepulse-sandbox",
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }
    return key, private.public_key()


def traffic_rows(data: ShopData, timezone: str) -> list[Row]:
    """A sandbox shop's traffic as GA4 would count it: its sessions per channel, users a share
    of sessions, and the day's online order value shared among the channels' purchases."""
    conn = data.connect()
    revenue = _online_revenue(
        conn.execute(
            "SELECT processed_at, json_extract(json, '$.total_price'),"
            " json_extract(json, '$.source_name') FROM orders"
            " WHERE json_extract(json, '$.test') = 0"
        ),
        ZoneInfo(timezone),
    )
    by_day: dict[str, list[Row]] = {}
    for day, channel, sessions, carts, checkouts, purchases in conn.execute(
        "SELECT day, channel, sessions, add_to_carts, checkouts, purchases FROM traffic"
        " ORDER BY day, channel"
    ):
        by_day.setdefault(day, []).append(
            {
                "day": date.fromisoformat(day),
                "channel": channel,
                "sessions": sessions,
                "users": round(sessions * 0.83),
                "add_to_carts": carts,
                "checkouts": checkouts,
                "purchases": purchases,
            }
        )
    for day, rows in by_day.items():
        _share_revenue(rows, revenue.get(day, Decimal(0)))
    return [row for rows in by_day.values() for row in rows]


def _online_revenue(orders: Iterator[tuple[int, str, str]], zone: ZoneInfo) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for processed_at, total, source in orders:
        if source in ONLINE:
            day = datetime.fromtimestamp(processed_at, zone).date().isoformat()
            totals[day] = totals.get(day, Decimal(0)) + Decimal(total)
    return totals


def _share_revenue(rows: list[Row], total: Decimal) -> None:
    """Split the day's revenue by purchases; the last buying channel takes the rounding."""
    bought = sum(r["purchases"] for r in rows)
    left = total
    buying = [r for r in rows if r["purchases"]]
    for row in rows:
        row["revenue"] = Decimal(0)
    for row in buying[:-1]:
        share = (total * row["purchases"] / bought).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        row["revenue"], left = share, left - share
    if buying:
        buying[-1]["revenue"] = left


@dataclass
class Property:
    """One GA4 property: its rows, its reporting timezone and currency, its quality flags."""

    rows: list[Row]
    timezone: str = "America/New_York"
    currency: str = "USD"
    sampling: tuple[int, int] | None = None
    thresholded: bool = False
    other_row: bool = False
    tokens_per_day: int = TOKENS_PER_DAY
    tokens_per_hour: int = TOKENS_PER_HOUR


@dataclass
class Ga4State:
    """What the server holds; changed by the tests through :class:`Ga4Sandbox`."""

    properties: dict[str, Property]
    client_email: str
    public_key: rsa.RSAPublicKey
    clock: Callable[[], float] = time.time
    tokens: dict[str, float] = field(default_factory=dict)
    #: Quota refusals still to answer, each with its message.
    refusals: list[str] = field(default_factory=list)
    #: Every runReport body received, for tests to check what the client sent.
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_grants: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Ga4Sandbox:
    """The stand-in server and the controls tests use while it runs."""

    def __init__(self, properties: dict[str, Property], port: int = 0) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        host, bound = self.server.server_address[:2]
        self.endpoint = f"http://{host!s}:{bound}"
        self.key, public = new_key(f"{self.endpoint}/token")
        self.state = Ga4State(properties, self.key["client_email"], public)
        self.server.state = self.state  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @classmethod
    @contextmanager
    def serving(cls, properties: dict[str, Property], port: int = 0) -> Iterator[Ga4Sandbox]:
        sandbox = cls(properties, port).start()
        try:
            yield sandbox
        finally:
            sandbox.stop()

    def start(self) -> Ga4Sandbox:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def key_json(self) -> str:
        return json.dumps(self.key)

    def revise(self, property_id: str, day: date, factor: float) -> None:
        """GA4 reprocessing a day: its sessions and funnel scaled by ``factor``."""
        with self.state.lock:
            for row in self.state.properties[property_id].rows:
                if row["day"] == day:
                    for name in ("sessions", "users", "add_to_carts", "checkouts", "purchases"):
                        row[name] = round(row[name] * factor)

    def refuse(self, times: int, message: str = HOURLY_QUOTA) -> None:
        """Answer the next ``times`` reports with 429 RESOURCE_EXHAUSTED."""
        with self.state.lock:
            self.state.refusals += [message] * times

    def expire_tokens(self) -> None:
        with self.state.lock:
            self.state.tokens.clear()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> Ga4State:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read what was received from the state

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        try:
            if path == "/token":
                self._send(200, _grant(self.state, parse_qs(body.decode())))
            elif path.startswith("/v1beta/properties/") and path.endswith(":runReport"):
                self._authorise()
                property_id = path.removeprefix("/v1beta/properties/").removesuffix(":runReport")
                self._send(200, _run_report(self.state, property_id, json.loads(body or b"{}")))
            else:
                raise Ga4Error(404, "NOT_FOUND", f"Method not found: {path}")
        except OAuthError as exc:
            self._send(exc.status, exc.body)
        except Ga4Error as exc:
            self._send(exc.code, exc.body)
        except (ValueError, KeyError, TypeError) as exc:
            self._send(
                400, Ga4Error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}").body
            )

    def _authorise(self) -> None:
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        with self.state.lock:
            expires = self.state.tokens.get(token)
        if expires is None or expires <= self.state.clock():
            raise Ga4Error(401, "UNAUTHENTICATED", UNAUTHENTICATED)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class OAuthError(Exception):
    """An OAuth token endpoint error: ``{"error": …, "error_description": …}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


def _grant(state: Ga4State, form: dict[str, list[str]]) -> dict[str, Any]:
    """The JWT bearer grant: a signed assertion from the key's account buys an access token."""
    if form.get("grant_type", [""])[0] != JWT_GRANT:
        raise OAuthError(
            "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type", [""])[0]
        )
    claims = _verified_claims(state, form.get("assertion", [""])[0])
    now = state.clock()
    if claims.get("iss") != state.client_email:
        raise OAuthError("invalid_grant", "Invalid grant: account not found")
    if claims.get("aud") != TOKEN_AUDIENCE:
        raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.")
    if (
        not (claims.get("iat", 0) - 300 <= now < claims.get("exp", 0))
        or claims["exp"] - claims["iat"] > 3600
    ):
        raise OAuthError(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
            "timeframe. Check your iat and exp values in the JWT claim.",
        )
    if not set(str(claims.get("scope", "")).split()) & set(SCOPES):
        raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    token = "ya29.sandbox-" + secrets.token_urlsafe(24)
    with state.lock:
        state.tokens[token] = now + TOKEN_SECONDS
        state.token_grants += 1
    return {"access_token": token, "expires_in": TOKEN_SECONDS, "token_type": "Bearer"}


def _verified_claims(state: Ga4State, assertion: str) -> dict[str, Any]:
    try:
        header, payload, signature = assertion.split(".")
        state.public_key.verify(
            _unb64(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        claims = json.loads(_unb64(payload))
    except (ValueError, InvalidSignature):
        raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
    if not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")
    return claims


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _run_report(state: Ga4State, property_id: str, body: dict[str, Any]) -> dict[str, Any]:
    prop = state.properties.get(property_id)
    if prop is None:
        raise Ga4Error(403, "PERMISSION_DENIED", NO_PERMISSION)
    with state.lock:
        state.requests.append(body)
        refusal = state.refusals.pop(0) if state.refusals else None
    if refusal is not None or prop.tokens_per_day <= 0:
        raise Ga4Error(429, "RESOURCE_EXHAUSTED", refusal or DAILY_QUOTA)
    dims = [d["name"] for d in body.get("dimensions", [])]
    metrics = [m["name"] for m in body.get("metrics", [])]
    for name in dims:
        if name not in DIMENSIONS:
            raise Ga4Error(400, "INVALID_ARGUMENT", f"Field {name} is not a valid dimension.")
    for name in metrics:
        if name not in METRICS:
            raise Ga4Error(400, "INVALID_ARGUMENT", f"Field {name} is not a valid metric.")
    limit = int(body.get("limit") or DEFAULT_LIMIT)
    offset = int(body.get("offset") or 0)
    if limit < 0 or offset < 0:
        raise Ga4Error(400, "INVALID_ARGUMENT", "limit and offset must be non-negative.")
    limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
    ranges = body.get("dateRanges") or []
    if len(ranges) != 1:
        raise Ga4Error(400, "INVALID_ARGUMENT", "The stand-in answers exactly one date range.")
    first, last = (
        _resolve(ranges[0][k], prop.timezone, state.clock) for k in ("startDate", "endDate")
    )
    with state.lock:
        matching = _aggregate(prop.rows, dims, metrics, first, last)
        page = matching[offset : offset + limit]
        cost = 1 + len(page) // 1000  # GA4: most requests cost fewer than 10 tokens
        prop.tokens_per_day -= cost
        prop.tokens_per_hour -= cost
    return _response(
        prop, dims, metrics, page, len(matching), body.get("returnPropertyQuota"), cost
    )


def _resolve(text: str, timezone: str, clock: Callable[[], float]) -> date:
    """A request date: ``YYYY-MM-DD``, ``today``, ``yesterday`` or ``NdaysAgo`` (property time)."""
    today = datetime.fromtimestamp(clock(), ZoneInfo(timezone)).date()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text.endswith("daysAgo"):
        return today - timedelta(days=int(text.removesuffix("daysAgo")))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Ga4Error(400, "INVALID_ARGUMENT", f"Invalid date: {text}") from None


def _aggregate(
    rows: list[Row], dims: list[str], metrics: list[str], first: date, last: date
) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Rows grouped by the asked dimensions, summed; all-zero rows dropped (keepEmptyRows)."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        if first <= row["day"] <= last:
            key = tuple(row[DIMENSIONS[d]] for d in dims)
            sums = groups.setdefault(key, [0] * len(metrics))
            for i, name in enumerate(metrics):
                sums[i] += row[METRICS[name][0]]
    return sorted((k, v) for k, v in groups.items() if any(v))


def _response(
    prop: Property,
    dims: list[str],
    metrics: list[str],
    page: list[tuple[tuple[Any, ...], list[Any]]],
    total: int,
    quota: Any,
    cost: int,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"currencyCode": prop.currency, "timeZone": prop.timezone}
    if prop.sampling:
        read, space = prop.sampling
        metadata["samplingMetadatas"] = [
            {"samplesReadCount": str(read), "samplingSpaceSize": str(space)}
        ]
    if prop.thresholded:
        metadata["subjectToThresholding"] = True
    if prop.other_row:
        metadata["dataLossFromOtherRow"] = True
    response: dict[str, Any] = {
        "dimensionHeaders": [{"name": d} for d in dims],
        "metricHeaders": [{"name": m, "type": METRICS[m][1]} for m in metrics],
        "metadata": metadata,
        "kind": "analyticsData#runReport",
    }
    if page:  # proto3 JSON leaves out empty and default fields
        response["rows"] = [
            {
                "dimensionValues": [{"value": _text(v)} for v in key],
                "metricValues": [{"value": str(v)} for v in values],
            }
            for key, values in page
        ]
    if total:
        response["rowCount"] = total
    if quota:
        response["propertyQuota"] = {
            "tokensPerDay": {"consumed": cost, "remaining": prop.tokens_per_day},
            "tokensPerHour": {"consumed": cost, "remaining": prop.tokens_per_hour},
            "concurrentRequests": {"consumed": 0, "remaining": 10},
            "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
            "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
        }
    return response


def _text(value: Any) -> str:
    return value.strftime("%Y%m%d") if isinstance(value, date) else str(value)
