"""Merging carries who else hears of a ticket: the source's followers follow the target (those
who may see it), and its CC'd contacts are CC'd on the target when both tickets have the same
client. Across clients the CCs stay on the source: the target's client learns nothing, and no
contact of another client is mailed the target's conversation."""

from __future__ import annotations

from helpers import open_as

from app.auth.actor import actor_for
from app.config import get_settings
from app.infra.clock import now
from app.models import AuditEntry, Contact, Role, TicketCc, TicketFollower, User
from app.services import ccs, messages

CARL = "carl@customer.example"
DORA = "dora@customer.example"
EVE = "eve@customer.example"

MERGE = """mutation($s: Int!, $t: Int!, $d: Boolean! = false) {
  mergeTickets(source: $s, target: $t, differentClients: $d) {
    __typename ... on MergedTickets { target { number } } ... on Error { code message } } }"""
TICKET = """query($n: Int!) { ticket(number: $n) { ccs followers { name } } }"""


async def cc_emails(ticket_id: int) -> list[str]:
    links = await TicketCc.filter(ticket_id=ticket_id).select_related("contact").order_by("id")
    return [link.contact.email for link in links]


async def follower_ids(ticket_id: int) -> list[int]:
    return sorted(
        await TicketFollower.filter(ticket_id=ticket_id).values_list("user_id", flat=True)
    )


async def set_ccs(person, ticket, *addresses: str) -> None:
    await ccs.set_ticket_ccs(
        actor=person.actor, settings=get_settings(), number=ticket.number, addresses=addresses
    )


async def xena(world) -> User:
    user = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await user.departments.add(world.dept_x)
    return user


async def test_same_client_merge_carries_ccs_and_followers_who_may_see_the_target(gql, world):
    source = await open_as(world.client_a, world.dept_y, subject="Printer again")
    target = await open_as(world.client_a, world.dept_x)
    await set_ccs(world.client_a, source, f"Carl Colleague <{CARL}>", DORA, EVE)
    await set_ccs(world.client_a, target, EVE)
    x = await xena(world)
    await x.departments.add(world.dept_y)
    await ccs.set_following(actor=await actor_for(x), number=source.number, following=True)
    # Yolanda works only Billing (the source's department): she may not see the target.
    await ccs.set_following(actor=world.staff_y.actor, number=source.number, following=True)

    merged = await gql.data(
        MERGE, {"s": source.number, "t": target.number}, token=world.admin.token
    )
    assert merged["mergeTickets"]["__typename"] == "MergedTickets"
    assert await cc_emails(target.id) == [EVE, CARL, DORA]
    assert await follower_ids(target.id) == [x.id]
    trail = {
        e.field: (e.old_value, e.new_value)
        for e in await AuditEntry.filter(ticket_id=target.id, field__in=["cc", "followers"])
        .order_by("id")
        .all()
    }
    assert trail == {"cc": (EVE, f"{EVE}, {CARL}, {DORA}"), "followers": (None, "Xena Colleague")}
    seen = await gql.data(TICKET, {"n": target.number}, token=world.client_a.token)
    assert seen["ticket"]["ccs"] == [EVE, CARL, DORA]

    # Carl, CC'd on the target now, may write there by mail (as the source's contact could).
    carl = await Contact.get(email=CARL)
    posted = await messages.reply_as_contact(
        contact=carl, settings=get_settings(), ticket=target, body="Still broken."
    )
    assert posted.ticket.id == target.id


async def test_different_clients_merge_carries_followers_but_never_ccs(gql, world):
    source = await open_as(world.client_b, world.dept_x, subject="Bob's printer")
    target = await open_as(world.client_a, world.dept_x)
    await set_ccs(world.client_b, source, DORA)
    await set_ccs(world.client_a, target, CARL)
    x = await xena(world)
    await ccs.set_following(actor=await actor_for(x), number=source.number, following=True)
    before = await AuditEntry.filter(ticket_id=target.id, field="cc").count()

    merged = await gql.data(
        MERGE, {"s": source.number, "t": target.number, "d": True}, token=world.staff_x.token
    )
    assert merged["mergeTickets"]["__typename"] == "MergedTickets"
    # Bob's colleague is not copied on Alice's ticket (it would be mailed her conversation),
    # and Alice learns of no new address; the source keeps its CCs (closed, merged).
    assert await cc_emails(target.id) == [CARL]
    assert await cc_emails(source.id) == [DORA]
    assert await AuditEntry.filter(ticket_id=target.id, field="cc").count() == before
    seen = await gql.data(TICKET, {"n": target.number}, token=world.client_a.token)
    assert seen["ticket"] == {"ccs": [CARL], "followers": []}
    # Staff followers carry: they see the source's messages there as internal notes.
    assert await follower_ids(target.id) == [x.id]
    staff_view = await gql.data(TICKET, {"n": target.number}, token=world.staff_x.token)
    assert staff_view["ticket"]["followers"] == [{"name": "Xena Colleague"}]
