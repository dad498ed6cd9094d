"""Email over SMTP: STARTTLS (port 587), implicit TLS (465) or plain (a local relay), with login.

Certificates are verified; ``ca_file`` trusts a private authority (a company relay). Errors
name the server and the SMTP reply, never the password.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from connectors.errors import DispatchError

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int | None = None
    security: Security = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = None
    timeout: float = 30

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port or DEFAULT_PORTS[self.security]}"

    def send(self, message: EmailMessage) -> str:
        """Send to every To and Cc address; return the Message-ID."""
        try:
            with self._open() as smtp:
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise DispatchError(
                f"email via {self.address}: login as {self.username!r} refused ({exc.smtp_code})"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DispatchError(
                f"email via {self.address}: every recipient refused ({', '.join(exc.recipients)})"
            ) from None
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error
            if isinstance(reply, bytes):
                reply = reply.decode("utf-8", "replace")
            raise DispatchError(f"email via {self.address}: {exc.smtp_code} {reply}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DispatchError(f"email via {self.address}: {type(exc).__name__}: {exc}") from None
        if refused:
            raise DispatchError(
                f"email via {self.address}: refused for {', '.join(sorted(refused))}"
            )
        return str(message["Message-ID"])

    def check(self) -> str:
        """Connect and log in without sending: proves the settings work."""
        try:
            with self._open() as smtp:
                smtp.noop()
        except (smtplib.SMTPException, OSError) as exc:
            raise DispatchError(f"email via {self.address}: {type(exc).__name__}") from None
        return self.address

    def _open(self) -> smtplib.SMTP:
        """A connection, secured and logged in as configured."""
        port = self.port or DEFAULT_PORTS[self.security]
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                secret = self.password.get_secret_value() if self.password else ""
                smtp.login(self.username, secret)
        except BaseException:
            smtp.close()
            raise
        return smtp
