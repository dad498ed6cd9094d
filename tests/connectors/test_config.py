from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import CONFIG_ENV, config_path, load_config, parse_config, resolve_token
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
