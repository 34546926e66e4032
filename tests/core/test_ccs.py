"""CC and followers through the API: who may set a ticket's CC addresses and follow it, who
reads them, what is refused (typed, changing nothing), the audit trail, and how a contact's
reply shows. Personas: the anonymous, the ticket's client (A), another client (B), staff of
the ticket's department (X), staff of another (Y), an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import NOTE, open_as

from app.config import get_settings
from app.models import AuditEntry, Contact, Message, Ticket, TicketCc, TicketFollower
from app.services import messages

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]
RESULT = """__typename ... on Ticket { number ccs following followers { name }
  ccContacts { name email label } }
  ... on Error { message code field } ... on ValidationError { fieldErrors { field message } }"""
SET_CCS = f"""mutation($number: Int!, $addresses: [String!]!) {{
  setTicketCcs(number: $number, addresses: $addresses) {{ {RESULT} }} }}"""
FOLLOW = f"mutation($number: Int!) {{ followTicket(number: $number) {{ {RESULT} }} }}"
UNFOLLOW = f"mutation($number: Int!) {{ unfollowTicket(number: $number) {{ {RESULT} }} }}"
TICKET = """query($number: Int!) { ticket(number: $number) { number ccs following
  followers { name } ccContacts { email label }
  messages { edges { node { body internal author { name } authorContact { name email label } } } }
  auditTrail { edges { node { field oldValue newValue actor { name } } } } } }"""
OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { number ccs } ... on Error { message code field }
  ... on ValidationError { fieldErrors { field message } } } }"""
COLLEAGUE = "Carl Colleague <carl@customer.example>"


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


@pytest.fixture
async def ticket(world) -> Ticket:
    return await open_as(world.client_a, world.dept_x, subject="Printer on fire")


async def cc_emails(ticket: Ticket) -> list[str]:
    links = await TicketCc.filter(ticket_id=ticket.id).select_related("contact").order_by("id")
    return [link.contact.email for link in links]


# Setting CC addresses ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_may_set_a_tickets_ccs(gql, world, ticket, persona):
    data = await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=token_of(world, persona)
    )
    result = data["setTicketCcs"]
    if persona in ("client_a", "staff_x", "admin"):
        assert result["__typename"] == "Ticket"
        assert result["ccs"] == ["carl@customer.example"]
        assert result["ccContacts"] == [
            {
                "name": "Carl Colleague",
                "email": "carl@customer.example",
                "label": "Carl Colleague <carl@customer.example> (contact of Alice Client)",
            }
        ]
        assert await cc_emails(ticket) == ["carl@customer.example"]
        contact = await Contact.get(email="carl@customer.example")
        assert contact.client_id == world.client_a.id  # a contact of the ticket's client
        return
    expected = "NOT_AUTHENTICATED" if persona == "anonymous" else "NOT_FOUND"
    assert result["code"] == expected
    assert await cc_emails(ticket) == []
    assert await Contact.all().count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_reads_a_tickets_ccs(gql, world, ticket, persona):
    await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=world.client_a.token
    )
    data = await gql.data(TICKET, {"number": ticket.number}, token=token_of(world, persona))
    if persona in ("client_a", "staff_x", "admin"):
        assert data["ticket"]["ccs"] == ["carl@customer.example"]
    else:  # the ticket itself is not theirs to see
        assert data["ticket"] is None


