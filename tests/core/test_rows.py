"""Rows read as tuples (``app.services.rows``) make the same models Tortoise makes: every column,
its value and its type (aware times in Tortoise's zone, enums, booleans, nullable ids)."""

from __future__ import annotations

from datetime import timedelta

from helpers import open_as

from app.config import get_settings
from app.models import Attachment, AuditEntry, Message, TicketPriority
from app.services import messages
from app.services import tickets as ticket_service
from app.services.attachments import BytesFile
from app.services.rows import models_of


async def test_a_thread_read_as_tuples_equals_tortoises_models(world, frozen_clock):
    settings = get_settings()
    ticket = await open_as(world.client_a, world.dept_x)
    frozen_clock.advance(timedelta(minutes=1))
    await messages.reply_to_ticket(
        actor=world.client_a.actor,
        settings=settings,
        number=ticket.number,
        body="A photo",
        files=[BytesFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")],
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor, settings=settings, number=ticket.number, body="Note"
    )
    await ticket_service.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.HIGH
    )
    for query in (
        Message.filter(ticket_id=ticket.id).order_by("created_at", "id"),
        Attachment.all().order_by("id"),
        AuditEntry.filter(ticket_id=ticket.id).order_by("id"),
    ):
        expected = await query
        found = await models_of(query)
        assert len(found) == len(expected) > 0
        for mine, theirs in zip(found, expected, strict=True):
            for column in type(theirs)._meta.fields_db_projection:
                a, b = getattr(mine, column), getattr(theirs, column)
                assert (a, type(a)) == (b, type(b)), column
                assert getattr(a, "tzinfo", None) == getattr(b, "tzinfo", None), column
            assert mine._saved_in_db


def test_decoded_times_are_kept_bounded_and_equal_tortoises(monkeypatch):
    from datetime import UTC, datetime

    from app.models import Ticket
    from app.services import rows

    field = Ticket._meta.fields_map["created_at"]
    decode = rows.decoder(field)
    assert decode is not None
    monkeypatch.setattr(rows._Times, "MAX", 3)
    rows._TIMES.clear()
    texts = [f"2026-11-30T10:00:0{i}.250000+00:00" for i in range(5)]
    for text in texts:
        first, again = decode(text), decode(text)
        assert first is again  # kept: decoded once
        assert first == field.to_python_value(text) == datetime.fromisoformat(text)
        assert first.tzinfo is not None and first.utcoffset() == UTC.utcoffset(None)
        assert len(rows._TIMES) <= 3
    moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # asyncpg's values are datetimes
    assert decode(moment) == moment
    rows._TIMES.clear()
