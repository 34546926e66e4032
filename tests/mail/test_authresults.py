"""Which Authentication-Results headers vouch for a From address (app/mail/authresults.py):
only the topmost one from our receiving server (MAIL_AUTHSERV_ID), saying dmarc=pass for the
From domain or dkim=pass signed by exactly that domain. Every forgery a sender can write into
its own message proves nothing."""

from __future__ import annotations

import pytest

from app.mail.authresults import verdict
from app.mail.parsing import parse_mail

OURS = "mx.helpdesk.test"
SAM = "sam@example.com"


def check(*headers: str, authserv_id: str | None = OURS, senders: tuple[str, ...] = (SAM,)):  # type: ignore[no-untyped-def]
    return verdict(list(headers), authserv_id=authserv_id, from_addresses=list(senders))


PROVEN = {
    "dmarc=pass": "mx.helpdesk.test; dmarc=pass (p=reject dis=none) header.from=example.com",
    "one header for every method (Gmail, rspamd)": (
        "mx.helpdesk.test; dkim=pass header.i=@example.com header.s=20230601 header.b=Xyz1; "
        "spf=pass (domain of sam@example.com designates 192.0.2.1 as permitted sender) "
        "smtp.mailfrom=sam@example.com; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"
    ),
    "case and comments anywhere": (
        "MX.Helpdesk.TEST (Postfix) 1; DMARC=Pass (policy=reject) header.from=EXAMPLE.COM"
    ),
    "dkim=pass with header.d": (
        "mx.helpdesk.test; dkim=pass (2048-bit key; unprotected) header.d=example.com "
        "header.s=sel1 header.a=rsa-sha256 header.b=AbCd"
    ),
    "dkim=pass with header.i": "mx.helpdesk.test; dkim=pass header.i=@example.com",
    "dkim=pass with a user in header.i": "mx.helpdesk.test; dkim=pass header.i=sam@example.com",
    "one of two signatures is the From domain's": (
        "mx.helpdesk.test; dkim=pass header.d=esp.example.net; dkim=pass header.d=example.com"
    ),
    "aligned dkim where the domain has no DMARC record": (
        "mx.helpdesk.test; dkim=pass header.d=example.com; dmarc=none header.from=example.com"
    ),
}


@pytest.mark.parametrize("header", PROVEN.values(), ids=PROVEN.keys())
def test_our_server_vouching_for_the_from_domain_proves_the_sender(header: str) -> None:
    result = check(header)
    assert result.proven, result.why
    assert result.why.startswith(f"{OURS}: d")
    assert result.why.endswith("=pass for example.com")


def test_headers_of_other_servers_above_ours_are_passed_over() -> None:
    """An internal relay or filter behind our MX adds its own header on top."""
    relay = "relay.internal.example; dmarc=fail header.from=example.com"
    assert check(relay, PROVEN["dmarc=pass"]).proven