async def test_replacing_and_clearing_ccs_is_audited(gql, world, ticket):
    token = world.staff_x.token
    await gql.data(SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=token)
    changed = await gql.data(
        SET_CCS,
        {"number": ticket.number, "addresses": ["dora@customer.example", COLLEAGUE]},
        token=token,
    )
    assert changed["setTicketCcs"]["ccs"] == ["carl@customer.example", "dora@customer.example"]
    cleared = await gql.data(SET_CCS, {"number": ticket.number, "addresses": []}, token=token)
    assert cleared["setTicketCcs"]["ccs"] == []
    entries = await AuditEntry.filter(ticket_id=ticket.id, field="cc").order_by("id")
    assert [(e.old_value, e.new_value) for e in entries] == [
        (None, "carl@customer.example"),
        ("carl@customer.example", "carl@customer.example, dora@customer.example"),
        ("carl@customer.example, dora@customer.example", None),
    ]
    trail = await gql.data(TICKET, {"number": ticket.number}, token=token)
    shown = [
        e["node"] for e in trail["ticket"]["auditTrail"]["edges"] if e["node"]["field"] == "cc"
    ]
    assert shown[0]["actor"] == {"name": "Xavier Staff"}
    # The same list again changes nothing (no audit entry).
    await gql.data(SET_CCS, {"number": ticket.number, "addresses": []}, token=token)
    assert await AuditEntry.filter(ticket_id=ticket.id, field="cc").count() == 3


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("not an address", "Not a valid email address"),
        ("carl@", "Not a valid email address"),
        ("alice@example.com", "is the ticket's client"),
        # Staff's addresses are refused without saying they are staff's.
        ("Xavier <xavier@example.com>", "xavier@example.com cannot be copied on a ticket"),
        ("admin@example.com", "admin@example.com cannot be copied on a ticket"),
        ("support@helpdesk.test", "one of the helpdesk's own addresses"),
        ("reply+1.2.abc@{domain}", "one of the helpdesk's own addresses"),
    ],
)
async def test_refused_addresses_are_typed_errors_and_change_nothing(
    gql, world, ticket, address, says
):
    address = address.format(domain=get_settings().mail_domain)
    await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=world.client_a.token
    )
    data = await gql.data(
        SET_CCS,
        {"number": ticket.number, "addresses": [COLLEAGUE, address]},
        token=world.client_a.token,
    )
    result = data["setTicketCcs"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "addresses"
    assert says in result["message"]
    assert await cc_emails(ticket) == ["carl@customer.example"]


async def test_at_most_ten_ccs(gql, world, ticket):
    many = [f"colleague{i}@customer.example" for i in range(11)]
    data = await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": many}, token=world.client_a.token
    )
    assert data["setTicketCcs"]["__typename"] == "ValidationError"
    assert "at most 10" in data["setTicketCcs"]["message"]
    assert await cc_emails(ticket) == []
    ok = await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": many[:10]}, token=world.client_a.token
    )
    assert len(ok["setTicketCcs"]["ccs"]) == 10


async def test_a_client_copies_at_most_twenty_new_addresses_a_day(gql, world, frozen_clock):
    """CC mail goes to outside addresses on a client's word: a day's new addresses are capped
    across tickets; addresses the client has copied before are not counted again."""
    first, second, third = [await open_as(world.client_a, world.dept_x) for _ in range(3)]

    async def set_ccs(ticket: Ticket, addresses: list[str]) -> dict:
        data = await gql.data(
            SET_CCS,
            {"number": ticket.number, "addresses": addresses},
            token=world.client_a.token,
        )
        return data["setTicketCcs"]

    batch = [f"c{i}@customer.example" for i in range(20)]
    assert len((await set_ccs(first, batch[:10]))["ccs"]) == 10
    assert len((await set_ccs(second, batch[10:]))["ccs"]) == 10
    refused = await set_ccs(third, ["new@customer.example"])
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "addresses")
    assert "At most 20 new addresses" in refused["message"]
    assert await cc_emails(third) == []
    assert await Contact.filter(email="new@customer.example").count() == 0
    # A colleague copied before is no new address.
    assert (await set_ccs(third, [batch[0]]))["ccs"] == [batch[0]]
    frozen_clock.advance(timedelta(hours=24, minutes=1))
    assert (await set_ccs(third, [batch[0], "new@customer.example"]))["ccs"] == [
        batch[0],
        "new@customer.example",
    ]


async def test_a_client_names_ccs_on_a_new_ticket(gql, world):
    data = await gql.data(
        OPEN,
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "subject": "VPN down",
                "body": "Since this morning.",
                "ccs": [COLLEAGUE],
            }
        },
        token=world.client_a.token,
    )
    assert data["openTicket"]["ccs"] == ["carl@customer.example"]
    refused = await gql.data(
        OPEN,
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "subject": "Another",
                "body": "Text",
                "ccs": ["xavier@example.com"],
            }
        },
        token=world.client_a.token,
    )
    assert refused["openTicket"]["__typename"] == "ValidationError"
    assert refused["openTicket"]["field"] == "ccs"
    assert await Ticket.filter(subject="Another").count() == 0  # nothing was opened


# Following -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_may_follow_a_ticket(gql, world, ticket, persona):
    data = await gql.data(FOLLOW, {"number": ticket.number}, token=token_of(world, persona))
    result = data["followTicket"]
    if persona in ("staff_x", "admin"):
        assert result["__typename"] == "Ticket"
        assert result["following"] is True
        me = getattr(world, persona).user.name
        assert result["followers"] == [{"name": me}]
        assert await TicketFollower.filter(ticket_id=ticket.id).count() == 1
        return
    expected = "NOT_AUTHENTICATED" if persona == "anonymous" else "NOT_FOUND"
    assert result["code"] == expected
    assert await TicketFollower.filter(ticket_id=ticket.id).count() == 0


