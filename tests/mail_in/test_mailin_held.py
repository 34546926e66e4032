"""Held mail waits for an admin: listed with its reason, posted as its claimed sender when an
admin accepts it, refused for good when an admin rejects it; only admins may decide, and a
decision is taken once."""

from __future__ import annotations

from mailin_support import deliver, messages_of, new_ticket, run_jobs
from test_mailin_trust import XAVIER, mail

from app.models import AuditEntry, InboundMail, InboundStatus, Ticket, TicketStatus

LIST = """
query($status: InboundMailStatus) { inboundMail(status: $status, first: 10) {
  totalCount edges { node { id status reason sender subject ticketNumber } } } }
"""
ACCEPT = """
mutation($id: ID!) { acceptHeldMail(id: $id) {
  __typename ... on InboundMail { id status reason ticketNumber messageId }
  ... on Error { code message field } } }
"""
RERUN = """
mutation($id: ID!) { rerunInboundMail(id: $id) {
  __typename ... on InboundMail { id status reason }
  ... on Error { code message field } } }
"""
REJECT = """
mutation($id: ID!) { rejectHeldMail(id: $id) {
  __typename ... on InboundMail { id status reason ticketNumber messageId }
  ... on Error { code message field } } }
"""


async def held_reply(
    world, redis, body: str = "Toner is on its way."
) -> tuple[Ticket, InboundMail]:  # type: ignore[no-untyped-def]
    ticket = await new_ticket(world)
    raw = mail(
        sender=f"Xavier Staff <{XAVIER}>",
        subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
        body=body,
        message_id=f"<held.{ticket.number}@example.com>",
    )
    held = await deliver(raw, redis)
    assert held.status is InboundStatus.HELD
    return ticket, held


async def test_admin_sees_held_mail_and_accepting_posts_it_as_the_claimed_sender(
    gql, world, redis, catcher, settings
) -> None:
    ticket, held = await held_reply(world, redis)
    listed = await gql.data(LIST, {"status": "HELD"}, token=world.admin.token)
    [node] = [e["node"] for e in listed["inboundMail"]["edges"]]
    assert (node["id"], node["sender"], node["ticketNumber"]) == (
        str(held.id),
        XAVIER,
        ticket.number,
    )
    assert "nothing proves it is from xavier@example.com" in node["reason"]

    accepted = (await gql.data(ACCEPT, {"id": str(held.id)}, token=world.admin.token))[
        "acceptHeldMail"
    ]
    posted = (await messages_of(ticket))[-1]
    assert accepted == {
        "__typename": "InboundMail",
        "id": str(held.id),
        "status": "PROCESSED",
        "reason": f"accepted by Ada Admin: reply on ticket #{ticket.number} (matched by subject)",
        "ticketNumber": ticket.number,
        "messageId": str(posted.id),
    }
    assert (posted.body, posted.author_id) == ("Toner is on its way.", world.staff_x.id)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.ANSWERED
    audit = await AuditEntry.filter(ticket_id=ticket.id, field="status").order_by("-id").first()
    assert audit is not None and audit.actor_id == world.staff_x.id
    stored = await InboundMail.get(id=held.id)
    assert stored.accepted_by_id == world.admin.id  # type: ignore[attr-defined]
    await run_jobs(settings)
    client_mail = [m for m in catcher.to("alice@example.com") if "Toner" in m.text()]
    assert len(client_mail) == 1  # the client hears of the reply, as of any other

    again = (await gql.data(ACCEPT, {"id": str(held.id)}, token=world.admin.token))[
        "acceptHeldMail"
    ]
    assert (again["code"], again["message"]) == ("CONFLICT", "Only held mail can be accepted.")
    rejected = (await gql.data(REJECT, {"id": str(held.id)}, token=world.admin.token))[
        "rejectHeldMail"
    ]
    assert (rejected["code"], rejected["field"]) == ("CONFLICT", "id")
    assert len(await messages_of(ticket)) == 2  # posted once


