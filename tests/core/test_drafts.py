"""Reply drafts kept on the server: saved and restored per user and ticket, private to their
author (five personas), removed when sent, bounded like a message, purged when old."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import NOTE, REPLY, UPDATE, open_as

from app.config import get_settings
from app.models import Draft
from app.services import drafts
from app.services.validation import MAX_BODY_BYTES

RESULT = """__typename ... on Ticket { number draft { body internal updatedAt } }
  ... on Error { message code field }"""
SAVE = f"""mutation($number: Int!, $body: String!, $internal: Boolean! = false) {{
  saveDraft(number: $number, body: $body, internal: $internal) {{ {RESULT} }} }}"""
DISCARD = f"mutation($number: Int!) {{ discardDraft(number: $number) {{ {RESULT} }} }}"
DRAFT = "query($number: Int!) { ticket(number: $number) { number draft { body internal } } }"


async def save(gql, person, number: int, body: str, internal: bool = False) -> dict:
    variables = {"number": number, "body": body, "internal": internal}
    return (await gql.data(SAVE, variables, token=person.token))["saveDraft"]


async def draft_of(gql, person, number: int) -> dict | None:
    ticket = (await gql.data(DRAFT, {"number": number}, token=person.token))["ticket"]
    assert ticket is not None
    return ticket["draft"]


@pytest.fixture
async def ticket(world):
    return await open_as(world.client_a, world.dept_x, subject="Printer jam")


async def test_a_draft_is_saved_and_comes_back_on_the_ticket(gql, world, ticket):
    saved = await save(gql, world.staff_x, ticket.number, "Dear Alice,\n\nwe are on it", True)
    assert saved["__typename"] == "Ticket", saved
    assert saved["draft"]["body"] == "Dear Alice,\n\nwe are on it"
    assert saved["draft"]["internal"] is True
    # Loaded again (a reload, another browser: the same account asks the server).
    assert await draft_of(gql, world.staff_x, ticket.number) == {
        "body": "Dear Alice,\n\nwe are on it",
        "internal": True,
    }
    # Saving again replaces it: one draft per user and ticket.
    await save(gql, world.staff_x, ticket.number, "Dear Alice, fixed.")
    assert await draft_of(gql, world.staff_x, ticket.number) == {
        "body": "Dear Alice, fixed.",
        "internal": False,
    }
    assert await Draft.filter(ticket_id=ticket.id).count() == 1


async def test_each_persona_sees_only_their_own_draft(gql, world, ticket):
    # Those who may write on the ticket each keep their own.
    await save(gql, world.admin, ticket.number, "admin's words")
    await save(gql, world.staff_x, ticket.number, "staff note words", True)
    await save(gql, world.client_a, ticket.number, "client's words")
    assert (await draft_of(gql, world.admin, ticket.number))["body"] == "admin's words"
    assert (await draft_of(gql, world.staff_x, ticket.number))["body"] == "staff note words"
    assert (await draft_of(gql, world.client_a, ticket.number))["body"] == "client's words"
    # Staff of another department and another client: the ticket is not there for them,
    # saving answers NotFound as for a missing ticket, and nothing is written.
    for outsider in (world.staff_y, world.client_b):
        found = await gql.data(DRAFT, {"number": ticket.number}, token=outsider.token)
        assert found["ticket"] is None
        refused = await save(gql, outsider, ticket.number, "sneaky")
        assert (refused["__typename"], refused["field"]) == ("NotFound", "number")
        refused = (await gql.data(DISCARD, {"number": ticket.number}, token=outsider.token))[
            "discardDraft"
        ]
        assert refused["__typename"] == "NotFound"
    # The anonymous are asked to sign in.
    anonymous = (await gql.data(SAVE, {"number": ticket.number, "body": "x"}))["saveDraft"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    assert await Draft.filter(ticket_id=ticket.id).count() == 3
    # The bodies reach nobody else through any field of the ticket.
    everything = """query($number: Int!) { ticket(number: $number) { draft { body }
      messages { edges { node { body } } } } }"""
    for person in (world.admin, world.staff_x, world.client_a):
        text = str(await gql.data(everything, {"number": ticket.number}, token=person.token))
        others = {"admin's words", "staff note words", "client's words"}
        mine = (await draft_of(gql, person, ticket.number))["body"]
        assert not any(words in text for words in others - {mine}), (person.user.name, text)


async def test_a_client_cannot_keep_a_note_draft(gql, world, ticket):
    refused = await save(gql, world.client_a, ticket.number, "internal?", True)
    assert (refused["__typename"], refused["code"]) == ("PermissionDenied", "PERMISSION_DENIED")
    assert not await Draft.filter(ticket_id=ticket.id).exists()


async def test_sending_removes_the_senders_draft_only(gql, world, ticket):
    await save(gql, world.staff_x, ticket.number, "Try turning it off")
    await save(gql, world.admin, ticket.number, "admin still writing")
    await save(gql, world.client_a, ticket.number, "client still writing")
    sent = await gql.data(
        REPLY,
        {"input": {"number": ticket.number, "body": "Try turning it off"}},
        token=world.staff_x.token,
    )
    assert sent["replyToTicket"]["__typename"] == "Message"
    assert await draft_of(gql, world.staff_x, ticket.number) is None
    assert (await draft_of(gql, world.admin, ticket.number))["body"] == "admin still writing"
    # A client's reply removes theirs; an internal note removes the admin's.
    await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "Thanks"}}, token=world.client_a.token
    )
    assert await draft_of(gql, world.client_a, ticket.number) is None
    await gql.data(
        NOTE, {"input": {"number": ticket.number, "body": "noted"}}, token=world.admin.token
    )
    assert await draft_of(gql, world.admin, ticket.number) is None


async def test_a_refused_send_keeps_the_draft(gql, world, ticket):
    await save(gql, world.staff_x, ticket.number, "keep me")
    refused = await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "   "}}, token=world.staff_x.token
    )
    assert refused["replyToTicket"]["__typename"] == "ValidationError"
    assert (await draft_of(gql, world.staff_x, ticket.number))["body"] == "keep me"


async def test_a_draft_is_limited_like_a_message_and_an_empty_one_is_removed(gql, world, ticket):
    await save(gql, world.staff_x, ticket.number, "first words")
    too_long = "x" * (MAX_BODY_BYTES + 1)
    refused = await save(gql, world.staff_x, ticket.number, too_long)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "body")
    assert "100 KB" in refused["message"]
    assert (await draft_of(gql, world.staff_x, ticket.number))["body"] == "first words"
    # Exactly the limit is kept.
    kept = await save(gql, world.staff_x, ticket.number, "y" * MAX_BODY_BYTES)
    assert len(kept["draft"]["body"]) == MAX_BODY_BYTES
    # An emptied composer removes it; so does discardDraft.
    emptied = await save(gql, world.staff_x, ticket.number, "  \n ")
    assert (emptied["__typename"], emptied["draft"]) == ("Ticket", None)
    await save(gql, world.staff_x, ticket.number, "again")
    discarded = (await gql.data(DISCARD, {"number": ticket.number}, token=world.staff_x.token))[
        "discardDraft"
    ]
    assert (discarded["__typename"], discarded["draft"]) == ("Ticket", None)
    assert not await Draft.filter(ticket_id=ticket.id).exists()


async def test_control_characters_are_refused(gql, world, ticket):
    refused = await save(gql, world.staff_x, ticket.number, "bad\x00byte")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "body")
    assert not await Draft.filter(ticket_id=ticket.id).exists()


async def test_a_draft_is_not_shown_to_its_author_after_losing_access(gql, world, ticket):
    await save(gql, world.staff_x, ticket.number, "half a note", True)
    moved = await gql.data(
        UPDATE,
        {"input": {"number": ticket.number, "departmentId": str(world.dept_y.id)}},
        token=world.admin.token,
    )
    assert moved["updateTicket"]["__typename"] == "Ticket"
    gone = await gql.data(DRAFT, {"number": ticket.number}, token=world.staff_x.token)
    assert gone["ticket"] is None
    # Staff of the new department see the ticket, not the draft.
    assert await draft_of(gql, world.staff_y, ticket.number) is None
    # The policy decides on the draft itself too: a former staff member now a client of
    # the ticket would not see their note draft.
    row = await Draft.get(ticket_id=ticket.id)
    ticket_now = await type(ticket).get(id=ticket.id)
    assert await drafts.draft_for(world.staff_x.actor, ticket_now) is None
    assert row.body == "half a note"


async def test_housekeeping_removes_drafts_untouched_for_the_retention(
    gql, world, ticket, frozen_clock
):
    other = await open_as(world.client_a, world.dept_x, subject="Second")
    await save(gql, world.staff_x, ticket.number, "old words")
    frozen_clock.advance(timedelta(days=20))
    await save(gql, world.staff_x, other.number, "newer words")
    settings = get_settings()
    assert settings.draft_retention_days == 30
    frozen_clock.advance(timedelta(days=11))
    assert await drafts.purge_old_drafts(settings) == 1
    assert await draft_of(gql, world.staff_x, ticket.number) is None
    assert (await draft_of(gql, world.staff_x, other.number))["body"] == "newer words"
    kept = settings.model_copy(update={"draft_retention_days": 0})
    frozen_clock.advance(timedelta(days=365))
    assert await drafts.purge_old_drafts(kept) == 0
