"""SMTP_URL forms and how SMTP failures are classified (retry or give up)."""

from __future__ import annotations

import aiosmtplib
import pytest

from app.config import ConfigError, SmtpConfigError, SmtpTarget, load_settings
from app.mail.outbound.send import classify


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, False, None, None, None)),
        ("smtp://127.0.0.1:8026", ("127.0.0.1", 8026, False, None, None, None)),
        (
            "smtp://user%40example.com:p%3Ass@mail.example.com?starttls=1",
            ("mail.example.com", 587, False, True, "user@example.com", "p:ss"),
        ),
        ("smtp://relay:25?starttls=0", ("relay", 25, False, False, None, None)),
        ("smtps://u:p@mail.example.com", ("mail.example.com", 465, True, False, "u", "p")),
        ("smtps://u:p@mail.example.com:2465", ("mail.example.com", 2465, True, False, "u", "p")),
    ],
)
def test_smtp_url_forms(url, expected):
    target = SmtpTarget.from_url(url)
    got = (
        target.host,
        target.port,
        target.use_tls,
        target.start_tls,
        target.username,
        target.password,
    )
    assert got == expected
    assert target.validate_certs


def test_smtp_url_options():
    target = SmtpTarget.from_url("smtp://h:1025?verify=0&timeout=2.5")
    assert not target.validate_certs and target.timeout == 2.5


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mail.example.com", "smtp://"),
        ("smtp://", "no host"),
        ("smtps://h?starttls=1", "already uses TLS"),
        ("smtp://h?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://h?timeout=soon", "timeout"),
        ("smtp://h:99999", "port"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong(url, words):
    with pytest.raises(SmtpConfigError, match=words):
        SmtpTarget.from_url(url)


def refused(code: int) -> aiosmtplib.SMTPRecipientsRefused:
    return aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(code, "nope", "a@example.com")]
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (aiosmtplib.SMTPConnectError("refused"), True),
        (aiosmtplib.SMTPServerDisconnected("gone"), True),
        (aiosmtplib.SMTPReadTimeoutError("slow"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (refused(550), False),
        (refused(451), True),
        (aiosmtplib.SMTPRecipientRefused(552, "full", "a@example.com"), False),
        (aiosmtplib.SMTPSenderRefused(553, "bad sender", "s@example.com"), False),
        (aiosmtplib.SMTPDataError(554, "spam"), False),
        (aiosmtplib.SMTPDataError(452, "later"), True),
        (aiosmtplib.SMTPAuthenticationError(535, "bad login"), True),
        (aiosmtplib.SMTPNotSupported("no STARTTLS"), True),
        (aiosmtplib.SMTPResponseException(421, "shutting down"), True),
        (ValueError("bad address"), False),
    ],
)
def test_failures_are_classified(error, transient):
    failure = classify(error)
    assert failure.transient is transient
    assert failure.error


def test_a_bad_smtp_url_stops_the_start_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.com?starttls=sometimes")
    with pytest.raises(ConfigError, match=r"SMTP_URL: .*starttls must be 1 or 0"):
        load_settings()
    monkeypatch.setenv("SMTP_URL", "smtps://u:p@mail.example.com?verify=0")
    assert load_settings().smtp == "smtps://u:p@mail.example.com?verify=0"
