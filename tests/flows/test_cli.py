"""The storepulse command: exit codes, messages, and the demo store as a process."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import typer
import yaml
from typer.testing import CliRunner

from connectors.sandbox import DemoStore
from flows.cli import app
from tasks.warehouse.engine import DATABASE_URL_ENV, head_revision
from tests.conftest import TOKEN, TOKEN_ENV, store_entry, write_config
from tests.fakes.slack import BOT_TOKEN, fake_slack
from tests.fakes.slack import TOKEN_ENV as SLACK_TOKEN_ENV

runner = CliRunner()


def test_a_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://x", timezone="Nowhere/City")
    result = runner.invoke(app, ["sync", "--config", str(path)])
    assert result.exit_code == 2
    assert "stores[0].timezone" in result.output and "Nowhere/City" in result.output


def test_a_missing_config_and_an_unknown_store_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--config", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "cannot read configuration" in result.output
    path = write_config(tmp_path, "http://x")
    result = runner.invoke(app, ["sync", "--config", str(path), "--store", "other"])
    assert result.exit_code == 2 and "no store named 'other'" in result.output


@pytest.mark.usefixtures("prefect_server")
def test_sync_prints_its_summary_and_a_config_mismatch_exits_2(
    shop: DemoStore, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    path = write_config(tmp_path, shop.url)
    result = runner.invoke(app, ["sync", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"demo\s+orders\s+[\d,]+\s+[\d,]+\s+0\s", result.output)
    write_config(tmp_path, shop.url, timezone="Europe/Berlin")
    result = runner.invoke(app, ["sync", "--config", str(path)])
    assert result.exit_code == 2
    assert (
        "configured timezone Europe/Berlin but the shop reports America/New_York" in result.output
    )


def test_db_upgrade_and_status(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and f"revision {head_revision()}" in result.output
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0 and "up to date" in result.output


@pytest.mark.slow  # processes
def test_the_demo_store_serves_until_interrupted(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "demo-store",
            "--port",
            "0",
            "--days",
            "20",
            "--orders-per-day",
            "5",
            "--token",
            "shpat_cli",
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = _served_url(process)
        response = requests.get(
            f"{url}/shop.json", timeout=10, headers={"X-Shopify-Access-Token": "shpat_cli"}
        )
        assert response.json()["shop"]["iana_timezone"] == "America/New_York"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def _served_url(process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/admin/api/2026-10)/orders\.json", line)
        if match:
            return match[1]
    pytest.fail("the demo store never said where it serves")


def test_test_send_proves_a_channel_and_names_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_slack() as slack:
        ops = slack.channel(language="zh-CN")
        private = ops | {"name": "private", "channel": "C0PRIVATE"}
        path = tmp_path / "storepulse.yaml"
        config = {"stores": [store_entry("http://x")], "channels": [ops, private]}
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        missing = runner.invoke(app, ["test-send", "--channel", "ops", "--config", str(path)])
        assert missing.exit_code == 2
        assert "environment variable STOREPULSE_TEST_SLACK_TOKEN is not set" in missing.output
        monkeypatch.setenv(SLACK_TOKEN_ENV, BOT_TOKEN)
        ok = runner.invoke(app, ["test-send", "--channel", "ops", "--config", str(path)])
        assert ok.exit_code == 0 and "C0OPS/" in ok.output
        assert "storepulse 测试消息" in str(slack.state.messages[0].blocks)
        refused = runner.invoke(app, ["test-send", "--channel", "private", "--config", str(path)])
        assert refused.exit_code == 1 and "not_in_channel" in refused.output
        assert BOT_TOKEN not in refused.output
        unknown = runner.invoke(app, ["test-send", "--channel", "nope", "--config", str(path)])
        assert unknown.exit_code == 2 and "channels: ops, private" in unknown.output


PANELS = {"Daily loop", "Alerts & delivery", "Data", "Deploy", "Demo"}


def test_every_command_is_listed_under_one_of_the_five_panels() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, click_group_type())
    names = list(group.commands)  # type: ignore[attr-defined]
    assert {"sync", "checks", "run", "alerts", "outbox", "db", "serve", "demo-store"} <= set(names)
    panels = {name: group.commands[name].rich_help_panel for name in names}  # type: ignore[attr-defined]
    assert set(panels.values()) == PANELS, panels
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["--help"])
    assert result.exit_code == 0
    for text in (*PANELS, *names):
        assert text in result.output


def click_group_type() -> type:
    from typer.core import TyperGroup

    return TyperGroup


def test_help_summaries_are_whole_sentences() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["--help"])
    line = next(x for x in result.output.splitlines() if "prefect-setup" in x)
    assert "late-run alert on the Prefect server." in line
    checks = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["checks", "--help"]).output
    assert "Without --notify it sends nothing" in checks
    backtest = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["backtest", "--help"]).output
    assert "csv" not in backtest and "STOREPULSE_NAB_DIR" in backtest


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["outbox", "--status", "sending-ish"], "'--status'"),
        (["reports", "show", "daily/2026-11-28/x", "--language", "fr"], "'--language'"),
        (["demo-store", "--plan", "gold"], "'--plan'"),
        (["backtest", "--format", "csv"], "'--format'"),
        (["run", "nightly"], "'FLOW'"),
    ],
)
def test_closed_flags_refuse_other_values(args: list[str], option: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"Invalid value for {option}" in flat(result.output)


def test_the_demo_store_offers_exactly_the_sandbox_plans() -> None:
    from connectors.sandbox import PLANS
    from flows.cli.demo import Plan

    assert sorted(Plan) == sorted(PLANS)


class _Started(Exception):
    """Raised in place of serving, once the command has built the store it would start."""


def test_the_demo_store_fault_options_reach_its_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.sandbox import Faults

    received: dict[str, Any] = {}

    def start(cls: type[DemoStore], spec: Any, **options: Any) -> DemoStore:
        received.update(options)
        raise _Started

    monkeypatch.setattr(DemoStore, "start", classmethod(start))
    rates = {"error": "0.5", "throttle": "0.25", "cut": "0.125", "slow": "0.0625"}
    options = [item for name, rate in rates.items() for item in (f"--{name}-rate", rate)]
    result = runner.invoke(app, ["demo-store", *options, "--update-between-pages"])
    assert "faults" in received, result.output  # the command stops where the store would start
    assert received["faults"] == Faults(
        error_rate=0.5,
        throttle_rate=0.25,
        cut_rate=0.125,
        slow_rate=0.0625,
        update_between_pages=True,
    )
    shown = flat(runner.invoke(app, ["demo-store", "--help"]).output)
    assert "--throttle-rate <float> Share of calls answered 429 with Retry-After." in shown
    assert "--cut-rate <float> Share of successful calls whose body is cut short." in shown


def flat(output: str) -> str:
    """Typer's boxed error as one line of words."""
    return " ".join(output.replace("│", " ").split())


