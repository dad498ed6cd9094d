"""A real SMTP server (aiosmtpd) for the email tests: STARTTLS required, login required.

Its certificate is made for the test, for 127.0.0.1; clients trust it through ``ca_file``,
exactly as a company relay with a private authority is configured. With ``hang_on=n`` it plays a
relay that hangs: it takes the n-th message's data and withholds its reply until released (then
refuses it, so a message cut off there was never taken on).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "reports@example.com"
PASSWORD = "smtp-password-0123456789"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)
    #: The message (counted from 1) whose reply is withheld until :meth:`release`; None: none.
    hang_on: int | None = None
    #: Set once the hanging message's data has arrived.
    hanging: threading.Event = field(default_factory=threading.Event)
    _seen: int = 0
    _released: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._seen += 1
        if self._seen == self.hang_on:
            self.hanging.set()
            await asyncio.get_running_loop().run_in_executor(None, self._released.wait)
            return "451 Requested action aborted: the relay gave up"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def release(self) -> None:
        """Answer the hanging message (with a refusal), if one is waiting."""
        self._released.set()

    def per_recipient(self) -> Counter[str]:
        """How many messages each address received."""
        return Counter(address for r in self.received for address in r.recipients)


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == USER
        and data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class FakeSmtp:
    host: str
    port: int
    ca_file: Path
    mailbox: Mailbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fake_smtp(directory: Path, hang_on: int | None = None) -> Iterator[FakeSmtp]:
    cert_file, key_file = certificate(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    mailbox = Mailbox(hang_on=hang_on)
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield FakeSmtp("127.0.0.1", controller.port, cert_file, mailbox)
    finally:
        mailbox.release()
        controller.stop()