async def test_rejecting_keeps_it_refused_and_mails_nobody(gql, world, redis, catcher) -> None:
    ticket, held = await held_reply(world, redis)
    rejected = (await gql.data(REJECT, {"id": str(held.id)}, token=world.admin.token))[
        "rejectHeldMail"
    ]
    assert rejected["status"] == "REFUSED"
    assert rejected["reason"] == f"rejected by Ada Admin: {held.reason}"
    assert rejected["ticketNumber"] == ticket.number and rejected["messageId"] is None
    accepted = (await gql.data(ACCEPT, {"id": str(held.id)}, token=world.admin.token))[
        "acceptHeldMail"
    ]
    assert accepted["code"] == "CONFLICT"
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    assert catcher.caught == []


async def test_a_rejected_mail_stays_refused_when_re_run(gql, world, redis, catcher) -> None:
    """A re-run of refused mail brought a rejected one back to HELD, and it could then be
    accepted: a rejection is for good."""
    ticket, held = await held_reply(world, redis)
    await gql.data(REJECT, {"id": str(held.id)}, token=world.admin.token)
    for _ in range(2):
        rerun = (await gql.data(RERUN, {"id": str(held.id)}, token=world.admin.token))[
            "rerunInboundMail"
        ]
        assert (rerun["code"], rerun["field"]) == ("CONFLICT", "id")
        assert "rejected" in rerun["message"]
        accepted = (await gql.data(ACCEPT, {"id": str(held.id)}, token=world.admin.token))[
            "acceptHeldMail"
        ]
        assert (accepted["code"], accepted["field"]) == ("CONFLICT", "id")
    stored = await InboundMail.get(id=held.id)
    assert (stored.status, stored.attempts) == (InboundStatus.REFUSED, 1)
    assert stored.reason == f"rejected by Ada Admin: {held.reason}"
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    assert catcher.caught == []


async def test_a_decision_needs_held_mail_that_exists(gql, world, redis) -> None:
    ticket = await new_ticket(world)
    raw = mail(sender="alice@example.com", subject="Re: Printer", body="Thanks")
    raw = raw.replace(b"To: support@helpdesk.test", b"To: nobody@helpdesk.test")
    ignored = await deliver(raw, redis)
    assert ignored.status is InboundStatus.IGNORED
    for document, name in ((ACCEPT, "acceptHeldMail"), (REJECT, "rejectHeldMail")):
        other = (await gql.data(document, {"id": str(ignored.id)}, token=world.admin.token))[name]
        assert other["code"] == "CONFLICT"
        missing = (await gql.data(document, {"id": "999999"}, token=world.admin.token))[name]
        assert (missing["code"], missing["field"]) == ("NOT_FOUND", "id")
        bad = (await gql.data(document, {"id": "abc"}, token=world.admin.token))[name]
        assert (bad["code"], bad["field"]) == ("VALIDATION_ERROR", "id")
    assert len(await messages_of(ticket)) == 1


async def test_only_admins_decide_on_held_mail(gql, world, redis) -> None:
    ticket, held = await held_reply(world, redis)
    for person in (world.staff_x, world.staff_y, world.client_a, None):
        token = person.token if person is not None else None
        expected = "PERMISSION_DENIED" if person is not None else "NOT_AUTHENTICATED"
        for document, name in ((ACCEPT, "acceptHeldMail"), (REJECT, "rejectHeldMail")):
            answer = (await gql.data(document, {"id": str(held.id)}, token=token))[name]
            assert answer["code"] == expected, (person, name)
        listed = await gql(LIST, {"status": "HELD"}, token=token)
        assert listed["data"] is None
        assert listed["errors"][0]["extensions"]["code"] == expected
    stored = await InboundMail.get(id=held.id)
    assert (stored.status, stored.attempts) == (InboundStatus.HELD, 1)
    assert len(await messages_of(ticket)) == 1


async def test_accepting_still_applies_the_other_rules(gql, world, redis, catcher) -> None:
    """The admin vouches for the sender, not for their access: a held mail from a staff member
    who lost the department is refused on accept, and posts nothing."""
    ticket, held = await held_reply(world, redis)
    await world.staff_x.user.departments.clear()
    accepted = (await gql.data(ACCEPT, {"id": str(held.id)}, token=world.admin.token))[
        "acceptHeldMail"
    ]
    assert accepted["status"] == "REFUSED"
    assert accepted["reason"].startswith("accepted by Ada Admin: ")
    assert len(await messages_of(ticket)) == 1
    assert catcher.caught == []
