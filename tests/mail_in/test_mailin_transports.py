"""Each way in acknowledges a message only once it is stored, and makes the sender retry
when it cannot be: SMTP 451, HTTP 503 with Retry-After, exit code 75, or the message left in
the IMAP mailbox. Redis going away is a real redis-server stopped; the database going away is
a database URL nobody answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiosmtplib
import httpx
import pytest
from aioimaplib import IMAP4
from arq.connections import ArqRedis, RedisSettings, create_pool
from mail.fixtures import plain_reply
from mailin_support import free_port, new_ticket
from redis_server import RedisServer
from test_mailin_loop import pipe

from app.config import get_settings
from app.mail import tokens
from app.mail.inbound.intake import job_id
from app.mail.listeners import ImapTarget, poll_imap_once, start_smtp_listener
from app.main import create_app
from app.models import InboundMail, InboundStatus
from app.workers.queue import ArqJobQueue


@pytest.fixture
async def dead_pool(tmp_path) -> AsyncIterator[ArqRedis]:  # type: ignore[no-untyped-def]
    """A queue connection whose Redis has just gone away."""
    server = RedisServer(tmp_path / "redis")
    await asyncio.to_thread(server.start)
    connection = await create_pool(RedisSettings(host=server.host, port=server.port))
    await asyncio.to_thread(server.stop)
    yield connection
    await connection.aclose()


async def queued(pool: ArqRedis, inbound_id: int) -> bool:
    return bool(await pool.exists(f"arq:job:{job_id(inbound_id)}"))


def reply_for(people, ticket, body: str = "Stored first", **kw) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    return to, plain_reply(to, body, **kw)


# --- the pipe command ---------------------------------------------------------------------


async def test_pipe_exits_75_when_the_database_is_unavailable(people) -> None:
    ticket = await new_ticket(people)
    _, raw = reply_for(people, ticket)
    code, err = await pipe(raw, {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/x"})
    assert code == 75, err
    assert "temporary failure" in err
    assert await InboundMail.all().count() == 0


async def test_pipe_exits_75_when_redis_is_unavailable_and_the_retry_finds_it(people, pool) -> None:
    ticket = await new_ticket(people)
    _, raw = reply_for(people, ticket)
    code, err = await pipe(raw, {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert code == 75, err
    stored = await InboundMail.get()  # kept all the same: nothing is lost
    assert stored.status is InboundStatus.RECEIVED
    code, err = await pipe(raw)  # the MTA's retry
    assert code == 0, err
    assert "seen before" in err
    assert await InboundMail.all().count() == 1
    assert await queued(pool, stored.id)


async def test_pipe_refuses_empty_input_and_strips_an_mbox_from_line(people, pool) -> None:
    code, err = await pipe(b"")
    assert code == 66, err
    ticket = await new_ticket(people)
    _, raw = reply_for(people, ticket)
    code, err = await pipe(b"From alice@example.com Mon May  3 10:00:00 2021\n" + raw)
    assert code == 0, err
    assert bytes((await InboundMail.get()).raw_bytes) == raw


# --- the HTTP endpoint --------------------------------------------------------------------


async def test_http_endpoint_needs_the_configured_secret(gql, people, live_server, settings):  # type: ignore[no-untyped-def]
    raw = plain_reply("support@helpdesk.test", "Hello")
    url = f"{live_server}/mail/inbound"
    async with httpx.AsyncClient() as http:
        off = await http.post(url, content=raw, headers={"X-Inbound-Secret": "anything"})
        assert off.status_code == 403  # INBOUND_SECRET unset: the endpoint is off
        settings.inbound_secret = "s3cret"
        try:
            wrong = await http.post(url, content=raw, headers={"X-Inbound-Secret": "s3creT"})
            missing = await http.post(url, content=raw)
            empty = await http.post(url, content=b"", headers={"X-Inbound-Secret": "s3cret"})
            bearer = await http.post(url, content=raw, headers={"Authorization": "Bearer s3cret"})
            again = await http.post(url, content=raw, headers={"X-Inbound-Secret": "s3cret"})
        finally:
            settings.inbound_secret = None
    assert (wrong.status_code, missing.status_code, empty.status_code) == (401, 401, 400)
    assert bearer.status_code == 202 and bearer.json()["duplicate"] is False
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert await InboundMail.all().count() == 1


async def test_http_endpoint_records_over_size_mail(
    people, live_server, inbound_secret, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "max_inbound_mail_bytes", 200_000)
    raw = plain_reply("support@helpdesk.test", "x" * 300_000)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{live_server}/mail/inbound", content=raw, headers={"X-Inbound-Secret": inbound_secret}
        )
    assert response.status_code == 413
    stored = await InboundMail.get(id=response.json()["id"])
    assert (stored.status, stored.size) == (InboundStatus.FAILED, len(raw))
    assert stored.reason.startswith("too large")


async def test_http_endpoint_answers_503_when_the_queue_is_down(
    people, settings, inbound_secret, dead_pool
) -> None:
    app = create_app(settings, manage_db=False)
    app.state.helpdesk.jobs = ArqJobQueue(dead_pool)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as http:
        response = await http.post(
            "/mail/inbound",
            content=plain_reply("support@helpdesk.test", "Hello"),
            headers={"X-Inbound-Secret": inbound_secret},
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert (await InboundMail.get()).status is InboundStatus.RECEIVED  # the sweep queues it


# --- the SMTP / LMTP listener -------------------------------------------------------------


async def test_smtp_listener_refuses_strangers_and_asks_for_a_retry_when_down(
    people, settings, dead_pool
) -> None:
    ticket = await new_ticket(people)
    to, raw = reply_for(people, ticket)
    port = free_port()
    server = await start_smtp_listener(settings, dead_pool, host="127.0.0.1", port=port)
    try:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
            await client.mail("alice@example.com")
            with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
                await client.rcpt("someone@elsewhere.example")
            assert refused.value.code == 550
        with pytest.raises(aiosmtplib.SMTPDataError) as later:
            await aiosmtplib.send(
                raw, sender="alice@example.com", recipients=[to], hostname="127.0.0.1", port=port
            )
        assert later.value.code == 451
    finally:
        server.close()
        await server.wait_closed()
    assert (await InboundMail.get()).status is InboundStatus.RECEIVED


async def lmtp_session(port: int, recipients: list[str], raw: bytes) -> list[bytes]:
    """A minimal LMTP client; returns the replies that follow the end of the data."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def reply() -> bytes:
        while True:
            line = await reader.readline()
            if line[3:4] != b"-":
                return line

    await reply()
    commands = [b"LHLO client.example", b"MAIL FROM:<alice@example.com>"]
    commands += [f"RCPT TO:<{r}>".encode() for r in recipients] + [b"DATA"]
    for command in commands:
        writer.write(command + b"\r\n")
        assert (await reply())[:1] in (b"2", b"3")
    writer.write(raw.rstrip(b"\r\n") + b"\r\n.\r\n")
    answers = [await reply() for _ in recipients]
    writer.write(b"QUIT\r\n")
    await reply()
    writer.close()
    return answers


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
async def test_smtp_listener_records_over_size_mail_with_its_real_size_and_headers(
    people, settings, monkeypatch, lmtp
) -> None:
    monkeypatch.setattr(settings, "max_inbound_mail_bytes", 50_000)
    monkeypatch.setattr(settings, "smtp_listen_lmtp", lmtp)
    port = free_port()
    server = await start_smtp_listener(settings, None, host="127.0.0.1", port=port)
    raw = (
        "From: Alice Client <alice@example.com>\r\n"
        "To: support@helpdesk.test\r\n"
        "Subject: The whole log file\r\n"
        "Message-ID: <big.log.1@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n" + ".starts with a dot\r\n" + ("y" * 70 + "\r\n") * 2000
    ).encode()
    try:
        if lmtp:
            stuffed = raw.replace(b"\r\n.", b"\r\n..")  # what a client sends (RFC 5321 4.5.2)
            [reply] = await lmtp_session(port, ["support@helpdesk.test"], stuffed)
            assert reply.startswith(b"552")
        else:
            async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
                with pytest.raises(aiosmtplib.SMTPSenderRefused) as declared:
                    await client.mail("alice@example.com", options=[f"SIZE={len(raw)}"])
                assert declared.value.code == 552  # refused up front when the size is declared
                await client.rset()
                await client.mail("alice@example.com")  # undeclared: refused after the data
                await client.rcpt("support@helpdesk.test")
                with pytest.raises(aiosmtplib.SMTPDataError) as refused:
                    await client.data(raw)
                assert refused.value.code == 552
    finally:
        server.close()
        await server.wait_closed()
    stored = await InboundMail.get()
    trace = b"Return-Path: <alice@example.com>\r\nDelivered-To: support@helpdesk.test\r\n"
    assert (stored.status, stored.transport) == (InboundStatus.FAILED, "lmtp" if lmtp else "smtp")
    assert stored.size == len(trace) + len(raw)
    assert (stored.sender, stored.subject, stored.dedupe_key) == (
        "alice@example.com",
        "The whole log file",
        "mid:big.log.1@example.com",
    )
    assert stored.reason.startswith(f"too large: {stored.size} bytes, over the limit of 50000")
    assert bytes(stored.raw_bytes).startswith(trace + raw[:1000])