def test_usage_errors_name_the_option_and_exit_2(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    monkeypatch.delenv("STOREPULSE_NAB_DIR", raising=False)
    path = str(write_config(tmp_path, "http://x"))
    days = ["--from", "2026-03-10", "--to", "2026-03-01"]
    reversed_range = runner.invoke(app, ["metrics", "-c", path, *days])
    assert reversed_range.exit_code == 2
    assert "Invalid value for '--to': 2026-03-01 is before --from 2026-03-10" in flat(
        reversed_range.output
    )
    month = ["--from", "2026-01-01", "--to", "2026-03-01", "--grain", "month"]
    no_grain = runner.invoke(app, ["metrics", "-c", path, *month, "-m", "net_sales"])
    assert no_grain.exit_code == 2
    assert "net_sales has no month grain; the metrics with one: cohort_customers" in flat(
        no_grain.output
    )
    typo = runner.invoke(app, ["metrics", "-c", path, *month, "-m", "net_sale"])
    assert typo.exit_code == 2 and "did you mean net_sales?" in flat(typo.output)
    nab = runner.invoke(app, ["backtest"])
    assert nab.exit_code == 2
    assert "pass --nab DIR or set $STOREPULSE_NAB_DIR" in flat(nab.output)
    backfill = runner.invoke(app, ["run", "backfill", "-c", path, *days])
    assert backfill.exit_code == 2
    assert "Invalid value for '--to': backfill: the last day 2026-03-01 is before" in flat(
        backfill.output
    )
    assert "configuration error" not in backfill.output


def test_import_loads_a_marketplace_stores_files_once(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url)
    fixture = Path(__file__).parents[1] / "fixtures" / "marketplaces" / "pdd_orders_0517.xlsx"
    entry = {"name": "pdd", "platform": "pdd", "import_dir": str(tmp_path)}
    path = tmp_path / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": [entry]}), encoding="utf-8")
    first = runner.invoke(app, ["import", "--store", "pdd", "--config", str(path), str(fixture)])
    assert first.exit_code == 0, first.output
    assert re.search(r"pdd\s+imports\s+2\s+2\s+0\s", first.output)
    again = runner.invoke(app, ["import", "--store", "pdd", "--config", str(path), str(fixture)])
    assert again.exit_code == 0 and "1 file(s) imported before: skipped" in again.output
    missing = runner.invoke(
        app, ["import", "--store", "pdd", "--config", str(path), str(tmp_path / "none.csv")]
    )
    assert missing.exit_code == 2 and "cannot read" in missing.output
