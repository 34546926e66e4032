"""Unsubscribing from a ticket's mail, end to end: the notification job mails a CC'd contact
(and a follower) through a real SMTP server, the link is read out of that MIME mail and
followed over HTTP against the running app, as a browser or a mail program's one-click
unsubscribe would. A GET asks and changes nothing; a POST takes the address off that ticket
only. A forged, expired or foreign link changes nothing. A contact's mail carries no portal
link and no download links."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from mailout_support import deliver

from app.auth import unsubscribe_links
from app.auth.actor import actor_for
from app.config import get_settings
from app.events import EventType
from app.infra.clock import now
from app.models import AuditEntry, Contact, Role, Ticket, TicketCc, TicketFollower, User
from app.services import ccs, messages, tickets
from app.services.attachments import BytesFile

CARL = "carl@customer.example"
DORA = "dora@customer.example"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


async def open_with_ccs(world, *addresses: str, client=None):
    opened = await tickets.open_ticket(
        actor=(client or world.client_a).actor,
        department_id=world.dept_x.id,
        subject="Printer on fire",
        body="It is on fire.",
        settings=get_settings(),
        ccs=list(addresses),
    )
    return opened.ticket


def unsubscribe_link(mail) -> str:
    header = mail.header("List-Unsubscribe")
    found = re.fullmatch(r"<(https?://[^>]+)>", header)
    assert found, header
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert found.group(1) in mail.part("plain")
    assert found.group(1) in mail.part("html")
    return found.group(1)


async def cc_emails(ticket_id: int) -> list[str]:
    links = await TicketCc.filter(ticket_id=ticket_id).select_related("contact").order_by("id")
    return [link.contact.email for link in links]


async def snapshot(ticket_id: int) -> tuple:
    ticket = await Ticket.get(id=ticket_id)
    return (
        ticket.version,
        await cc_emails(ticket_id),
        sorted(await TicketFollower.filter(ticket_id=ticket_id).values_list("user_id", flat=True)),
        await AuditEntry.filter(ticket_id=ticket_id).count(),
    )


async def test_a_contact_unsubscribes_with_its_link_and_a_get_changes_nothing(
    gql, world, smtp, recorder, job_ctx
):
    ticket = await open_with_ccs(world, f"Carl Colleague <{CARL}>", DORA)
    await deliver(recorder, job_ctx)
    to_carl = smtp.to(CARL)[0]
    link = unsubscribe_link(to_carl)
    # The client's own mail is not optional: no unsubscribe header.
    assert smtp.to("alice@example.com")[0].header("List-Unsubscribe") == ""
    assert smtp.to("xavier@example.com")[0].header("List-Unsubscribe") == ""

    # A mail scanner fetching the link (GET, HEAD) unsubscribes nobody: the page asks.
    before = await snapshot(ticket.id)
    async with httpx.AsyncClient() as http:
        page = await http.get(link)
        head = await http.head(link)
    assert page.status_code == 200 and head.status_code == 200
    assert f"{CARL} is copied (CC) on ticket #{ticket.number}" in page.text
    assert '<form method="post"' in page.text and "Unsubscribe</button>" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await snapshot(ticket.id) == before
    await recorder.take()

    # The mail program's RFC 8058 one-click POST (no cookie, no sign-in) does it.
    async with httpx.AsyncClient() as http:
        done = await http.post(link, data=ONE_CLICK)
    assert done.status_code == 200
    assert f"Done: {CARL} gets no more mail about ticket #{ticket.number}." in done.text
    assert await cc_emails(ticket.id) == [DORA]
    entry = await AuditEntry.filter(ticket_id=ticket.id, field="cc").order_by("-id").first()
    assert entry is not None
    assert (entry.actor_id, entry.old_value, entry.new_value) == (None, f"{CARL}, {DORA}", DORA)
    # Live: the change reaches staff's (and the client's) pages.
    sent = await recorder.take()
    assert [(e.type, e.changes, e.internal) for e in sent] == [(EventType.UPDATED, ("cc",), False)]

    # Again: nothing left to remove, nothing changes.
    after = await snapshot(ticket.id)
    async with httpx.AsyncClient() as http:
        again = await http.post(link, data=ONE_CLICK)
        shown = await http.get(link)
    assert again.status_code == 200 and "already gets no mail" in again.text
    assert "already gets no mail" in shown.text and "<form" not in shown.text
    assert await snapshot(ticket.id) == after
    assert await recorder.take() == []

    # The next reply reaches Dora, never Carl.
    smtp.received.clear()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="Fixed", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert sorted(smtp.recipients()) == sorted(["alice@example.com", DORA])


async def test_forged_expired_and_foreign_links_change_nothing(
    gql, world, smtp, recorder, job_ctx, frozen_clock
):
    mine = await open_with_ccs(world, CARL)
    other = await open_with_ccs(world, CARL)  # the same contact, CC'd on a second ticket
    bobs = await open_with_ccs(world, DORA, client=world.client_b)
    await deliver(recorder, job_ctx)
    link = unsubscribe_link(smtp.to(CARL)[0])
    token = link.rsplit("/", 1)[1]
    assert token.startswith(f"unsub.{mine.id}.") or token.startswith(f"unsub.{other.id}.")
    carl = await Contact.get(email=CARL, client_id=world.client_a.id)
    settings = get_settings()
    base = link.rsplit("/", 1)[0]
    prefix, ticket_id, who, expiry, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forged = [
        f"{prefix}.{ticket_id}.{who}.{expiry}.{flipped}",  # a changed signature
        f"{prefix}.{bobs.id}.{who}.{expiry}.{mac}",  # another ticket under the same signature
        f"{prefix}.{ticket_id}.{who}.{int(expiry) + 86400}.{mac}",  # a longer life
        f"{prefix}.{ticket_id}.u{world.staff_x.id}.{expiry}.{mac}",  # someone else
        "unsub.1.c1",
        "nonsense",
        "x" * 300,
    ]
    # Correctly signed, but naming client A's contact on client B's ticket: never applies.
    forged.append(
        unsubscribe_links.make_token(ticket_id=bobs.id, contact_id=carl.id, settings=settings)
    )
    tickets_now = [mine, other, bobs]
    before = [await snapshot(t.id) for t in tickets_now]
    async with httpx.AsyncClient() as http:
        for bad in forged:
            for method in ("GET", "POST"):
                answer = await http.request(method, f"{base}/{bad}", data=ONE_CLICK)
                assert answer.status_code in (400, 404), (bad, method, answer.status_code)
                assert "Printer" not in answer.text and DORA not in answer.text
                if answer.status_code == 400:
                    assert "not valid or has expired" in answer.text
    assert [await snapshot(t.id) for t in tickets_now] == before

    # Carl's link of one ticket takes him off that ticket only.
    claimed = unsubscribe_links.check_token(token, settings=settings)
    assert claimed is not None and claimed.contact_id == carl.id
    async with httpx.AsyncClient() as http:
        assert (await http.post(link, data=ONE_CLICK)).status_code == 200
    first, second = (mine, other) if claimed.ticket_id == mine.id else (other, mine)
    assert await cc_emails(first.id) == []
    assert await cc_emails(second.id) == [CARL]
    assert await cc_emails(bobs.id) == [DORA]

    # Ninety days on, the other ticket's link has expired: it changes nothing.
    late = unsubscribe_links.make_token(ticket_id=second.id, contact_id=carl.id, settings=settings)
    frozen_clock.advance(unsubscribe_links.LIFETIME + timedelta(seconds=1))
    kept = await snapshot(second.id)
    async with httpx.AsyncClient() as http:
        for method in ("GET", "POST"):
            answer = await http.request(method, f"{base}/{late}", data=ONE_CLICK)
            assert answer.status_code == 400 and "expired" in answer.text
    assert await snapshot(second.id) == kept


async def test_a_contacts_mail_has_no_portal_or_download_links(world, smtp, recorder, job_ctx):
    ticket = await open_with_ccs(world, CARL)
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=ticket.number,
        body="The manual is attached.",
        settings=get_settings(),
        files=[BytesFile("manual.pdf", b"%PDF-1.4 " + b"x" * 2000, "application/pdf")],
    )
    await deliver(recorder, job_ctx)
    to_carl = smtp.to(CARL)[0]
    for subtype in ("plain", "html"):
        text = to_carl.part(subtype)
        assert "manual.pdf (2.0 KB)" in text
        assert "/attachments/" not in text
        assert "/client/tickets" not in text and "/admin/tickets" not in text
        assert "Reply to this email" in text
    # The client (who can sign in) still gets both links.
    to_alice = smtp.to("alice@example.com")[0].part("plain")
    assert "/attachments/" in to_alice and f"/client/tickets/{ticket.number}" in to_alice


async def test_a_follower_unfollows_with_the_link_of_a_mail(gql, world, smtp, recorder, job_ctx):
    xena = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await xena.departments.add(world.dept_x)
    ticket = await open_with_ccs(world)
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    await ccs.set_following(actor=await actor_for(xena), number=ticket.number, following=True)
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Hello?", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    link = unsubscribe_link(smtp.to("xena@example.com")[0])
    # The assignee gets it as assignee: not optional, no link.
    assert smtp.to("xavier@example.com")[0].header("List-Unsubscribe") == ""
    async with httpx.AsyncClient() as http:
        page = await http.get(link)
        assert "xena@example.com follows ticket" in page.text
        assert await TicketFollower.filter(ticket_id=ticket.id).count() == 1
        done = await http.post(link, data=ONE_CLICK)
    assert done.status_code == 200 and "Done:" in done.text
    assert await TicketFollower.filter(ticket_id=ticket.id).count() == 0
    entry = await AuditEntry.filter(ticket_id=ticket.id, field="followers").order_by("-id").first()
    assert entry is not None
    assert (entry.actor_id, entry.old_value, entry.new_value) == (xena.id, "Xena Colleague", None)
    sent = await recorder.take()
    assert [(e.type, e.changes, e.internal) for e in sent] == [
        (EventType.UPDATED, ("followers",), True)
    ]