async def test_lmtp_answers_once_per_recipient(people, settings, pool, monkeypatch) -> None:
    monkeypatch.setattr(settings, "smtp_listen_lmtp", True)
    port = free_port()
    server = await start_smtp_listener(settings, pool, host="127.0.0.1", port=port)
    raw = plain_reply("support@helpdesk.test", "To both departments")
    try:
        answers = await lmtp_session(port, ["support@helpdesk.test", "billing@helpdesk.test"], raw)
    finally:
        server.close()
        await server.wait_closed()
    assert [a[:3] for a in answers] == [b"250", b"250"]
    stored = await InboundMail.get()
    assert stored.transport == "lmtp" and await queued(pool, stored.id)


# --- IMAP polling -------------------------------------------------------------------------


async def mailbox_count(target: ImapTarget) -> int:
    client = IMAP4("127.0.0.1", target.port)
    await client.wait_hello_from_server()
    await client.login(target.user, target.password)
    selected = await client.select("INBOX")
    await client.logout()
    line = next(bytes(x) for x in selected.lines if bytes(x).endswith(b"EXISTS"))
    return int(line.split()[0])


async def test_imap_message_leaves_the_mailbox_only_after_it_is_stored_and_queued(
    people, settings, pool, dead_pool, dovecot
) -> None:
    ticket = await new_ticket(people)
    _, raw = reply_for(people, ticket)
    target = ImapTarget.from_url(dovecot.url)
    client = IMAP4("127.0.0.1", target.port)
    await client.wait_hello_from_server()
    await client.login(target.user, target.password)
    await client.append(raw, mailbox="INBOX")
    await client.logout()

    down = await poll_imap_once(target, dead_pool, settings=settings)
    assert (down.stored, down.left) == (0, 1)
    assert await mailbox_count(target) == 1  # still there for the next poll
    up = await poll_imap_once(target, pool, settings=settings)
    assert up.stored == 1
    assert await mailbox_count(target) == 0
    stored = await InboundMail.get()
    assert stored.transport == "imap" and await queued(pool, stored.id)


