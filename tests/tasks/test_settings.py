"""Every metric the configuration names is checked at load, with a suggestion for a typo."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.config import Config
from connectors.errors import ConfigError
from tasks.settings import load_settings

STORE = {
    "name": "demo",
    "platform": "shopify",
    "url": "https://demo.myshopify.com",
    "timezone": "America/New_York",
    "currency": "USD",
    "token_env": "T",
}


def _write(tmp_path: Path, **sections: object) -> Path:
    path = tmp_path / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": [STORE], **sections}), encoding="utf-8")
    return path


def test_the_defaults_name_only_known_metrics(tmp_path: Path) -> None:
    config = load_settings(_write(tmp_path))
    assert isinstance(config, Config) and config.checks.watch and config.checks.rules


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"checks": {"watch": [{"metric": "net_sale"}]}},
            r"checks\.watch\[0\]\.metric: no metric 'net_sale' \(did you mean net_sales\?\)$",
        ),
        (
            {"checks": {"rules": [{"metric": "conversoin_rate", "below": 0.01}]}},
            r"checks\.rules\[0\]\.metric: no metric 'conversoin_rate' "
            r"\(did you mean conversion_rate\?\)$",
        ),
        (
            {"checks": {"silence": [{"metric": "refund_rat"}]}},
            r"checks\.silence\[0\]\.metric: no metric 'refund_rat' \(did you mean refund_rate\?\)$",
        ),
        (
            {"targets": [{"store": "demo", "metric": "ordrs", "month": "2026-11", "value": 9}]},
            r"targets\[0\]\.metric: no metric 'ordrs' \(did you mean orders\?\)$",
        ),
        (
            {"targets": [{"store": "demo", "metric": "aov", "month": "2026-11", "value": 9}]},
            r"targets\[0\]\.metric: aov cannot take a monthly target: use an additive metric",
        ),
        (
            {"checks": {"watch": [{"metric": "cohort_retention"}]}},
            r"checks\.watch\[0\]\.metric: cohort_retention has no daily values to check",
        ),
        (
            {"checks": {"watch": [{"metric": "zzzz"}]}},
            r"checks\.watch\[0\]\.metric: no metric 'zzzz'$",
        ),
    ],
)
def test_unknown_or_unfit_metrics_are_refused(
    tmp_path: Path, sections: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, **sections)
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)


def test_a_data_check_can_be_silenced_by_its_subject(tmp_path: Path) -> None:
    silence = [{"metric": "quarantine", "check": "quarantine"}, {"metric": "orders"}]
    config = load_settings(_write(tmp_path, checks={"silence": silence}))
    assert [s.metric for s in config.checks.silence] == ["quarantine", "orders"]


def test_every_metric_problem_is_told_at_once(tmp_path: Path) -> None:
    checks = {"watch": [{"metric": "net_sale"}], "rules": [{"metric": "order", "above": 1}]}
    with pytest.raises(ConfigError) as raised:
        load_settings(_write(tmp_path, checks=checks))
    assert "checks.watch[0].metric" in str(raised.value)
    assert "checks.rules[0].metric: no metric 'order' (did you mean orders?)" in str(raised.value)


def test_a_file_problem_is_told_before_any_metric(tmp_path: Path) -> None:
    path = _write(tmp_path, checks={"watch": [{"metric": "net_sale", "sid": "drop"}]})
    with pytest.raises(ConfigError, match=r"checks\.watch\[0\]\.sid: unknown key \(did you mean"):
        load_settings(path)


def test_the_documented_refusal_is_the_one_storepulse_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, checks={"watch": [{"metric": "net_sale"}]})
    with pytest.raises(ConfigError) as raised:
        load_settings("storepulse.yaml")
    docs = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert f"configuration error: {raised.value}\n" in docs.read_text(encoding="utf-8")