FORGED: dict[str, tuple[tuple[str, ...], str]] = {
    "no header at all": ((), "no Authentication-Results from mx.helpdesk.test"),
    "another server's id": (("mx.evil.example; dmarc=pass header.from=example.com",), "no Auth"),
    "our id as a prefix": (
        ("mx.helpdesk.test.evil.example; dmarc=pass header.from=example.com",),
        "no Auth",
    ),
    "our id as a suffix": (("evil-mx.helpdesk.test; dmarc=pass header.from=example.com",), "no"),
    "our id only in a comment": (
        ("(mx.helpdesk.test) mx.evil.example; dmarc=pass header.from=example.com",),
        "no Auth",
    ),
    "dmarc=fail": (("mx.helpdesk.test; dmarc=fail (p=reject) header.from=example.com",), "fail"),
    "dmarc=none": (("mx.helpdesk.test; dmarc=none header.from=example.com",), "dmarc=none"),
    "dmarc=temperror": (("mx.helpdesk.test; dmarc=temperror header.from=example.com",), "temp"),
    "dmarc=pass for another domain": (
        ("mx.helpdesk.test; dmarc=pass header.from=evil.example",),
        "does not vouch for example.com",
    ),
    "dmarc=pass for a subdomain": (
        ("mx.helpdesk.test; dmarc=pass header.from=mail.example.com",),
        "does not vouch",
    ),
    "dmarc=pass naming no domain": (("mx.helpdesk.test; dmarc=pass",), "does not vouch"),
    "dkim=pass for another domain": (
        ("mx.helpdesk.test; dkim=pass header.d=evil.example; dmarc=none",),
        "does not vouch",
    ),
    "dkim=pass for a look-alike domain": (
        ("mx.helpdesk.test; dkim=pass header.d=example.com.evil.example",),
        "does not vouch",
    ),
    "dkim=pass for a parent or sister domain (strict alignment)": (
        ("mx.helpdesk.test; dkim=pass header.d=mail.example.com",),
        "does not vouch",
    ),
    "dkim=pass naming no domain": (("mx.helpdesk.test; dkim=pass header.s=sel1",), "not vouch"),
    "dkim=fail for the From domain": (
        ("mx.helpdesk.test; dkim=fail (bad signature) header.d=example.com",),
        "dkim=fail",
    ),
    "aligned dkim=pass but dmarc=fail": (
        ("mx.helpdesk.test; dkim=pass header.d=example.com; dmarc=fail header.from=example.com",),
        "dmarc=fail",
    ),
    "spf=pass alone": (("mx.helpdesk.test; spf=pass smtp.mailfrom=sam@example.com",), "spf=pass"),
    "no result": (("mx.helpdesk.test 1; none",), "says none"),
    "dmarc=pass for an empty domain": (
        ("mx.helpdesk.test; dmarc=pass header.from=",),
        "does not vouch",
    ),
    "malformed: junk": (
        ("mx.helpdesk.test; ;; =pass",),
        "malformed Authentication-Results from mx.helpdesk.test",
    ),
    "malformed: a quoted authserv-id": (
        ('"mx.helpdesk.test"; dmarc=pass header.from=example.com',),
        "malformed",
    ),
    "malformed: a NUL byte": (("mx.helpdesk.test; dmarc=pass header.from=exa\x00mple.com",), "mal"),
    "our real header says fail, a forged one below says pass": (
        (
            "mx.helpdesk.test; spf=softfail smtp.mailfrom=eve@evil.example; "
            "dmarc=fail header.from=example.com",
            "mx.helpdesk.test; dmarc=pass header.from=example.com",
        ),
        "dmarc=fail",
    ),
    "our real header finds no DMARC record, a forged one below claims aligned DKIM": (
        (
            "mx.helpdesk.test; dkim=pass header.d=evil.example; dmarc=none header.from=example.com",
            "mx.helpdesk.test; dkim=pass header.d=example.com",
        ),
        "does not vouch",
    ),
    "our real header is malformed, a forged one below says pass": (
        ("mx.helpdesk.test; dmarc", "mx.helpdesk.test; dmarc=pass header.from=example.com"),
        "malformed",
    ),
}


@pytest.mark.parametrize(("headers", "why"), FORGED.values(), ids=FORGED.keys())
def test_what_a_sender_can_write_proves_nothing(headers: tuple[str, ...], why: str) -> None:
    result = check(*headers)
    assert not result.proven
    assert why in result.why or result.why.startswith(why)


def test_without_a_trusted_server_no_header_counts() -> None:
    result = check(PROVEN["dmarc=pass"], authserv_id=None)
    assert (result.proven, result.why) == (False, "MAIL_AUTHSERV_ID is not set")


def test_a_message_with_two_from_addresses_proves_nothing() -> None:
    result = check(PROVEN["dmarc=pass"], senders=(SAM, "eve@evil.example"))
    assert (result.proven, result.why) == (
        False,
        "the message does not have exactly one From address",
    )


def _as_received(body_headers: str, *, trace: str = "") -> bytes:
    message = (
        f"{trace}"
        f"{body_headers}"
        "From: Sam Staff <sam@example.com>\r\n"
        "To: support@helpdesk.test\r\n"
        "Subject: [Ticket #1006] Refund\r\n"
        "Message-ID: <a.1@example.com>\r\n"
        "\r\n"
        "Authentication-Results: mx.helpdesk.test; dmarc=pass header.from=example.com\r\n"
    )
    return message.encode()


REAL_TOP = (
    "Authentication-Results: mx.helpdesk.test;\r\n"
    "\tdkim=none (message not signed);\r\n"
    "\tdmarc=none (p=none dis=none) header.from=example.com\r\n"
    "Received: from mail.evil.example (mail.evil.example [192.0.2.66])\r\n"
    "\tby mx.helpdesk.test (Postfix) with ESMTPS id 4VtQ2j; Tue, 4 Jun 2024 09:30:01 +0000\r\n"
)


def test_only_top_level_headers_are_read_topmost_first_and_unfolded() -> None:
    forged_below = "Authentication-Results: mx.helpdesk.test; dkim=pass header.d=example.com\r\n"
    parsed = parse_mail(_as_received(forged_below, trace=REAL_TOP))
    assert parsed.authentication_results == [
        "mx.helpdesk.test;\tdkim=none (message not signed);\tdmarc=none (p=none dis=none) "
        "header.from=example.com",
        "mx.helpdesk.test; dkim=pass header.d=example.com",
    ]  # the one in the body is not a header
    result = verdict(
        parsed.authentication_results, authserv_id=OURS, from_addresses=parsed.from_addresses
    )
    assert not result.proven
    assert result.why == (
        "mx.helpdesk.test says dkim=none; dmarc=none, which does not vouch for example.com"
    )
