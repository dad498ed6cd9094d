from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from connectors.config import (
    CONFIG_ENV,
    ChannelBase,
    ChannelConfig,
    EmailChannel,
    SlackChannel,
    WebhookChannel,
    config_path,
    load_config,
    parse_config,
    resolve_channel_secrets,
    resolve_token,
)
from connectors.errors import ConfigError

MINIMAL = """\
stores:
  - name: demo
    platform: shopify
    url: http://127.0.0.1:8081
    timezone: America/New_York
    currency: USD
    token_env: SHOPIFY_TOKEN_DEMO
"""


def test_the_minimal_file_works(tmp_path: Path) -> None:
    path = tmp_path / "storepulse.yaml"
    path.write_text(MINIMAL)
    store = load_config(path).store("demo")
    assert (store.url, store.timezone, store.currency) == (
        "http://127.0.0.1:8081",
        "America/New_York",
        "USD",
    )
    assert store.api_version == "2026-10"
    assert store.sync.page_size == 250


def test_config_path_falls_back_to_the_environment_then_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CONFIG_ENV, "/etc/storepulse/shop.yaml")
    assert config_path("given.yaml") == Path("given.yaml")
    assert config_path(None) == Path("/etc/storepulse/shop.yaml")
    monkeypatch.delenv(CONFIG_ENV)
    assert config_path(None) == Path("storepulse.yaml")


def _store(**changes: object) -> dict[str, object]:
    return {
        "stores": [
            {
                "name": "demo",
                "platform": "shopify",
                "url": "https://x.myshopify.com",
                "timezone": "America/New_York",
                "currency": "USD",
                "token_env": "T",
            }
            | changes
        ]
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Base"}, r"stores\[0\]\.timezone: 'Mars/Base' is not an IANA timezone"),
        ({"currency": "usd"}, r"stores\[0\]\.currency"),
        ({"url": "ftp://x"}, r"stores\[0\]\.url: must be an http\(s\) URL"),
        ({"tokn_env": "T"}, r"stores\[0\]\.tokn_env: unknown key"),
        ({"platform": "magento"}, r"stores\[0\]\.platform"),
        ({"token_env": None}, r"stores\[0\]: give exactly one of token_env or token_secret"),
        ({"sync": {"page_size": 500}}, r"stores\[0\]\.sync\.page_size"),
    ],
)
def test_errors_name_the_key_and_the_problem(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_store(**changes), source=Path("storepulse.yaml"))


def _marketplace(**changes: object) -> dict[str, object]:
    return {"stores": [{"name": "tmall", "platform": "taobao", "import_dir": "drop"} | changes]}


def test_a_marketplace_store_sells_in_shanghai_in_yuan_by_default() -> None:
    store = parse_config(_marketplace()).stores[0]
    assert (store.timezone, store.currency, store.is_marketplace) == ("Asia/Shanghai", "CNY", True)
    store = parse_config(_marketplace(timezone="Asia/Hong_Kong", currency="HKD")).stores[0]
    assert (store.timezone, store.currency) == ("Asia/Hong_Kong", "HKD")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"import_dir": None}, r"stores\[0\]: a taobao store needs import_dir"),
        ({"token_env": "T"}, r"stores\[0\]: token_env is not used by a taobao store"),
        ({"platform": "douyin", "url": "https://x.cn"}, r"url is not used by a douyin store"),
        ({"platform": "tmall"}, r"stores\[0\]\.platform"),
    ],
)
def test_marketplace_store_errors_name_the_key(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_marketplace(**changes), source=Path("storepulse.yaml"))


def test_a_shopify_store_still_needs_its_url_and_may_have_a_spend_folder() -> None:
    with pytest.raises(ConfigError, match=r"stores\[0\]: a shopify store needs url"):
        parse_config(_store(url=None))
    assert parse_config(_store(import_dir="drop")).stores[0].import_dir.name == "drop"  # type: ignore[union-attr]


