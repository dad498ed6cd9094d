"""Sends that cannot repeat or block: committed before they go, claimed one at a time, sent with
no transaction open, and settled by their transport's policy after a crash."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from connectors.config import Config, parse_config
from connectors.sandbox import DemoStore
from flows.cli import app
from tasks.checks.run import run_checks
from tasks.delivery import publish as publishing
from tasks.delivery.notices import notify_alerts, tell_failure
from tasks.delivery.outbox import (
    LEASE,
    Message,
    claim,
    deliver,
    enqueue,
    list_outbox,
    retry_now,
)
from tasks.delivery.publish import publish_report
from tasks.delivery.transports import FileTransport
from tasks.metrics.compute import refresh
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import DATABASE_URL_ENV, dispose_engines, get_engine
from tests.conftest import SMALL_SPEC, TOKEN, TOKEN_ENV, store_config, store_entry
from tests.fakes.smtp import PASSWORD, USER, fake_smtp
from tests.support.helpers import run_sync
from tests.tasks.checks.test_alerts import AS_OF, SHOP, seed_history

NOW = datetime(2026, 3, 31, 13, 0, tzinfo=UTC)
DAY = SMALL_SPEC.end_date - timedelta(days=1)  # type: ignore[operator]
ROOT = Path(__file__).parents[3]
PASSWORD_ENV = "STOREPULSE_TEST_SMTP_PASSWORD"
PUBLISH = [sys.executable, "-m", "tests.support.publish"]
RECIPIENTS = ["first@example.com", "second@example.com", "third@example.com"]


class Recorder:
    """A transport that records what it sent; ``after_crash`` as the test says."""

    def __init__(self, after_crash: str) -> None:
        self.after_crash = after_crash
        self.sent: list[str] = []

    def send(self, message: Message) -> str:
        self.sent.append(message.key)
        return f"ref-{len(self.sent)}"


def note(key: str = "daily/2026-03-30/demo/ops/#ops", channel: str = "ops") -> Message:
    return Message(key, "digest", channel, "#ops", "en", "Daily digest", {"text": "hello"})


def statuses(url: str) -> dict[str, str]:
    with get_engine(url).connect() as conn:
        return {r["key"]: r["status"] for r in list_outbox(conn)}


def test_only_one_claim_wins_and_a_claimed_row_is_not_sent_by_another(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        enqueue(conn, [note()], NOW)
    assert claim(engine, note().key, NOW) is not None
    assert claim(engine, note().key, NOW) is None  # the other process
    other = Recorder("ask")
    assert deliver(engine, {"ops": other}, NOW).skipped == [] and not other.sent
    with engine.connect() as conn:
        (row,) = list_outbox(conn)
    assert row["status"] == "sending" and row["attempts"] == 1 and row["claimed_at"] == NOW


@pytest.mark.parametrize(
    ("policy", "settled", "sent_after_lease"), [("ask", "unknown", 0), ("resend", "sent", 1)]
)
def test_a_send_cut_off_by_a_crash_is_settled_by_its_transports_policy(
    warehouse_url: str, policy: str, settled: str, sent_after_lease: int
) -> None:
    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        enqueue(conn, [note()], NOW)
    claim(engine, note().key, NOW)  # then the process dies
    transport = Recorder(policy)
    within = deliver(engine, {"ops": transport}, NOW + LEASE - timedelta(seconds=1))
    assert (
        not within.sent
        and not within.unknown
        and statuses(warehouse_url) == {note().key: "sending"}
    )
    after = deliver(engine, {"ops": transport}, NOW + LEASE)
    assert len(transport.sent) == sent_after_lease
    assert statuses(warehouse_url) == {note().key: settled}
    assert after.unknown == ([note().key] if policy == "ask" else [])
    if policy == "ask":  # sent again only when asked
        later = NOW + timedelta(hours=7)
        assert not deliver(engine, {"ops": transport}, later).sent
        with engine.begin() as conn:
            retry_now(conn, later)
        assert not deliver(engine, {"ops": transport}, later).sent
        with engine.begin() as conn:
            retry_now(conn, later, unknown=True)
        assert deliver(engine, {"ops": transport}, later).sent == [note().key]
    with engine.connect() as conn:
        (row,) = list_outbox(conn)
    assert row["status"] == "sent" and row["claimed_at"] is None and row["attempts"] == 2


def test_file_transport_overwrites_when_sent_again(tmp_path: Path) -> None:
    files = FileTransport(tmp_path)
    assert files.after_crash == "resend"
    message = Message("k", "digest", "files", "en", "en", "Digest", {"text": "one"})
    first = files.send(message)
    assert files.send(message) == first and len(list(tmp_path.iterdir())) == 2  # .json .eml


def _sqlite_write_lock_free(url: str) -> bool:
    database = make_url(url).database
    assert database
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


class Witness:
    """A transport that looks at the warehouse from outside while it sends: the row must be
    committed as ``sending`` and, on SQLite, the write lock free."""

    after_crash = "resend"

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[tuple[str, str, bool]] = []

    def send(self, message: Message) -> str:
        with get_engine(self.url).connect() as conn:
            status = conn.execute(
                select(tables.outbox.c.status).where(tables.outbox.c.key == message.key)
            ).scalar_one()
            told = conn.execute(
                select(tables.alert_notices.c.alert_id).where(
                    tables.alert_notices.c.outbox_key == message.key
                )
            ).all()
        free = not self.url.startswith("sqlite") or _sqlite_write_lock_free(self.url)
        self.seen.append(
            (status, message.kind, free and (not message.key.startswith("alerts/") or bool(told)))
        )
        return "witnessed"


@pytest.mark.parametrize("what", ["alerts", "failure"])
def test_notices_are_committed_before_they_go_and_sent_with_no_lock_held(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    config = parse_config({"stores": [SHOP]})
    witness = Witness(warehouse_url)
    fake: Callable[..., dict[str, Any]] = lambda *_: {"files": witness}  # noqa: E731
    monkeypatch.setattr(publishing, "transports", fake)
    if what == "alerts":
        seed_history(warehouse_url, conversion_on_day=0.012)
        run_checks(config, warehouse_url, as_of=AS_OF)
        told = notify_alerts(config, warehouse_url, now=AS_OF)
    else:
        told = tell_failure(
            config, warehouse_url, flow_name="daily-ops", run_id="r1", reason="boom", now=AS_OF
        )
    assert told.delivery.sent and len(witness.seen) == len(told.delivery.sent)
    assert all(s == ("sending", "alert", True) for s in witness.seen)


def _mail_config(path: Path, shop_url: str, smtp: Any) -> Path:
    channels = [
        {
            "name": f"mail-{n}",
            "type": "email",
            "host": smtp.host,
            "port": smtp.port,
            "username": USER,
            "password_env": PASSWORD_ENV,
            "ca_file": str(smtp.ca_file),
            "sender": "storepulse <reports@example.com>",
            "to": [address],
            "reports": ["daily"],
        }
        for n, address in enumerate(RECIPIENTS, 1)
    ]
    config = {"stores": [store_entry(shop_url)], "channels": channels}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.mark.slow  # processes
def test_a_hung_relay_blocks_no_sync_and_a_killed_publish_sends_nothing_twice(
    shop: DemoStore,
    warehouse_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = store_config(shop.url)
    run_sync(store, warehouse_url)
    refresh(store, warehouse_url, today=SMALL_SPEC.end_date)
    dispose_engines()  # the children open the warehouse on their own
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    env = os.environ | {TOKEN_ENV: TOKEN, PASSWORD_ENV: PASSWORD}
    keys = [f"daily/{DAY}/demo/mail-{n}/{a}" for n, a in enumerate(RECIPIENTS, 1)]
    with fake_smtp(tmp_path, hang_on=2) as smtp:
        config_file = _mail_config(tmp_path / "storepulse.yaml", shop.url, smtp)
        publisher = subprocess.Popen(
            [*PUBLISH, str(config_file), warehouse_url, NOW.isoformat(), str(DAY)],
            env=env,
            cwd=ROOT,
        )
        try:
            assert smtp.mailbox.hanging.wait(timeout=180), "the publish never reached the relay"
            assert statuses(warehouse_url) == dict(
                zip(keys, ["sent", "sending", "pending"], strict=True)
            )
            # Another store syncs into the same warehouse while the relay hangs.
            other = store_entry(shop.url, name="other")
            sync = subprocess.run(
                [sys.executable, "-m", "tests.support.helpers", json.dumps(other), warehouse_url],
                check=False,
                env=env,
                cwd=ROOT,
                timeout=50,  # under SQLite's 60 s busy timeout: a held lock would fail it
                capture_output=True,
                text=True,
            )
            assert sync.returncode == 0, sync.stderr[-2000:]
            assert publisher.poll() is None  # still hanging on the second digest
        finally:
            publisher.send_signal(signal.SIGKILL)
            publisher.wait()
        with get_engine(warehouse_url).connect() as conn:
            synced = conn.execute(select(tables.orders.c.store).distinct()).scalars().all()
        assert sorted(synced) == ["demo", "other"]

        # The row cut off mid-send is listed as such.
        monkeypatch.setenv(DATABASE_URL_ENV, warehouse_url)
        listed = CliRunner().invoke(app, ["outbox", "--status", "sending"])
        assert listed.exit_code == 0 and "sending" in listed.output
        assert "mail-2" in listed.output and "mail-1" not in listed.output

        config = parse_config(yaml.safe_load(config_file.read_text()), source=config_file)
        rerun = _publish(config, warehouse_url, NOW + timedelta(minutes=1))
        assert rerun.delivery.sent == [keys[2]]
        assert sorted(rerun.delivery.skipped) == keys[:2]  # sent, and still within its lease
        assert smtp.mailbox.per_recipient() == {RECIPIENTS[0]: 1, RECIPIENTS[2]: 1}

        # Past the lease, email's policy sends the cut-off message again, once.
        after = _publish(config, warehouse_url, NOW + LEASE + timedelta(minutes=1))
        assert after.delivery.sent == [keys[1]] and not after.delivery.unknown
        assert smtp.mailbox.per_recipient() == dict.fromkeys(RECIPIENTS, 1)
    with get_engine(warehouse_url).connect() as conn:
        rows = {r["key"]: r for r in list_outbox(conn)}
    assert [rows[k]["status"] for k in keys] == ["sent"] * 3
    assert [rows[k]["attempts"] for k in keys] == [1, 2, 1]


def _publish(config: Config, url: str, now: datetime) -> publishing.Published[Any]:
    return publish_report("daily", config, url, period=DAY, as_of=now)
