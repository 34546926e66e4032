"""An admin reads a held mail before deciding (sender, subject, date, the body as plain text,
attachments' names and sizes); only admins may; each mail offers only the actions valid for its
state, and the others are refused with CONFLICT, changing nothing."""

from __future__ import annotations

from email.message import EmailMessage

from mailin_support import deliver, new_ticket
from test_mailin_held import ACCEPT, REJECT, RERUN
from test_mailin_trust import XAVIER

from app.models import InboundMail, InboundStatus

CONTENT = """
query($id: ID!) { inboundMailContent(id: $id) {
  id sender senderName subject date text truncated error
  attachments { name contentType size } } }
"""
ACTIONS = """
query { inboundMail(first: 20) { edges { node { id status rejected actions } } } }
"""


def held_html_mail(number: int) -> bytes:
    """A staff member's reply naming a ticket in its subject, proving nothing: HTML only, with
    a script and an attachment."""
    message = EmailMessage()
    message["From"] = f"Xavier Staff <{XAVIER}>"
    message["To"] = "support@helpdesk.test"
    message["Subject"] = f"Re: [Ticket #{number}] Printer is on fire"
    message["Message-ID"] = f"<held.html.{number}@example.com>"
    message["Date"] = "Tue, 04 Jun 2024 09:30:00 +0000"
    message.set_content(
        "<html><body><p>Toner is <b>on its way</b>.</p>"
        "<script>alert('x')</script><img src=x onerror=alert(1)></body></html>",
        subtype="html",
    )
    message.add_attachment(
        b"%PDF-1.4\n" + b"0" * 991, maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    return bytes(message)


async def held(world, redis) -> InboundMail:  # type: ignore[no-untyped-def]
    ticket = await new_ticket(world)
    mail = await deliver(held_html_mail(ticket.number), redis)
    assert mail.status is InboundStatus.HELD
    return mail


async def test_admin_reads_a_held_mail_as_plain_text_before_deciding(gql, world, redis) -> None:
    mail = await held(world, redis)
    content = (await gql.data(CONTENT, {"id": str(mail.id)}, token=world.admin.token))[
        "inboundMailContent"
    ]
    assert content["sender"] == XAVIER
    assert content["senderName"] == "Xavier Staff"
    assert content["subject"].endswith("Printer is on fire")
    assert content["date"].startswith("2024-06-04T09:30:00")
    assert "Toner is **on its way**." in content["text"] or "Toner is on its way" in content[
        "text"
    ].replace("*", "")
    assert "<" not in content["text"] and "alert" not in content["text"]
    assert (content["truncated"], content["error"]) == (False, None)
    assert content["attachments"] == [
        {"name": "invoice.pdf", "contentType": "application/pdf", "size": 1000}
    ]
    # Reading changes nothing.
    assert (await InboundMail.get(id=mail.id)).status is InboundStatus.HELD


async def test_only_admins_read_inbound_mail(gql, world, redis) -> None:
    mail = await held(world, redis)
    for person in (world.client_a, world.client_b, world.staff_x, world.staff_y):
        body = await gql(CONTENT, {"id": str(mail.id)}, token=person.token)
        assert body["data"] == {"inboundMailContent": None}
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    body = await gql(CONTENT, {"id": str(mail.id)})
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    missing = await gql.data(CONTENT, {"id": str(mail.id + 1000)}, token=world.admin.token)
    assert missing["inboundMailContent"] is None


async def test_unreadable_mail_is_shown_as_text_with_its_error(gql, world, redis) -> None:
    mail = await deliver(b"Just some <b>text</b>\x00 piped in by mistake.\r\n", redis)
    content = (await gql.data(CONTENT, {"id": str(mail.id)}, token=world.admin.token))[
        "inboundMailContent"
    ]
    assert content["error"] == "message has no From address"
    assert content["text"].startswith("Just some <b>text</b> piped in")  # text, shown as text
    assert "\x00" not in content["text"]


async def actions_of(gql, world) -> dict[str, tuple[str, bool, list[str]]]:  # type: ignore[no-untyped-def]
    edges = (await gql.data(ACTIONS, token=world.admin.token))["inboundMail"]["edges"]
    return {
        e["node"]["id"]: (e["node"]["status"], e["node"]["rejected"], e["node"]["actions"])
        for e in edges
    }


async def test_each_state_offers_only_its_actions_and_refuses_the_others(gql, world, redis) -> None:
    mail = await held(world, redis)
    key = str(mail.id)
    assert (await actions_of(gql, world))[key] == ("HELD", False, ["ACCEPT", "REJECT"])
    refused = await gql.data(RERUN, {"id": key}, token=world.admin.token)
    assert refused["rerunInboundMail"]["code"] == "CONFLICT"
    assert (await InboundMail.get(id=mail.id)).attempts == mail.attempts

    rejected = await gql.data(REJECT, {"id": key}, token=world.admin.token)
    assert rejected["rejectHeldMail"]["status"] == "REFUSED"
    # Rejected: refused for good, so no action is offered, and each is refused.
    assert (await actions_of(gql, world))[key] == ("REFUSED", True, [])
    for document, name in (
        (RERUN, "rerunInboundMail"),
        (ACCEPT, "acceptHeldMail"),
        (REJECT, "rejectHeldMail"),
    ):
        answer = (await gql.data(document, {"id": key}, token=world.admin.token))[name]
        assert (answer["__typename"], answer["code"]) == ("Conflict", "CONFLICT")
    after = await InboundMail.get(id=mail.id)
    assert (after.status, after.attempts, after.rejected) == (
        InboundStatus.REFUSED,
        mail.attempts,
        True,
    )


async def test_failed_mail_offers_rerun_only(gql, world, redis) -> None:
    mail = await deliver(b"Not a mail.\r\n", redis)
    key = str(mail.id)
    assert (await actions_of(gql, world))[key] == ("FAILED", False, ["RERUN"])
    for document, name in ((ACCEPT, "acceptHeldMail"), (REJECT, "rejectHeldMail")):
        answer = (await gql.data(document, {"id": key}, token=world.admin.token))[name]
        assert answer["code"] == "CONFLICT"
    assert (await InboundMail.get(id=mail.id)).status is InboundStatus.FAILED