def test_budgets_name_known_stores_and_positive_amounts() -> None:
    budget = {"store": "demo", "channel": "meta", "month": "2026-11", "amount": 3000}
    config = parse_config(_store() | {"budgets": [budget]})
    assert (config.budgets[0].channel, config.budgets[0].amount) == ("meta", 3000)
    with pytest.raises(ConfigError, match=r"budgets\[0\].store: no store 'demp'"):
        parse_config(_store() | {"budgets": [budget | {"store": "demp"}]})
    with pytest.raises(ConfigError, match=r"budgets\[0\].amount"):
        parse_config(_store() | {"budgets": [budget | {"amount": 0}]})


def test_store_names_are_unique() -> None:
    data = _store()
    data["stores"] = data["stores"] * 2  # type: ignore[operator]
    with pytest.raises(ConfigError, match="'demo' is used twice"):
        parse_config(data)


def test_unreadable_and_non_yaml_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("stores: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_unknown_store_names_list_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"no store named 'shop2'.*known: demo"):
        parse_config(_store()).select(["shop2"])


def test_the_token_error_names_the_variable_never_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    store = parse_config(_store()).store("demo")
    monkeypatch.delenv("T", raising=False)
    with pytest.raises(ConfigError, match="environment variable T is not set"):
        resolve_token(store)
    monkeypatch.setenv("T", "shpat_secret_value")
    token = resolve_token(store)
    assert token.get_secret_value() == "shpat_secret_value"
    assert "shpat_secret_value" not in repr(token) + str(token) + repr(store)


def test_relative_traffic_files_resolve_beside_the_config(tmp_path: Path) -> None:
    path = tmp_path / "storepulse.yaml"
    path.write_text(MINIMAL + "    traffic_csv: traffic.csv\n")
    assert load_config(path).store("demo").traffic_csv == tmp_path / "traffic.csv"


SLACK = {"name": "ops", "type": "slack", "channel": "C0123ABCD", "token_env": "SLACK_TOKEN"}
WEBHOOK = {"name": "hook", "type": "webhook", "url_env": "HOOK_URL", "mention": ["S0ONCALL"]}
EMAIL = {
    "name": "managers",
    "type": "email",
    "host": "smtp.example.com",
    "sender": "reports@example.com",
    "to": ["lead@example.com"],
    "cc": ["cfo@example.com"],
}


def _with_channels(*channels: dict[str, object], **top: object) -> dict[str, object]:
    return _store() | {"channels": list(channels)} | top


def test_each_channel_type_reads_its_own_keys() -> None:
    config = parse_config(_with_channels(SLACK, WEBHOOK, EMAIL))
    slack, hook, email = config.channels
    assert isinstance(slack, SlackChannel) and slack.recipient == "C0123ABCD"
    assert isinstance(hook, WebhookChannel) and hook.mentions == ("S0ONCALL",)
    assert isinstance(email, EmailChannel)
    assert email.recipient == "lead@example.com,cfo@example.com" and email.mentions == ()
    assert slack.covers("demo", "alerts") and email.security == "starttls"


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (SLACK | {"timezone": "Mars/Base"}, r"channels\[0\]\.timezone: 'Mars/Base' is not an IANA"),
        (
            SLACK | {"type": "slak"},
            r"channels\[0\]\.type: no channel type 'slak' \(did you mean slack\?\)",
        ),
        (
            {k: v for k, v in SLACK.items() if k != "type"},
            r"channels\[0\]\.type: missing; give one of",
        ),
        ({k: v for k, v in SLACK.items() if k != "channel"}, r"channels\[0\]\.channel: missing"),
        (
            SLACK | {"chanel": "C1"},
            r"channels\[0\]\.chanel: unknown key \(did you mean channel\?\)",
        ),
        (
            SLACK | {"token_secret": "slack"},
            r"channels\[0\]: give exactly one of token_env or token_sec",
        ),
        (SLACK | {"host": "smtp.example.com"}, r"channels\[0\]\.host: unknown key"),
        (EMAIL | {"mention": ["U123"]}, r"channels\[0\]\.mention: unknown key"),
        (EMAIL | {"to": []}, r"channels\[0\]\.to: List should have at least 1 item"),
        (
            EMAIL | {"username": "me"},
            r"channels\[0\]: give exactly one of password_env or password",
        ),
        (WEBHOOK | {"url_env": None}, r"channels\[0\]: give exactly one of url_env or url_secret"),
        (SLACK | {"mention": ["@alice"]}, r"channels\[0\]\.mention\[0\]: must be a Slack user ID"),
        (SLACK | {"quiet_hours": "22-07"}, r"quiet_hours: must be a span of the day such as 22:00"),
        (SLACK | {"quiet_hours": "25:00-07:00"}, r"quiet_hours: 25:00 is not a time of day"),
        (SLACK | {"quiet_hours": "07:00-07:00"}, r"quiet_hours: start and end are the same time"),
        (
            SLACK | {"language": "zh_CN"},
            r"language: must be 'en' or 'zh-CN' \(did you mean zh-CN\?\)",
        ),
        (
            SLACK | {"stores": ["dmeo"]},
            r"channels\[0\]\.stores\[0\]: no store 'dmeo' \(did you mean demo\?\)",
        ),
        (
            SLACK | {"name": "Ops Team"},
            r"channels\[0\]\.name: must be lowercase letters, digits, - or _",
        ),
    ],
)
def test_channel_errors_name_the_key_in_words(channel: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse_config(_with_channels(channel), source=Path("storepulse.yaml"))
    assert "\n" not in str(raised.value) and "pattern" not in str(raised.value)


def test_a_channel_timezone_is_optional_and_checked() -> None:
    (channel,) = parse_config(_with_channels(SLACK | {"quiet_hours": "22:00-07:00"})).channels
    assert channel.timezone is None  # the store's clock: tasks/delivery routes it
    (channel,) = parse_config(_with_channels(SLACK | {"timezone": "Asia/Shanghai"})).channels
    assert channel.timezone == "Asia/Shanghai"


def test_a_secret_pasted_where_its_name_belongs_is_refused_without_being_repeated() -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
    with pytest.raises(ConfigError, match=r"channels\[0\]\.url_env: must be the name of an") as e:
        parse_config(_with_channels(WEBHOOK | {"url_env": url}))
    assert "SECRET" not in str(e.value)
    with pytest.raises(ConfigError, match=r"channels\[0\]\.token_env: must be the name") as e:
        parse_config(_with_channels(SLACK | {"token_env": "xoxb-1234-5678-abcdef"}))
    assert "xoxb" not in str(e.value)


@pytest.mark.parametrize("model", get_args(get_args(ChannelConfig)[0]))
def test_a_channel_type_declares_every_secret_it_names(model: type[ChannelBase]) -> None:
    named = {f for f in model.model_fields if f.endswith(("_env", "_secret"))}
    declared = {key for keys in model.SECRETS.values() for key in (keys.env, keys.block)}
    assert named == declared


def test_channel_secrets_resolve_by_use_and_never_show_a_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login = {"username": "reports", "password_secret": "smtp-password"}
    config = parse_config(_with_channels(SLACK, WEBHOOK, EMAIL, EMAIL | login | {"name": "login"}))
    slack, hook, relay, login_relay = config.channels
    assert login_relay.secrets() == {"password": (None, "smtp-password")}
    monkeypatch.setenv("SLACK_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("HOOK_URL", "https://hooks.slack.com/services/T/B/secret")
    token = resolve_channel_secrets(slack)
    assert list(token) == ["token"] and token["token"].get_secret_value() == "xoxb-secret-value"
    assert "xoxb" not in repr(token)
    assert list(resolve_channel_secrets(hook)) == ["url"]
    assert resolve_channel_secrets(relay) == {}  # a relay without a login needs no password
    monkeypatch.delenv("SLACK_TOKEN")
    with pytest.raises(ConfigError, match=r"^channel 'ops': environment variable SLACK_TOKEN is"):
        resolve_channel_secrets(slack)


@pytest.mark.parametrize(
    ("top", "message"),
    [
        (
            {"targets": [{"store": "demo", "metric": "net_sales", "month": "2026-13", "value": 1}]},
            r"^configuration: targets\[0\]\.month: must be a month such as 2026-11$",
        ),
        (
            {"targets": [{"store": "dem", "metric": "net_sales", "month": "2026-11", "value": 1}]},
            r"targets\[0\]\.store: no store 'dem' \(did you mean demo\?\)$",
        ),
        (
            {
                "campaigns": [
                    {"name": "x", "start": "2026-03-01", "end": "2026-03-01", "stores": ["x"]}
                ]
            },
            r"campaigns\[0\]\.stores\[0\]: no store 'x' \(known: demo\)$",
        ),
        (
            {"campaigns": [{"name": "x", "start": "2026-03-02", "end": "2026-03-01"}]},
            r"campaigns\[0\]: ends \(2026-03-01\) before it starts \(2026-03-02\)$",
        ),
        (
            {"campaigns": [{"name": "x", "start": "2026-02-30", "end": "2026-03-01"}]},
            r"campaigns\[0\]\.start: must be a valid date",
        ),
        (
            {"checks": {"silence": [{"store": "demo2", "check": "anomaly"}]}},
            r"checks\.silence\[0\]\.store: no store 'demo2' \(did you mean demo\?\)$",
        ),
        (
            {"checks": {"silence": [{"check": "anomally"}]}},
            r"checks\.silence\[0\]\.check: must be 'anomaly', .* \(did you mean anomaly\?\)$",
        ),
        ({"checks": {"wach": []}}, r"checks\.wach: unknown key \(did you mean watch\?\)$"),
        ({"checks": {"watch": "net_sales"}}, r"checks\.watch: must be a list$"),
        (
            {"checks": {"rules": [{"metric": "orders"}]}},
            r"checks\.rules\[0\]: give exactly one of below or above or falls_by or rises_by$",
        ),
        (
            {"schedules": {"daily": "every day"}},
            r"schedules\.daily: 'every day' is not a cron expression such as '0 8 \* \* \*'$",
        ),
        ({"schedules": {"daily_deadline": 5}}, r"schedules\.daily_deadline: must be at least 10 s"),
        ({"reports_url": "reports.internal"}, r"reports_url: must be an http\(s\) URL such as"),
        ({"reporting_currency": "usd"}, r"reporting_currency: must be an ISO 4217 code"),
        ({"channels": "ops"}, r"channels: must be a list$"),
        ({"channels": ["ops"]}, r"channels\[0\]: must be a mapping of keys to values$"),
        (
            {"channels": [SLACK, SLACK]},
            r"channels\[1\]\.name: the channel name 'ops' is used twice$",
        ),
    ],
)
def test_every_section_names_its_key_in_words(top: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse_config(_store() | top)
    assert "\n" not in str(raised.value) and "should match pattern" not in str(raised.value)


def test_a_store_name_is_described_in_words() -> None:
    with pytest.raises(ConfigError, match=r"stores\[0\]\.name: must be lowercase letters, digits"):
        parse_config(_store(name="Demo Shop"))


def test_many_problems_are_counted_on_one_line() -> None:
    bad = {"currency": "usd", "url": "x", "timezone": "x", "api_version": "x", "sync": 1}
    with pytest.raises(ConfigError, match=r"\(and 1 more\)$") as raised:
        parse_config(_store(platform="magento", **bad))
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"stores: [\n",
            r"not valid YAML at line 2: expected the node content, but found '<stream end>'$",
        ),
        (b"stores:\n\tname: x\n", r"not valid YAML at line 2: found character '\\t'"),
        (b"- stores\n", r"is a list; expected a mapping with a 'stores' list at the top$"),
        (b"just words\n", r"is a string; expected a mapping"),
        (b"", r"is empty; expected a mapping"),
        (
            b"stores: []\nstores: []\n",
            r"not valid YAML at line 2: the key 'stores' is given twice$",
        ),
        (b"stores: [{name: caf\xe9}]\n", r"not UTF-8 text \(byte 19\)$"),
        (
            b"stores: !!python/object:os.system {}\n",
            r"not valid YAML at line 1: could not determine",
        ),
    ],
)
def test_a_file_that_is_not_a_configuration_is_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "storepulse.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)


def test_a_folder_is_not_a_configuration(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read configuration .*: Is a directory$"):
        load_config(tmp_path)


def test_the_example_configuration_is_valid() -> None:
    example = Path(__file__).parents[2] / "deployments" / "storepulse.example.yaml"
    config = load_config(example)
    assert [c.type for c in config.channels] == ["slack", "webhook", "email"]
    assert [s.name for s in config.stores] == ["flagship"]
