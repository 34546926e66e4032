"""The whole loop, once per way in: a staff reply is mailed to the client, the client answers
it from their mail program (quoted history included), the answer enters by SMTP, the pipe
command, the HTTP endpoint or IMAP, and lands on the ticket stripped, as Customer Reply, in
front of a live subscriber."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from aioimaplib import IMAP4
from mail.fixtures import (
    apple_reply,
    gmail_reply,
    html_only_reply,
    latin1_reply,
    outlook_plain_reply,
    outlook_reply,
    thunderbird_reply,
)
from mailin_support import free_port, next_event, run_jobs, ticket_events

from app.mail.listeners import ImapTarget, poll_imap_once, start_smtp_listener
from app.models import InboundMail, InboundStatus, Message, MessageSource, Ticket, TicketStatus

ALICE = "alice@example.com"
GET = """
query($n: Int!) { ticket(number: $n) { status messages { edges { node {
  body source author { name } } } } } }
"""


def _shape(builder: Callable[..., bytes], expected: str, **kw: object) -> tuple:
    return builder, expected, kw


SHAPES = {
    "gmail": _shape(gmail_reply, "Thanks, it works again!"),
    "outlook": _shape(outlook_reply, "Works now, thanks."),
    "outlook-plain-de": _shape(outlook_plain_reply, "Erledigt, danke."),
    "apple": _shape(apple_reply, "Yes please, go ahead."),
    "thunderbird": _shape(thunderbird_reply, "Thanks for the quick fix."),
    "html-only": _shape(html_only_reply, "Problem solved, you can close the ticket."),
    "latin-1": _shape(latin1_reply, "Grüße aus Köln, das Gerät läuft wieder. Schöne Woche!"),
}


def build_reply(shape: str, thread, message_id: str) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    builder, expected, _ = SHAPES[shape]
    kwargs: dict[str, object] = {
        "from_addr": ALICE,
        "in_reply_to": thread.message_id,
        "message_id": message_id,
    }
    if builder is not latin1_reply:
        kwargs["subject"] = "Re: " + thread.subject
        kwargs["quoted"] = thread.quoted
    return builder(thread.reply_to, **kwargs), expected


async def via_smtp(raw: bytes, to: str, settings, pool) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = await start_smtp_listener(settings, pool, host="127.0.0.1", port=port)
    try:
        errors, reply = await aiosmtplib.send(
            raw, sender=ALICE, recipients=[to], hostname="127.0.0.1", port=port
        )
        assert not errors and reply.startswith("2.0.0 Stored"), reply
    finally:
        server.close()
        await server.wait_closed()


def helpdesk_command() -> str:
    return str(Path(sys.executable).parent / "helpdesk")


async def pipe(raw: bytes, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        helpdesk_command(),
        "mail-in",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, err = await asyncio.wait_for(process.communicate(raw), 60)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def via_http(raw: bytes, base: str, secret: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{base}/mail/inbound",
            content=raw,
            headers={"X-Inbound-Secret": secret, "Content-Type": "message/rfc822"},
        )
    assert response.status_code == 202, response.text


async def via_imap(raw: bytes, dovecot, pool, settings) -> None:  # type: ignore[no-untyped-def]
    target = ImapTarget.from_url(dovecot.url)
    client = IMAP4("127.0.0.1", target.port)
    await client.wait_hello_from_server()
    await client.login(target.user, target.password)
    assert (await client.append(raw, mailbox="INBOX")).result == "OK"
    await client.logout()
    result = await poll_imap_once(target, pool, settings=settings)
    assert result.stored == 1


CASES = [
    ("smtp", "gmail"),
    ("smtp", "html-only"),
    ("pipe", "outlook"),
    ("pipe", "latin-1"),
    ("http", "apple"),
    ("http", "outlook-plain-de"),
    ("imap", "thunderbird"),
]


@pytest.mark.parametrize(("transport", "shape"), CASES, ids=[f"{t}-{s}" for t, s in CASES])
async def test_reply_by_mail_lands_on_the_ticket(
    transport, shape, thread, world, gql, live_server, settings, pool, redis, request
) -> None:  # type: ignore[no-untyped-def]
    raw, expected = build_reply(shape, thread, f"<{transport}.{shape}@mail.example.com>")
    async with ticket_events(live_server, world.staff_x.token, thread.number) as seen:
        if transport == "smtp":
            await via_smtp(raw, thread.reply_to, settings, pool)
        elif transport == "pipe":
            code, err = await pipe(raw)
            assert code == 0, err
        elif transport == "http":
            secret = request.getfixturevalue("inbound_secret")
            await via_http(raw, live_server, secret)
        else:
            await via_imap(raw, request.getfixturevalue("dovecot"), pool, settings)
        await run_jobs(settings)
        event = await next_event(seen, "MESSAGE_ADDED")

    assert event["message"] == {
        "body": expected,
        "source": "EMAIL",
        "author": {"name": "Alice Client"},
    }
    assert event["ticket"]["status"] == "CUSTOMER_REPLY"
    stored = await InboundMail.get(transport=transport)
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    ticket = await Ticket.get(number=thread.number)
    assert ticket.status is TicketStatus.CUSTOMER_REPLY
    latest = await Message.filter(ticket_id=ticket.id).order_by("-id").first()
    assert latest is not None
    assert (latest.body, latest.source, latest.author_id) == (
        expected,
        MessageSource.EMAIL,
        world.client_a.id,
    )
    # What the client sees in the portal: their words, without the quoted notification.
    data = await gql.data(GET, {"n": thread.number}, token=world.client_a.token)
    bodies = [e["node"]["body"] for e in data["ticket"]["messages"]["edges"]]
    assert bodies[-1] == expected
    assert "Please type your reply above this line" not in bodies[-1]
