"""Any damage to a valid configuration is either harmless or refused in one line naming its key.

A rich, valid ``storepulse.yaml`` is damaged once (a key deleted or misspelt, a value replaced by
one of another type, a name misspelt, a timezone made up) and loaded: the result is a valid
``Config`` or a ``ConfigError`` whose single line names the damaged key, a key above it, or a key
that referred to what was damaged. Through the CLI the same refusal is exit code 2 with that
line and no traceback.
"""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from connectors.config import Config
from connectors.errors import ConfigError
from flows.cli import app
from tasks.settings import load_settings

Key = tuple[str | int, ...]

RICH: dict[str, Any] = {
    "stores": [
        {
            "name": "flagship",
            "platform": "shopify",
            "url": "https://flagship.myshopify.com",
            "timezone": "America/New_York",
            "currency": "USD",
            "token_env": "SHOPIFY_TOKEN_FLAGSHIP",
            "sync": {"lookback_minutes": 30, "window_days": 60, "history_start": "2025-01-01"},
        },
        {
            "name": "eu-shop",
            "platform": "shopify",
            "url": "https://eu-shop.myshopify.com",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "token_secret": "shopify-eu",
            "api_version": "2026-10",
            "calls_per_second": 4,
        },
    ],
    "reporting_currency": "USD",
    "targets": [
        {"store": "flagship", "metric": "net_sales", "month": "2026-11", "value": 250000},
        {"store": "eu-shop", "metric": "orders", "month": "2026-12", "value": 900},
    ],
    "campaigns": [
        {"name": "BFCM", "start": "2026-11-27", "end": "2026-11-30", "stores": ["flagship"]},
        {"name": "spring", "start": "2026-03-14", "end": "2026-03-20"},
    ],
    "checks": {
        "watch": [
            {"metric": "net_sales", "side": "drop", "threshold": 4, "min_volume": 50},
            {"metric": "conversion_rate", "min_change": 0.3},
        ],
        "rules": [
            {"metric": "conversion_rate", "below": 0.015, "consecutive": 2},
            {"metric": "net_sales", "falls_by": 0.3, "severity": "critical"},
        ],
        "freshness_hours": 36,
        "silence": [
            {"store": "eu-shop", "metric": "refund_rate", "until": "2026-12-31"},
            {"check": "quarantine", "metric": "quarantine"},
        ],
    },
    "channels": [
        {
            "name": "ops",
            "type": "slack",
            "channel": "C0123ABCD",
            "token_env": "SLACK_BOT_TOKEN",
            "mention": ["S0ONCALL"],
            "quiet_hours": "22:00-07:00",
            "stores": ["flagship", "eu-shop"],
        },
        {
            "name": "eu-hook",
            "type": "webhook",
            "url_env": "EU_WEBHOOK_URL",
            "stores": ["eu-shop"],
            "timezone": "Europe/Berlin",
            "min_severity": "critical",
        },
        {
            "name": "managers",
            "type": "email",
            "host": "smtp.example.com",
            "port": 587,
            "username": "reports@example.com",
            "password_env": "SMTP_PASSWORD",
            "sender": "reports@example.com",
            "to": ["lead@example.com"],
            "reports": ["daily", "weekly"],
            "language": "zh-CN",
        },
    ],
    "schedules": {"daily": "0 8 * * *", "weekly": "0 9 * * 1", "daily_deadline": "PT2H"},
    "reports_url": "http://reports.internal:8765",
}

#: Keys whose value names a store or a metric defined elsewhere.
REFERENCES = {"store", "stores", "metric"}
TIMEZONES = ["Mars/Base", "America/New_Yrok", "", "UTC+8", "../etc/passwd", "America", "\0"]
LETTERS = "abcdefghijklmnopqrstuvwxyz_-"


def keys(node: Any, above: Key = ()) -> list[Key]:
    """Every key path in ``node``: mapping keys and list positions."""
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    found: list[Key] = []
    for part, child in items:
        found += [(*above, part), *keys(child, (*above, part))]
    return found


