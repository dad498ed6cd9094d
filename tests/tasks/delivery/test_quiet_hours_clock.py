"""Quiet hours are read on the clock of the store a message is about, unless the channel
sets one."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.config import parse_config
from tasks.delivery.routes import routes

STORES = [
    {
        "name": name,
        "platform": "shopify",
        "url": f"https://{name}.myshopify.com",
        "timezone": zone,
        "currency": "USD",
        "token_env": "T",
    }
    for name, zone in (("ny", "America/New_York"), ("sh", "Asia/Shanghai"))
]
OPS = {
    "name": "ops",
    "type": "slack",
    "channel": "C0123ABCD",
    "token_env": "SLACK_TOKEN",
    "quiet_hours": "22:00-07:00",
}
#: 23:30 in New York, 11:30 the next morning in Shanghai.
NIGHT_IN_NEW_YORK = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)


def test_without_a_timezone_each_store_keeps_its_own_night() -> None:
    config = parse_config({"stores": STORES, "channels": [OPS]})
    (ny,) = routes(config, "ny", "alerts")
    (sh,) = routes(config, "sh", "alerts")
    assert ny.quiet_until(NIGHT_IN_NEW_YORK) == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
    assert sh.quiet_until(NIGHT_IN_NEW_YORK) is None


def test_a_channel_timezone_is_one_clock_for_every_store() -> None:
    config = parse_config({"stores": STORES, "channels": [OPS | {"timezone": "Asia/Shanghai"}]})
    for store in ("ny", "sh"):
        (route,) = routes(config, store, "alerts")
        assert route.quiet_until(NIGHT_IN_NEW_YORK) is None
        shanghai_night = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
        assert route.quiet_until(shanghai_night) == datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
