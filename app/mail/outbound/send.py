"""Sending one message through aiosmtplib, with failures classified as transient or permanent.
Where to send is the ``SmtpTarget`` that ``SMTP_URL`` names (``app.config``)."""

from __future__ import annotations

import ssl
import time
from email.message import EmailMessage

import aiosmtplib

from app.config import SmtpTarget


class SendFailure(Exception):
    """A message that did not go out. ``transient`` failures are worth retrying."""

    def __init__(self, *, transient: bool, error: str) -> None:
        super().__init__(error)
        self.transient = transient
        self.error = error


async def send_message(
    target: SmtpTarget, message: EmailMessage, *, sender: str, recipients: list[str]
) -> None:
    """Deliver ``message`` on a connection of its own; raise SendFailure when not accepted."""
    try:
        await aiosmtplib.send(
            message,
            sender=sender,
            recipients=recipients,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            validate_certs=target.validate_certs,
            timeout=target.timeout,
        )
    except Exception as exc:
        raise classify(exc) from exc


class SmtpPool:
    """Open connections to one server, reused between mails (a worker sends many a second).

    A connection that failed in any way is closed, never reused. A reused connection the
    server has dropped meanwhile gets one more try on a new connection.
    """

    def __init__(self, target: SmtpTarget, *, keep: int = 10, idle_seconds: float = 30.0):
        self.target = target
        self.keep = keep
        self.idle_seconds = idle_seconds
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    async def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        client = self._take()
        try:
            if client is not None:
                try:
                    await client.send_message(message, sender=sender, recipients=recipients)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    client.close()
                    client = None
            if client is None:
                client = await self._connect()
                await client.send_message(message, sender=sender, recipients=recipients)
        except Exception as exc:
            if client is not None:
                client.close()
            raise classify(exc) from exc
        self._give_back(client)

    async def _connect(self) -> aiosmtplib.SMTP:
        t = self.target
        client = aiosmtplib.SMTP(
            hostname=t.host,
            port=t.port,
            username=t.username,
            password=t.password,
            use_tls=t.use_tls,
            start_tls=t.start_tls,
            validate_certs=t.validate_certs,
            timeout=t.timeout,
        )
        await client.connect()
        return client

    def _take(self) -> aiosmtplib.SMTP | None:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and time.monotonic() - since < self.idle_seconds:
                return client
            client.close()
        return None

    def _give_back(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self.keep and client.is_connected:
            self._idle.append((client, time.monotonic()))
        else:
            client.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            try:
                await client.quit(timeout=2)
            except Exception:
                client.close()


def classify(exc: BaseException) -> SendFailure:
    """Transient: the server or network is unavailable, a 4xx reply, or a problem of our own
    set-up (login, TLS) that an administrator can fix without the message changing.
    Permanent: a 5xx reply about this message, its sender or its recipient."""
    text = f"{type(exc).__name__}: {exc}".strip()
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        details = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return SendFailure(transient=all(400 <= c < 500 for c in codes), error=details or text)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError | aiosmtplib.SMTPNotSupported):
        return SendFailure(transient=True, error=text)
    if isinstance(
        exc,
        aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError,
    ):
        return SendFailure(transient=not 500 <= exc.code < 600, error=text)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendFailure(transient=exc.code < 500 or exc.code >= 600, error=text)
    if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError | ssl.SSLError):
        return SendFailure(transient=True, error=text)
    if isinstance(exc, ValueError | TypeError | UnicodeError):
        return SendFailure(transient=False, error=text)  # a message we cannot even encode
    return SendFailure(transient=True, error=text)