async def test_pipe_stores_over_size_mail_with_the_error_and_exits_0(people) -> None:
    raw = plain_reply("support@helpdesk.test", ("z" * 70 + "\n") * 2000)
    code, err = await pipe(raw, {"MAX_INBOUND_MAIL_BYTES": "20000"})
    assert code == 0, err  # stored: retrying would not help
    stored = await InboundMail.get()
    assert (stored.status, stored.transport, stored.size) == (
        InboundStatus.FAILED,
        "pipe",
        len(raw),
    )


# --- the all-in-one run's component ---------------------------------------------------------


async def test_all_in_one_component_runs_the_listener_and_the_imap_poller(
    people, settings, dovecot
) -> None:
    from mailin_support import wait_until

    from app.mail.components import INBOUND_COMPONENTS

    ticket = await new_ticket(people)
    to, by_smtp = reply_for(people, ticket, "By SMTP", message_id="<c1@example.com>")
    _, by_imap = reply_for(people, ticket, "By IMAP", message_id="<c2@example.com>")
    target = ImapTarget.from_url(dovecot.url)
    client = IMAP4("127.0.0.1", target.port)
    await client.wait_hello_from_server()
    await client.login(target.user, target.password)
    await client.append(by_imap, mailbox="INBOX")
    await client.logout()

    port = free_port()
    configured = settings.model_copy(
        update={"smtp_listen_port": port, "imap_url": dovecot.url, "imap_poll_seconds": 0.2}
    )
    [component] = INBOUND_COMPONENTS
    running = asyncio.create_task(component(configured))
    try:

        async def listening() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                return False
            writer.close()
            return True

        await wait_until(listening, "the inbound listener")
        await aiosmtplib.send(
            by_smtp, sender="alice@example.com", recipients=[to], hostname="127.0.0.1", port=port
        )

        async def both_stored() -> bool:
            return await InboundMail.all().count() == 2

        await wait_until(both_stored, "both messages to be stored")

        async def mailbox_empty() -> bool:
            return await mailbox_count(target) == 0

        await wait_until(mailbox_empty, "the poller to remove the stored message")
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert sorted(await InboundMail.all().values_list("transport", flat=True)) == ["imap", "smtp"]