def text(key: Key) -> str:
    """A key path as the configuration's messages write it: ``checks.watch[0].metric``."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "top level"


def parent(data: Any, key: Key) -> Any:
    for part in key[:-1]:
        data = data[part]
    return data


def typo(word: str, draw: Callable[..., Any]) -> str:
    """``word`` with one letter dropped, doubled, swapped or changed."""
    at = draw(st.integers(0, max(len(word) - 1, 0)))
    how = draw(st.sampled_from(["drop", "double", "swap", "change"]))
    if how == "drop" and len(word) > 1:
        return word[:at] + word[at + 1 :]
    if how == "swap" and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if how == "change":
        return word[:at] + draw(st.sampled_from(LETTERS)) + word[at + 1 :]
    return word[: at + 1] + word[at:]


OTHER_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
    st.dates().map(str),
)


@st.composite
def damaged(draw: Callable[..., Any]) -> tuple[dict[str, Any], str, set[str]]:
    """A copy of ``RICH`` damaged once, what was done, and the keys a refusal may name (a
    refusal may also name a key inside a replaced value)."""
    data = copy.deepcopy(RICH)
    all_keys = keys(data)
    names = [k for k in all_keys if _names_something(k, data)]
    zones = [k for k in all_keys if k[-1] == "timezone"] + [("channels", 0, "timezone")]
    kind = draw(st.sampled_from(["delete", "rename", "replace", "misspell", "timezone"]))
    pool = {"misspell": names, "timezone": zones}.get(kind) or all_keys
    if kind in ("delete", "rename"):
        pool = [k for k in all_keys if isinstance(k[-1], str)]
    key = draw(st.sampled_from(pool))
    home = parent(data, key)
    old = home.get(key[-1]) if isinstance(home, dict) else home[key[-1]]
    named = {text(key[:n]) for n in range(len(key) + 1)}
    if kind == "delete":
        del home[key[-1]]
    elif kind == "rename":
        new_key = typo(str(key[-1]), draw)
        if new_key in home:
            new_key += "x"
        home[new_key] = home.pop(key[-1])
        named.add(text((*key[:-1], new_key)))
    else:
        new = {
            "replace": lambda: draw(OTHER_VALUES),
            "misspell": lambda: typo(str(old), draw),
            "timezone": lambda: draw(st.sampled_from(TIMEZONES)),
        }[kind]()
        home[key[-1]] = new
        # A changed name may leave a reference dangling, or clash with another name.
        named |= {
            text(k) for k in all_keys if _value(RICH, k) in (old, new) and isinstance(old, str)
        }
    return data, f"{kind} {text(key)}", named


def _names_something(key: Key, data: dict[str, Any]) -> bool:
    """A reference to a store or metric, or the name of a store or channel."""
    named_by = [p for p in key if isinstance(p, str)]
    defines = key[0] in ("stores", "channels") and key[-1] == "name"
    refers = bool(named_by) and named_by[-1] in REFERENCES
    return (defines or refers) and isinstance(_value(data, key), str)


def _value(data: Any, key: Key) -> Any:
    for part in key:
        data = data[part]
    return data


def names_one_of(message: str, source: Path, named: set[str], inside: str) -> bool:
    """The message opens with the file and names one of ``named``, or a key inside the key
    ``inside``, as the key of a problem."""
    body = message.removeprefix(f"{source}: ")
    if body == message:
        return False
    return any(re.search(rf"(^|; ){re.escape(k)}: ", body) for k in named) or bool(
        re.search(rf"(^|; ){re.escape(inside)}[.\[].*?: ", body)
    )


runner = CliRunner()


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(damaged())
def test_damage_is_accepted_or_refused_in_one_line_naming_its_key(
    case: tuple[dict[str, Any], str, set[str]],
) -> None:
    data, what, named = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storepulse.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            assert isinstance(load_settings(path), Config), what
        except ConfigError as exc:
            message = str(exc)
            assert "\n" not in message and "\r" not in message, (what, message)
            damaged_key = what.split(" ", 1)[1]
            assert names_one_of(message, path, named, damaged_key), (what, sorted(named), message)
            if what.startswith("misspell") and not what.endswith(".name"):
                assert "(did you mean " in message, (what, message)
        assert_the_cli_agrees(path, Path(folder) / "prefect.yaml", what)


def assert_the_cli_agrees(path: Path, output: Path, what: str) -> None:
    """``storepulse deployments`` reads the file first: a refusal is exit 2 and one line."""
    try:
        load_settings(path)
        refused = None
    except ConfigError as exc:
        refused = str(exc)
    result = runner.invoke(app, ["deployments", "--config", str(path), "--output", str(output)])
    assert "Traceback" not in result.output, (what, result.output)
    if refused is None:
        assert result.exit_code == 0, (what, result.output)
        return
    assert result.exit_code == 2, (what, result.output)
    assert result.stderr == f"configuration error: {refused}\n", (what, result.stderr)


def test_the_rich_configuration_is_valid() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storepulse.yaml"
        path.write_text(yaml.safe_dump(RICH), encoding="utf-8")
        config = load_settings(path)
    assert [c.type for c in config.channels] == ["slack", "webhook", "email"]
    assert len(keys(RICH)) > 100
