"""Staff signatures: set on one's profile (or by an admin), kept on each public reply as it was
when sent, never on notes or client replies; bounded, typed errors; seen by owner and admins."""

from __future__ import annotations

from helpers import NOTE, REPLY, open_as

from app.config import get_settings
from app.models import Message, MessageSource, User
from app.services import messages, profile
from app.services.profile import MAX_SIGNATURE_CHARS, MAX_SIGNATURE_LINES

PROFILE = """mutation($signature: String) { updateProfile(signature: $signature) {
  __typename ... on User { id signature } ... on Error { message code field } } }"""
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { id signature } ... on Error { message code field } } }"""
THREAD = """query($number: Int!) { ticket(number: $number) {
  messages { edges { node { body internal signature signatureHtml author { name } } } } } }"""
USER_SIGNATURE = "query { me { signature } }"

SIGNATURE = "Sam Staff\n**Support team**, Example Ltd"


async def set_signature(gql, person, signature: str | None) -> dict:
    return (await gql.data(PROFILE, {"signature": signature}, token=person.token))["updateProfile"]


async def thread(gql, person, number: int) -> list[dict]:
    data = await gql.data(THREAD, {"number": number}, token=person.token)
    return [edge["node"] for edge in data["ticket"]["messages"]["edges"]]


async def test_staff_public_replies_carry_the_signature_as_it_was_when_sent(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, body="Printer broken")
    done = await set_signature(gql, world.staff_x, "  " + SIGNATURE + "  \n")
    assert (done["__typename"], done["signature"]) == ("User", SIGNATURE)
    assert (await gql.data(USER_SIGNATURE, token=world.staff_x.token))["me"]["signature"] == (
        SIGNATURE
    )
    reply = {"input": {"number": ticket.number, "body": "Try turning it off."}}
    sent = (await gql.data(REPLY, reply, token=world.staff_x.token))["replyToTicket"]
    assert sent["body"] == "Try turning it off."  # the body stays what was written
    await gql.data(
        NOTE, {"input": {"number": ticket.number, "body": "just a note"}}, token=world.staff_x.token
    )
    await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "Thanks!"}}, token=world.client_a.token
    )
    # A later edit changes what is sent next, not what was sent.
    await set_signature(gql, world.staff_x, "Sam, new title")
    staff_view = await thread(gql, world.staff_x, ticket.number)
    assert [(m["body"], m["signature"]) for m in staff_view] == [
        ("Printer broken", None),
        ("Try turning it off.", SIGNATURE),
        ("just a note", None),
        ("Thanks!", None),
    ]
    # The client sees the signature under the reply too.
    client_view = await thread(gql, world.client_a, ticket.number)
    assert [m["signature"] for m in client_view] == [None, SIGNATURE, None]
    # Rendered as Markdown by the body's renderer, for the web thread.
    assert [m["signatureHtml"] for m in client_view] == [
        None,
        "<p>Sam Staff<br>\n<strong>Support team</strong>, Example Ltd</p>",
        None,
    ]
    # Removing it: replies go out unsigned.
    removed = await set_signature(gql, world.staff_x, "")
    assert removed["signature"] == ""
    reply = {"input": {"number": ticket.number, "body": "Unsigned."}}
    sent = await gql.data(REPLY, reply, token=world.staff_x.token)
    assert (await thread(gql, world.staff_x, ticket.number))[-1]["signature"] is None


async def test_a_signature_is_bounded_and_a_bad_one_changes_nothing(gql, world):
    await set_signature(gql, world.staff_x, "Sam")
    too_long = await set_signature(gql, world.staff_x, "x" * (MAX_SIGNATURE_CHARS + 1))
    assert (too_long["__typename"], too_long["field"]) == ("ValidationError", "signature")
    assert "1000 characters" in too_long["message"]
    too_tall = await set_signature(gql, world.staff_x, "line\n" * MAX_SIGNATURE_LINES + "last")
    assert (too_tall["__typename"], too_tall["field"]) == ("ValidationError", "signature")
    nul = await set_signature(gql, world.staff_x, "Sam\x00")
    assert (nul["__typename"], nul["field"]) == ("ValidationError", "signature")
    assert (await User.get(id=world.staff_x.id)).signature == "Sam"
    # Exactly the limit is fine.
    ok = await set_signature(gql, world.staff_x, "y" * MAX_SIGNATURE_CHARS)
    assert ok["__typename"] == "User"


async def test_who_may_set_and_see_a_signature(gql, world):
    # Clients have none to set; the anonymous are asked to sign in.
    refused = await set_signature(gql, world.client_a, "Alice")
    assert (refused["__typename"], refused["code"]) == ("PermissionDenied", "PERMISSION_DENIED")
    anonymous = (await gql.data(PROFILE, {"signature": "x"}))["updateProfile"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    # An admin sets it on the user editor, and sees it; other staff and clients read null.
    edited = (
        await gql.data(
            UPDATE_USER,
            {"input": {"id": str(world.staff_x.id), "signature": "Sam\nSupport"}},
            token=world.admin.token,
        )
    )["updateUser"]
    assert (edited["__typename"], edited["signature"]) == ("User", "Sam\nSupport")
    query = "query { users(first: 100) { edges { node { id signature } } } }"
    for person, expected in (
        (world.admin, "Sam\nSupport"),
        (world.staff_x, "Sam\nSupport"),
        (world.staff_y, None),
    ):
        data = await gql.data(query, token=person.token)
        found = [
            e["node"]["signature"]
            for e in data["users"]["edges"]
            if e["node"]["id"] == str(world.staff_x.id)
        ]
        # Staff of another department may not list them at all; if they could, it is null.
        assert found == [expected] or (expected is None and found == []), found
    # A client reads the author of a reply without the profile's signature.
    ticket = await open_as(world.client_a, world.dept_x)
    await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "Hi"}}, token=world.staff_x.token
    )
    authors = """query($number: Int!) { ticket(number: $number) {
      messages { edges { node { signature author { signature } } } } } }"""
    data = await gql.data(authors, {"number": ticket.number}, token=world.client_a.token)
    reply = data["ticket"]["messages"]["edges"][-1]["node"]
    assert reply == {"signature": "Sam\nSupport", "author": {"signature": None}}
    # Staff may not set another's through updateUser.
    denied = (
        await gql.data(
            UPDATE_USER,
            {"input": {"id": str(world.staff_y.id), "signature": "forged"}},
            token=world.staff_x.token,
        )
    )["updateUser"]
    assert denied["code"] == "PERMISSION_DENIED"
    assert (await User.get(id=world.staff_y.id)).signature == ""


async def test_a_reply_staff_send_by_mail_is_not_signed_again(world):
    ticket = await open_as(world.client_a, world.dept_x)
    await profile.update_profile(actor=world.staff_x.actor, signature="Sam")
    posted = await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        settings=get_settings(),
        number=ticket.number,
        body="Answered from my mail program\n-- \nSam (mail signature)",
        source=MessageSource.EMAIL,
    )
    assert (await Message.get(id=posted.message.id)).signature is None
    posted = await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        settings=get_settings(),
        number=ticket.number,
        body="Answered through the API",
        source=MessageSource.API,
    )
    assert (await Message.get(id=posted.message.id)).signature == "Sam"