async def test_unfollow_and_who_sees_followers(gql, world, ticket):
    await gql.data(FOLLOW, {"number": ticket.number}, token=world.staff_x.token)
    await gql.data(FOLLOW, {"number": ticket.number}, token=world.admin.token)
    seen_by_staff = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    assert seen_by_staff["ticket"]["following"] is True
    assert seen_by_staff["ticket"]["followers"] == [{"name": "Ada Admin"}, {"name": "Xavier Staff"}]
    seen_by_client = await gql.data(TICKET, {"number": ticket.number}, token=world.client_a.token)
    assert seen_by_client["ticket"]["followers"] == []
    assert seen_by_client["ticket"]["following"] is False
    left = await gql.data(UNFOLLOW, {"number": ticket.number}, token=world.staff_x.token)
    assert left["unfollowTicket"]["following"] is False
    assert left["unfollowTicket"]["followers"] == [{"name": "Ada Admin"}]
    entries = await AuditEntry.filter(ticket_id=ticket.id, field="followers").order_by("id")
    assert [(e.old_value, e.new_value) for e in entries] == [
        (None, "Xavier Staff"),
        (None, "Ada Admin"),
        ("Xavier Staff", None),
    ]
    # The client's audit-free view: no follower entry reaches them (they see no audit trail).
    assert seen_by_client["ticket"]["auditTrail"]["edges"] == []

    # A follower who may no longer see the ticket (it moved to a department they are not in)
    # is not listed (nor mailed); back in their department, they follow it again.
    await gql.data(FOLLOW, {"number": ticket.number}, token=world.staff_x.token)
    await Ticket.filter(id=ticket.id).update(department_id=world.dept_y.id)
    moved = await gql.data(TICKET, {"number": ticket.number}, token=world.admin.token)
    assert moved["ticket"]["followers"] == [{"name": "Ada Admin"}]
    await Ticket.filter(id=ticket.id).update(department_id=world.dept_x.id)
    back = await gql.data(TICKET, {"number": ticket.number}, token=world.admin.token)
    assert back["ticket"]["followers"] == [{"name": "Ada Admin"}, {"name": "Xavier Staff"}]


# A contact's reply, as everyone sees it ------------------------------------------------------


async def test_a_contacts_reply_shows_as_the_contact_and_notes_stay_staff_only(gql, world, ticket):
    await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=world.client_a.token
    )
    await gql.data(
        NOTE, {"input": {"number": ticket.number, "body": "staff only"}}, token=world.staff_x.token
    )
    contact = await Contact.get(email="carl@customer.example")
    posted = await messages.reply_as_contact(
        contact=contact, settings=get_settings(), ticket=ticket, body="Same here, from Carl."
    )
    assert (await Ticket.get(id=ticket.id)).status.value == "customer_reply"
    label = "Carl Colleague <carl@customer.example> (contact of Alice Client)"
    for persona in ("client_a", "staff_x"):
        data = await gql.data(TICKET, {"number": ticket.number}, token=token_of(world, persona))
        nodes = [e["node"] for e in data["ticket"]["messages"]["edges"]]
        mine = [n for n in nodes if n["body"] == "Same here, from Carl."]
        assert mine == [
            {
                "body": "Same here, from Carl.",
                "internal": False,
                "author": None,
                "authorContact": {
                    "name": "Carl Colleague",
                    "email": "carl@customer.example",
                    "label": label,
                },
            }
        ]
        bodies = [n["body"] for n in nodes]
        assert ("staff only" in bodies) is (persona == "staff_x")
    # Removed from the CC, a contact can no longer post (the mail intake holds such mail).
    await gql.data(SET_CCS, {"number": ticket.number, "addresses": []}, token=world.client_a.token)
    with pytest.raises(Exception, match="no longer copied"):
        await messages.reply_as_contact(
            contact=contact, settings=get_settings(), ticket=ticket, body="Still me"
        )
    assert await Message.filter(ticket_id=ticket.id, author_contact_id=contact.id).count() == 1
    assert posted.message.author_id is None


async def test_a_contact_has_no_account(gql, world, ticket):
    await gql.data(
        SET_CCS, {"number": ticket.number, "addresses": [COLLEAGUE]}, token=world.client_a.token
    )
    login = await gql(
        """mutation { login(email: "carl@customer.example", password: "") {
        __typename ... on Error { code } } }"""
    )
    assert login["data"]["login"]["__typename"] != "Session"
