"""The dev SMTP sink: what our sender sends arrives as files the mailbox reader lists."""

from __future__ import annotations

import asyncio
import contextlib
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from mailout_support import free_port

from app.config import SmtpTarget, get_settings
from app.mail import sink
from app.mail.outbound.send import SendFailure, send_message
from app.services import messages, tickets
from app.workers.notify import notify_event


async def test_sink_keeps_each_message_and_lists_newest_first(world, recorder, settings, tmp_path):
    port = free_port()
    box = tmp_path / "mailbox"
    server = await sink.start_sink(box, port=port)
    local = settings.model_copy(
        update={"smtp_url": None, "sink_port": port, "helpdesk_var": tmp_path}
    )
    assert local.smtp == f"smtp://127.0.0.1:{port}"  # the embedded default goes to the sink
    try:
        opened = await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject="Sink",
            body="Hi",
            settings=get_settings(),
        )
        await messages.reply_to_ticket(
            actor=world.staff_x.actor,
            number=opened.ticket.number,
            body="Hello <you>",
            settings=get_settings(),
        )
        for event in await recorder.take():
            await notify_event({"settings": local}, event.to_json())
    finally:
        server.close()
        await server.wait_closed()

    listed = sink.list_messages(sink.mailbox_dir(local))
    assert len(listed) == 3
    assert [entry.id for entry in listed] == sorted((e.id for e in listed), reverse=True)
    newest = listed[0]
    assert newest.subject == f"[Ticket #{opened.ticket.number}] Sink"
    assert "alice@example.com" in newest.to
    assert newest.date is not None
    raw = sink.get_raw(sink.mailbox_dir(local), newest.id)
    assert raw is not None and raw.startswith(b"X-Peer: 127.0.0.1")
    parsed = message_from_bytes(raw, policy=default_policy)
    assert "Hello <you>" in parsed.get_body(("plain",)).get_content()
    assert parsed["X-RcptTo"] == "alice@example.com"
    assert len(list(box.glob("*.eml"))) == 3 and not list(box.glob(".*"))


async def test_reader_refuses_names_that_are_not_message_ids(settings, tmp_path):
    local = settings.model_copy(update={"helpdesk_var": tmp_path})
    (tmp_path / "secret_key").write_text("do not leak")
    assert sink.list_messages(sink.mailbox_dir(local)) == []
    for bad in ("../secret_key", "secret_key", "", "0" * 19 + "-zzzzzzzz", "/etc/passwd"):
        assert sink.get_raw(sink.mailbox_dir(local), bad) is None


async def test_sink_prunes_the_oldest_beyond_its_limit(tmp_path):
    port = free_port()
    box = tmp_path / "mailbox"
    server = await sink.start_sink(box, port=port, keep=3)
    target = SmtpTarget.from_url(f"smtp://127.0.0.1:{port}")
    try:
        for i in range(5):
            message = message_from_bytes(
                f"From: a@example.com\r\nTo: b@example.com\r\nSubject: n{i}\r\n\r\nbody".encode(),
                policy=default_policy,
            )
            await send_message(
                target, message, sender="a@example.com", recipients=["b@example.com"]
            )
    finally:
        server.close()
        await server.wait_closed()
    assert [e.subject for e in sink.list_messages(box)] == ["n4", "n3", "n2"]
    assert [e.subject for e in sink.list_messages(box, limit=1)] == ["n4"]


async def test_the_run_component_listens_only_for_the_embedded_default(settings, tmp_path):
    port = free_port()
    embedded = settings.model_copy(
        update={"smtp_url": None, "sink_port": port, "helpdesk_var": tmp_path}
    )
    message = message_from_bytes(
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nbody",
        policy=default_policy,
    )
    task = asyncio.create_task(sink.run_sink(embedded))
    try:
        target = SmtpTarget.from_url(embedded.smtp)
        async with asyncio.timeout(10):
            while True:  # until it listens (bounded)
                try:
                    await send_message(
                        target, message, sender="a@example.com", recipients=["b@example.com"]
                    )
                    break
                except SendFailure:
                    await asyncio.sleep(0.02)
        assert [e.subject for e in sink.list_messages(sink.mailbox_dir(embedded))] == ["hello"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # With a real SMTP server configured, the component stays up but opens no port.
    configured = embedded.model_copy(update={"smtp_url": "smtp://mail.example.com"})
    task = asyncio.create_task(sink.run_sink(configured))
    await asyncio.sleep(0)
    with pytest.raises(SendFailure):
        await send_message(target, message, sender="a@example.com", recipients=["b@example.com"])
    assert not task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
