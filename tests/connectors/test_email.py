"""Email over a real SMTP server: STARTTLS, login, several recipients, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.email import SmtpServer
from connectors.errors import DispatchError
from tasks.delivery.outbox import Message
from tasks.delivery.transports import email_message
from tests.fakes.smtp import PASSWORD, USER, FakeSmtp, fake_smtp


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[FakeSmtp]:
    with fake_smtp(tmp_path) as server:
        yield server


def server(smtp: FakeSmtp, password: str = PASSWORD) -> SmtpServer:
    return SmtpServer(
        smtp.host, smtp.port, "starttls", USER, SecretStr(password), ca_file=smtp.ca_file
    )


def digest(subject: str = "每日简报 · demo") -> Message:
    bodies = {"text": "Net sales $1,234", "html": "<p>Net sales <b>$1,234</b></p>"}
    return Message("daily/x", "digest", "mail", "ops", "zh-CN", subject, bodies)


def test_an_email_reaches_every_to_and_cc_over_starttls(smtp: FakeSmtp) -> None:
    email = email_message(
        digest(),
        "storepulse <reports@example.com>",
        ["a@example.com", "b@example.com"],
        ["c@example.com"],
    )
    message_id = server(smtp).send(email)
    (got,) = smtp.mailbox.received
    assert sorted(got.recipients) == ["a@example.com", "b@example.com", "c@example.com"]
    assert got.message["Message-ID"] == message_id
    assert got.message["Subject"] == "每日简报 · demo"
    assert got.message["Cc"] == "c@example.com"
    html = got.message.get_body(("html",))
    text = got.message.get_body(("plain",))
    assert html is not None and "<b>$1,234</b>" in html.get_content()
    assert text is not None and "$1,234" in text.get_content()


def test_a_subject_cannot_inject_headers(smtp: FakeSmtp) -> None:
    email = email_message(
        digest("Hi\r\nBcc: victim@example.com"), "r@example.com", ["a@example.com"]
    )
    server(smtp).send(email)
    (got,) = smtp.mailbox.received
    assert got.recipients == ["a@example.com"]
    assert got.message["Bcc"] is None


def test_a_refused_login_is_clear_and_keeps_the_password_out(smtp: FakeSmtp) -> None:
    with pytest.raises(DispatchError, match=r"login as 'reports@example\.com' refused") as caught:
        server(smtp, "wrong-password-777").send(email_message(digest(), "r@x.com", ["a@x.com"]))
    assert "wrong-password-777" not in str(caught.value)
    assert smtp.mailbox.received == []


def test_an_untrusted_certificate_is_refused(smtp: FakeSmtp) -> None:
    untrusting = SmtpServer(smtp.host, smtp.port, "starttls", USER, SecretStr(PASSWORD))
    with pytest.raises(DispatchError, match="SSLCertVerificationError"):
        untrusting.check()
    assert server(smtp).check() == f"{smtp.host}:{smtp.port}"
