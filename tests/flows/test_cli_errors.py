"""Expected failures as one sentence and their exit code, before and inside a flow."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from connectors.errors import AuthError, ConfigError
from connectors.sandbox import DemoStore
from deployments.build import FLOWS, prefect_yaml
from flows.backfill import backfill  # imports Prefect, and so sets up its logging, out here
from flows.cli import DEBUG_HINT, _NoTraceback, app, expected_error
from flows.daily_ops import daily_ops
from flows.policy import REFUSED
from tasks.delivery.outbox import list_outbox
from tasks.warehouse.engine import DATABASE_URL_ENV, get_engine
from tests.conftest import TOKEN, TOKEN_ENV, store_entry, write_config
from tests.fakes.slack import TOKEN_ENV as SLACK_TOKEN_ENV
from tests.fakes.slack import fake_slack

runner = CliRunner()
REPOSITORY = Path(__file__).parents[2]


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.fixture
def no_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a command starts a flow."""

    def refuse(*_: Any, **__: Any) -> None:
        pytest.fail("a flow was started")

    monkeypatch.setattr("flows.cli.loop.start_flow", refuse)


@pytest.mark.usefixtures("no_flow")
@pytest.mark.parametrize("command", [["sync"], ["run", "daily-ops"], ["run", "backfill"]])
def test_a_missing_token_is_one_line_before_any_flow(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    path = write_config(tmp_path, "http://127.0.0.1:9")
    days = ["--from", "2026-03-01", "--to", "2026-03-02"] if "backfill" in command else []
    result = runner.invoke(app, [*command, "--config", str(path), *days])
    assert result.exit_code == 2
    assert lines(result.output) == [
        f"configuration error: store 'demo': environment variable {TOKEN_ENV} is not set"
    ]


@pytest.mark.usefixtures("no_flow")
@pytest.mark.parametrize("command", [["digest"], ["checks", "--notify"], ["run", "daily-ops"]])
def test_a_missing_channel_credential_is_one_line_before_any_flow(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv(SLACK_TOKEN_ENV, raising=False)
    with fake_slack() as slack:
        path = tmp_path / "storepulse.yaml"
        config = {"stores": [store_entry("http://x")], "channels": [slack.channel()]}
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        result = runner.invoke(app, [*command, "--config", str(path)])
    assert result.exit_code == 2
    assert lines(result.output) == [
        f"configuration error: channel 'ops': environment variable {SLACK_TOKEN_ENV} is not set"
    ]


def test_an_unexpected_error_is_one_line_and_debug_shows_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> int:
        raise RuntimeError("the disk\nmelted")

    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setattr("tasks.metrics.rollup.load_rates_csv", broken)
    rates = tmp_path / "rates.csv"
    result = runner.invoke(app, ["rates", "load", str(rates)])
    assert result.exit_code == 1
    assert lines(result.output) == [
        f"unexpected error: RuntimeError: the disk melted; {DEBUG_HINT}"
    ]
    debug = runner.invoke(app, ["--debug", "rates", "load", str(rates)])
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.output
    assert lines(debug.output)[-1] == "unexpected error: RuntimeError: the disk melted"


def test_an_error_raised_from_a_storepulse_error_is_reported_as_it() -> None:
    cause = AuthError("store 'demo': GET shop.json answered 401")
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = cause
    assert expected_error(wrapped) is cause
    assert expected_error(ValueError("x")) is None


def test_the_console_filter_drops_tracebacks_and_prefects_failure_reports() -> None:
    def record(name: str, level: int, exc: bool = False) -> logging.LogRecord:
        info = (ConfigError, ConfigError("x"), None) if exc else None
        return logging.LogRecord(name, level, __file__, 1, "m", None, info)

    quiet = _NoTraceback()
    assert not quiet.filter(record("prefect.flow_runs", logging.ERROR, exc=True))
    assert not quiet.filter(record("prefect.task_runs", logging.ERROR))
    assert not quiet.filter(record("storepulse.shopify", logging.WARNING, exc=True))
    assert quiet.filter(record("storepulse.shopify", logging.WARNING))
    assert quiet.filter(record("prefect.task_runs", logging.WARNING))


def test_one_registry_names_the_deployed_flows() -> None:
    shipped = yaml.safe_load((REPOSITORY / "deployments" / "prefect.yaml").read_text())
    config = {"stores": [store_entry("http://x")]}
    from connectors.config import parse_config

    generated = yaml.safe_load(prefect_yaml(parse_config(config), Path("/etc/s.yaml"), "3"))
    for document in (shipped, generated):
        entrypoints = {d["entrypoint"] for d in document["deployments"]}
        assert entrypoints == {spec.entrypoint for spec in FLOWS.values()}
    assert FLOWS["daily-ops"].entrypoint == "flows/daily_ops.py:daily_ops"
    for name, spec in FLOWS.items():
        assert spec.load().name == name


@pytest.mark.usefixtures("prefect_server")
def test_a_refused_token_inside_the_flow_is_one_sentence_in_the_cli_and_the_run_state(
    shop: DemoStore, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "shpat_refused")
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    path = write_config(tmp_path, shop.url)
    result = runner.invoke(app, ["run", "daily-ops", "--config", str(path)])
    assert result.exit_code == 1
    # Prefect's console may log into the captured output here (its level is the CLI's only in
    # the console script); what the command says is its last line.
    line = lines(result.output)[-1]
    assert line.startswith("error: store 'demo': GET shop.json answered 401")
    assert "Traceback" not in result.output and "shpat_refused" not in result.output
    state = daily_ops(config_path=str(path), return_state=True)
    assert state.is_failed() and state.message == line.removeprefix("error: ")


@pytest.mark.usefixtures("prefect_server")
def test_checks_send_nothing_without_notify(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    path = str(write_config(tmp_path, "http://127.0.0.1:9"))
    quiet = runner.invoke(app, ["checks", "--config", path, "--no-count-check"])
    assert quiet.exit_code == 0, quiet.output
    assert "opened" in quiet.output and not quiet.output.startswith("Alerts: 0 opened")
    with get_engine(sqlite_url).connect() as conn:
        assert list_outbox(conn) == []
    told = runner.invoke(app, ["checks", "--config", path, "--no-count-check", "--notify"])
    assert told.exit_code == 0, told.output
    with get_engine(sqlite_url).connect() as conn:
        assert list_outbox(conn), "the alerts recorded quietly are told with --notify"


@pytest.mark.usefixtures("prefect_server")
def test_a_reversed_backfill_is_refused_without_telling_the_ops_channels(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr("flows.hooks.tell_failure", lambda *_, **kw: told.append(kw["reason"]))
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    path = str(write_config(tmp_path, "http://127.0.0.1:9"))
    state = backfill(date(2026, 3, 10), date(2026, 3, 1), config_path=path, return_state=True)
    assert state.is_failed() and state.name == REFUSED
    assert state.message == "backfill: the last day 2026-03-01 is before the first day 2026-03-10"
    assert told == []
    with pytest.raises(ConfigError, match="no store named 'nope'"):
        backfill(date(2026, 3, 1), date(2026, 3, 2), stores=["nope"], config_path=path)
    assert len(told) == 1 and "no store named 'nope'" in told[0]


def test_python_dash_m_runs_the_command() -> None:
    import subprocess

    command = [sys.executable, "-m", "flows.cli", "--help"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Daily loop" in done.stdout
