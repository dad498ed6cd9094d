"""The outbox: stored before sent, sent once, retried until it goes, written as files."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.config import StoreConfig, parse_config
from connectors.sandbox import DemoStore
from reports.i18n import Locale
from reports.model import Renderers
from tasks.delivery.outbox import Message, deliver, enqueue, list_outbox
from tasks.delivery.pages import stored_languages
from tasks.delivery.publish import publish_report, render_message
from tasks.delivery.routes import Route
from tasks.delivery.transports import FileTransport, email_message, outbox_dir, transports
from tasks.metrics.compute import refresh
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import SMALL_SPEC, store_config
from tests.fakes.slack import BOT_TOKEN, fake_slack
from tests.fakes.slack import TOKEN_ENV as SLACK_TOKEN_ENV
from tests.fakes.smtp import PASSWORD, USER, fake_smtp
from tests.support.helpers import run_sync

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


class Flaky:
    """Fails the first ``failures`` sends, like a Slack outage, then works."""

    after_crash = "ask"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send(self, message: Message) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("slack.com unreachable")
        self.sent.append(message.key)
        return f"ts-{len(self.sent)}"


def message(key: str = "daily/2026-11-24/demo/ops/en") -> Message:
    return Message(key, "digest", "ops", "#ops", "en", "Daily digest", {"text": "hello"})


def test_a_message_is_sent_once_however_often_it_is_queued(warehouse_url: str) -> None:
    transport = Flaky(0)
    engine = get_engine(warehouse_url)
    for _ in range(3):  # a rerun, a duplicate scheduled run
        with engine.begin() as conn:
            keys = enqueue(conn, [message()], NOW)
        deliver(engine, {"ops": transport}, NOW, keys)
    assert transport.sent == [message().key]
    with engine.begin() as conn:
        keys = enqueue(conn, [message()], NOW, resend=True)
    deliver(engine, {"ops": transport}, NOW, keys)
    assert transport.sent == [message().key] * 2


def test_a_failed_send_is_kept_and_delivered_by_a_later_run(warehouse_url: str) -> None:
    transport = Flaky(1)
    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        enqueue(conn, [message()], NOW)
    first = deliver(engine, {"ops": transport}, NOW)
    assert first.failed == [message().key] and not transport.sent
    with engine.connect() as conn:
        row = list_outbox(conn)[0]
    assert row["status"] == "failed" and "slack.com unreachable" in row["last_error"]
    assert not deliver(engine, {"ops": transport}, NOW + timedelta(minutes=1)).sent  # backing off
    later = deliver(engine, {"ops": transport}, NOW + timedelta(minutes=6))
    assert later.sent == [message().key] and transport.sent == [message().key]


def test_files_stand_in_for_channels_without_credentials(tmp_path: Path) -> None:
    hostile = Message(
        "daily/x",
        "digest",
        "files",
        "ops@example.com\r\nBcc: everyone@example.com",
        "en",
        "Digest\r\nBcc: everyone@example.com",
        {"text": "hi", "html": "<p>hi</p>", "blocks": []},
    )
    reference = FileTransport(tmp_path).send(hostile)
    assert Path(reference).read_text() == "<p>hi</p>"
    mail = email.message_from_bytes((tmp_path / "daily_x.eml").read_bytes(), policy=policy.default)
    assert mail["Bcc"] is None and "\n" not in mail["Subject"]
    assert mail.get_body(("html",)).get_content().strip() == "<p>hi</p>"
    raw = email_message(hostile).as_bytes()
    assert not any(line.startswith(b"Bcc:") for line in raw.splitlines())


@pytest.fixture
def synced(shop: DemoStore, sqlite_url: str) -> StoreConfig:
    store = store_config(shop.url)
    run_sync(store, sqlite_url)
    refresh(store, sqlite_url, today=SMALL_SPEC.end_date)  # type: ignore[arg-type]
    return store


def test_the_daily_digest_goes_out_once_per_language(
    synced: StoreConfig, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path))
    config = parse_config({"stores": [synced.model_dump(mode="json")]})
    day = SMALL_SPEC.end_date - timedelta(days=1)  # type: ignore[operator]
    run = publish_report("daily", config, sqlite_url, period=day, as_of=NOW)
    assert sorted(run.delivery.sent) == [
        f"daily/{day}/demo/files/en",
        f"daily/{day}/demo/files/zh-CN",
    ]
    html = Path(run.references[f"daily/{day}/demo/files/zh-CN"]).read_text()
    assert "每日简报" in html and 'id="kpis"' in html
    again = publish_report("daily", config, sqlite_url, period=day, as_of=NOW)
    assert not again.delivery.sent and len(again.delivery.skipped) == 2
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(select(tables.outbox.c.key)).scalars().all() == sorted(
            run.delivery.sent
        )
    with get_engine(sqlite_url).connect() as conn:  # the pages, written once, charts inlined
        pages = {r.language: r.html for r in conn.execute(select(tables.report_pages))}
        assert stored_languages(conn, [f"daily/{day}/demo"]) == {
            f"daily/{day}/demo": ["en", "zh-CN"]
        }
    assert "每日简报" in pages["zh-CN"] and "data:image/png;base64," in pages["en"]
    assert "cid:" not in pages["en"]
    resent = publish_report(
        "daily", config, sqlite_url, period=day, as_of=NOW + timedelta(hours=1), resend=True
    )
    assert len(resent.delivery.sent) == 2
    with get_engine(sqlite_url).connect() as conn:
        written = set(conn.execute(select(tables.report_pages.c.created_at)).scalars())
    assert written == {NOW + timedelta(hours=1)}  # a resend writes the pages again
    assert date.fromisoformat(str(day)) == run.reports[0].day
    sales = {k.metric: k for k in run.reports[0].kpis}["net_sales"]
    assert sales.trend[-1] == pytest.approx(sales.value)  # the chart ends on the day, same units


def test_the_digest_goes_to_slack_and_email_in_each_channels_language(
    synced: StoreConfig, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SLACK_TOKEN_ENV, BOT_TOKEN)
    monkeypatch.setenv("STOREPULSE_TEST_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    day = SMALL_SPEC.end_date - timedelta(days=1)  # type: ignore[operator]
    with fake_slack() as slack, fake_smtp(tmp_path) as smtp:
        channels = [
            slack.channel(name="ops-cn", language="zh-CN"),
            {
                "name": "managers",
                "type": "email",
                "host": smtp.host,
                "port": smtp.port,
                "username": USER,
                "password_env": "STOREPULSE_TEST_SMTP_PASSWORD",
                "ca_file": str(smtp.ca_file),
                "sender": "storepulse <reports@example.com>",
                "to": ["lead@example.com", "analyst@example.com"],
                "cc": ["ceo@example.com"],
                "reports": ["daily"],
            },
        ]
        config = parse_config({"stores": [synced.model_dump(mode="json")], "channels": channels})
        run = publish_report("daily", config, sqlite_url, period=day, as_of=NOW)
        again = publish_report("daily", config, sqlite_url, period=day, as_of=NOW)

    assert sorted(run.delivery.sent) == [
        f"daily/{day}/demo/managers/lead@example.com,analyst@example.com,ceo@example.com",
        f"daily/{day}/demo/ops-cn/#ops",
    ]
    assert not again.delivery.sent and len(again.delivery.skipped) == 2
    top = [m for m in slack.state.messages if m.thread_ts is None]
    assert len(top) == 1 and "每日简报" in str(top[0].blocks)
    files = {f["name"]: f for f in slack.state.files.values()}
    assert sorted(files) == ["kpi-trends.png", "report.html"]
    assert all(f["thread_ts"] == top[0].ts for f in files.values())
    assert "每日简报".encode() in files["report.html"]["content"]
    assert files["kpi-trends.png"]["content"].startswith(b"\x89PNG")
    (mail,) = smtp.mailbox.received
    assert len(mail.recipients) == 3 and mail.message["Subject"].startswith("Daily digest")
    html = mail.message.get_body(("html",))
    assert html is not None and 'src="cid:kpi-trends.png"' in html.get_content()
    (chart,) = [part for part in mail.message.walk() if part.get_content_type() == "image/png"]
    assert chart["Content-ID"] == "<kpi-trends.png>"
    assert not (tmp_path / "outbox").exists()  # channels configured: no files written


def test_the_weekly_review_reads_the_warehouse_and_goes_out_once(
    synced: StoreConfig, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path))
    config = parse_config({"stores": [synced.model_dump(mode="json")]})
    as_of = datetime(2026, 3, 31, 14, 0, tzinfo=UTC)  # a Tuesday: the last whole week is 23–29
    run = publish_report("weekly", config, sqlite_url, as_of=as_of)
    (review,) = run.reports
    assert review.week == date(2026, 3, 23)
    kpis = {k.metric: k for k in review.kpis}
    assert kpis["orders"].value and kpis["orders"].vs_prior.ratio is not None
    assert review.channels and abs(sum(c.share for c in review.channels) - 1) < 1e-9
    assert review.cohorts and review.cohorts[0].retention[0] == 1.0
    assert review.top_products
    assert sorted(run.delivery.sent) == [
        "weekly/2026-03-23/demo/files/en",
        "weekly/2026-03-23/demo/files/zh-CN",
    ]
    html = Path(str(run.references["weekly/2026-03-23/demo/files/zh-CN"])).read_text()
    assert "每周复盘" in html and 'id="cohorts"' in html
    again = publish_report("weekly", config, sqlite_url, as_of=as_of)
    assert not again.delivery.sent and len(again.delivery.skipped) == 2


def test_a_slack_outage_in_one_run_is_delivered_by_the_next(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SLACK_TOKEN_ENV, BOT_TOKEN)
    with fake_slack() as slack:
        store = store_config("http://127.0.0.1:1").model_dump(mode="json")
        config = parse_config({"stores": [store], "channels": [slack.channel()]})
        transport = transports(config)
        note = Message("daily/x/demo/ops/#ops", "digest", "ops", "#ops", "en", "Digest", {
            "text": "hi", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
        })  # fmt: skip
        slack.state.down = True
        engine = get_engine(sqlite_url)
        with engine.begin() as conn:
            queued = enqueue(conn, [note], NOW)
        first = deliver(engine, transport, NOW, queued)
        slack.state.down = False
        later = NOW + timedelta(minutes=5)
        second = deliver(engine, transport, later)
        with engine.connect() as conn:
            (row,) = list_outbox(conn)
    assert first.failed == [note.key] and second.sent == [note.key]
    assert row["status"] == "sent" and row["attempts"] == 2
    assert [m.text for m in slack.state.messages] == ["Digest"]


def test_routes_in_one_language_share_one_rendering() -> None:
    drawn: list[str] = []

    def chart(model: object, t: Locale) -> dict[str, bytes]:
        drawn.append(t.language)
        return {"kpi-trends.png": b"png"}

    def word(model: object, t: Locale) -> str:
        return f"digest in {t.language}"

    media = {"text": word, "html": word, "markdown": word, "blocks": lambda model, t: []}
    renderers = Renderers(word, media, chart)
    rendered: dict[str, tuple[str, dict[str, Any]]] = {}
    messages = [
        render_message(
            None, renderers, Route(channel, channel, language), "daily/x", rendered=rendered
        )
        for channel, language in (("slack", "en"), ("mail", "en"), ("team-cn", "zh-CN"))
    ]
    assert drawn == ["en", "zh-CN"]  # two languages, two charts, for three channels
    assert [m.key for m in messages] == [
        "daily/x/slack/slack",
        "daily/x/mail/mail",
        "daily/x/team-cn/team-cn",
    ]
    assert messages[0].bodies == messages[1].bodies and messages[0].bodies is not messages[1].bodies


def test_the_file_channel_writes_beside_the_warehouse_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STOREPULSE_OUTBOX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert outbox_dir("sqlite:///data/shop.db") == tmp_path / "data" / "shop-outbox"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    server = outbox_dir("postgresql+psycopg://127.0.0.1/storepulse")
    assert server == tmp_path / "share" / "storepulse" / "outbox"
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "chosen"))
    assert outbox_dir("sqlite:///data/shop.db") == tmp_path / "chosen"
