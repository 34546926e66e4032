"""Messages the system writes are shown in the reader's language (API and mail), and a merge
notice names the ticket it went into only to readers who may see that ticket: not in the body,
not in its HTML, and searching for the number does not find the merged ticket for others."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from arq import Worker

from app.config import Settings, get_settings
from app.models import Message, MessageSource, Ticket
from app.services import merge, messages, system_messages
from app.workers.auto_close import auto_close_tickets
from tests.core.helpers import UPDATE, open_as
from tests.core.test_search import find, numbers
from tests.mail_out.mailout_support import SmtpServer, mail_to, mail_worker

THREAD = """query($n: Int!) { ticket(number: $n) {
  messages { edges { node { body bodyHtml internal source } } } } }"""
PROFILE = """mutation($l: String) { updateProfile(language: $l) { __typename } }"""

DE_CLOSED = "Dieses Ticket wurde nach 7 Tagen ohne Antwort automatisch geschlossen."
EN_CLOSED = "This ticket was closed automatically after 7 days without a reply."


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, gql) -> AsyncIterator[Worker]:
    async with mail_worker(settings, smtp) as runner:
        yield runner


async def thread(gql, person, number: int) -> list[dict]:
    data = await gql.data(THREAD, {"n": number}, token=person.token)
    return [e["node"] for e in data["ticket"]["messages"]["edges"]]


async def answered(world, client) -> Ticket:
    ticket = await open_as(client, world.dept_x, "VPN down", "It is down")
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, settings=get_settings(), number=ticket.number, body="Fixed"
    )
    return ticket


async def test_auto_close_message_in_each_readers_language(gql, world, smtp, mailer, frozen_clock):
    await gql.data(PROFILE, {"l": "de"}, token=world.client_a.token)
    await gql.data(PROFILE, {"l": "en"}, token=world.client_b.token)
    german, english = await answered(world, world.client_a), await answered(world, world.client_b)
    await mail_to(smtp, "alice@example.com", 2)  # the acknowledgement and the reply
    await mail_to(smtp, "bob@example.com", 2)
    frozen_clock.advance(timedelta(days=7))
    assert await auto_close_tickets({"settings": get_settings()}) == 2

    [*_, last] = await thread(gql, world.client_a, german.number)
    assert last["source"] == "SYSTEM" and last["body"].startswith(DE_CLOSED)
    assert DE_CLOSED in last["bodyHtml"]
    [*_, last] = await thread(gql, world.client_b, english.number)
    assert last["body"].startswith(EN_CLOSED) and EN_CLOSED in last["bodyHtml"]
    # Staff without a language of their own read the installation's default (English), and
    # the stored text (what search indexes) is English.
    [*_, last] = await thread(gql, world.staff_x, german.number)
    assert last["body"].startswith(EN_CLOSED)
    stored = await Message.filter(ticket_id=german.id).order_by("-id").first()
    assert stored is not None and stored.body.startswith(EN_CLOSED)
    assert json.loads(stored.template or "") == {"key": "auto_closed", "days": 7}

    # Mail: each client in their language.
    text = (await mail_to(smtp, "alice@example.com", 3)).part("plain")
    assert DE_CLOSED in text and "closed automatically" not in text
    text = (await mail_to(smtp, "bob@example.com", 3)).part("plain")
    assert EN_CLOSED in text


async def test_accept_language_picks_the_language_without_a_profile_choice(
    gql, world, frozen_clock
):
    ticket = await answered(world, world.client_a)
    frozen_clock.advance(timedelta(days=7))
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{gql.base}/graphql",
            json={"query": THREAD, "variables": {"n": ticket.number}},
            headers={
                "Authorization": f"Bearer {world.client_a.token}",
                "Accept-Language": "de-DE,de;q=0.9,en;q=0.5",
            },
        )
    edges = response.json()["data"]["ticket"]["messages"]["edges"]
    assert edges[-1]["node"]["body"].startswith(DE_CLOSED)


@pytest.fixture
async def across(world, frozen_clock):
    """Alice's support ticket (the source) merged by an admin into Bob's billing ticket (the
    target): staff of support and Alice may see the source, not the target."""
    target = await open_as(world.client_b, world.dept_y, "Invoice", "Where is it?")
    frozen_clock.advance(timedelta(minutes=1))
    source = await open_as(world.client_a, world.dept_x, "Printer again", "Still broken")
    frozen_clock.advance(timedelta(minutes=1))
    await merge.merge_tickets(
        actor=world.admin.actor,
        source=source.number,
        target=target.number,
        different_clients=True,
    )
    return source, target


async def test_the_merge_notice_names_the_target_only_to_who_may_see_it(gql, world, across):
    source, target = across
    named = f"This ticket was merged into #{target.number}."
    hidden = "This ticket was merged into another ticket."
    [notice] = await thread(gql, world.admin, source.number)
    assert notice["body"] == named and f"#{target.number}" in notice["bodyHtml"]
    for reader in (world.staff_x, world.client_a):
        [notice] = await thread(gql, reader, source.number)
        assert notice["body"] == hidden, reader
        assert str(target.number) not in notice["bodyHtml"]
    # In German too.
    await gql.data(PROFILE, {"l": "de"}, token=world.client_a.token)
    [notice] = await thread(gql, world.client_a, source.number)
    assert notice["body"] == "Dieses Ticket wurde in ein anderes Ticket zusammengeführt."
    await gql.data(PROFILE, {"l": "de"}, token=world.admin.token)
    [notice] = await thread(gql, world.admin, source.number)
    assert notice["body"] == f"Dieses Ticket wurde in #{target.number} zusammengeführt."

    # The stored (searched) text holds no number: "#N" and "N" find the source for nobody
    # who cannot see the target; the admin still finds the target itself by its number.
    row = await Message.get(ticket_id=source.id, source=MessageSource.SYSTEM)
    assert row.body == hidden and str(target.number) not in (row.body_html or "")
    for reader in (world.staff_x, world.client_a):
        for text in (f"#{target.number}", str(target.number)):
            page = await find(gql, reader, text)
            assert source.number not in numbers(page), (reader, text)
            assert str(target.number) not in json.dumps(page)
    assert target.number in numbers(await find(gql, world.admin, f"#{target.number}"))

    # The target's note about the merge stays staff-only.
    staff_y_view = await thread(gql, world.staff_y, target.number)
    assert staff_y_view[-1] == {
        "body": f"Ticket #{source.number} (Printer again) was merged into this ticket.",
        "bodyHtml": staff_y_view[-1]["bodyHtml"],
        "internal": True,
        "source": "SYSTEM",
    }
    bob_view = await thread(gql, world.client_b, target.number)
    assert [m["body"] for m in bob_view] == ["Where is it?"]


async def test_mail_quoting_the_notice_names_the_target_only_to_who_may_see_it(
    gql, world, across, smtp, mailer
):
    """Assigning the merged ticket mails the assignee its latest public message: the notice."""
    source, target = across
    for person, by, sees in (
        (world.staff_x, world.admin, False),
        (world.admin, world.staff_x, True),
    ):
        assigned = await gql.data(
            UPDATE,
            {"input": {"number": source.number, "assigneeId": str(person.id)}},
            token=by.token,
        )
        assert assigned["updateTicket"]["__typename"] == "Ticket", assigned
        text = (await mail_to(smtp, person.user.email)).part("plain")
        if sees:
            assert f"This ticket was merged into #{target.number}." in text
        else:
            assert "This ticket was merged into another ticket." in text
            assert f"#{target.number}" not in text


async def test_readers_who_see_the_target_read_its_number(gql, world, frozen_clock):
    """Within one department and client, staff and the client see both tickets."""
    target = await open_as(world.client_a, world.dept_x, "Printer", "T")
    source = await open_as(world.client_a, world.dept_x, "Printer again", "S")
    await merge.merge_tickets(actor=world.staff_x.actor, source=source.number, target=target.number)
    [notice] = await thread(gql, world.staff_x, source.number)
    assert notice["body"] == f"This ticket was merged into #{target.number}."
    [notice] = await thread(gql, world.client_a, source.number)  # her own target
    assert notice["body"] == f"This ticket was merged into #{target.number}."


async def test_old_rows_without_a_template_show_their_body(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, "Old", "Body")
    await Message.create(
        ticket_id=ticket.id,
        body="A system text written before templates.",
        source=MessageSource.SYSTEM,
        created_at=ticket.created_at,
    )
    await gql.data(PROFILE, {"l": "de"}, token=world.client_a.token)
    bodies = [m["body"] for m in await thread(gql, world.client_a, ticket.number)]
    assert bodies == ["Body", "A system text written before templates."]


def test_the_migration_recognises_the_texts_the_code_wrote() -> None:
    from importlib import import_module

    migration = import_module("app.models.migrations.0024_message_templates")
    ids = {1012: 7}
    assert migration._template("This ticket was merged into #1012.", ids) == (
        {"key": "merged_into", "ticket": 7, "number": 1012},
        "This ticket was merged into another ticket.",
    )
    assert migration._template("This ticket was merged into #999.", ids) is None
    closed = (
        "This ticket was closed automatically after 1 day without a reply. "
        "If you still need help, reply to reopen it."
    )
    assert migration._template(closed, ids) == ({"key": "auto_closed", "days": 1}, closed)
    for system in (
        system_messages.auto_closed(3),
        system_messages.merged_from(Ticket(number=5, subject="A (b) c")),
        system_messages.unproven_cc("a@example.com", ["b@example.com", "c@example.com"]),
    ):
        template, body = migration._template(system_messages.stored_body(system), ids)
        assert body == system_messages.stored_body(system)
        assert system_messages.parsed(json.dumps(template)) == system
    assert migration._template("Something else.", ids) is None


MERGE_TRAIL = """query($n: Int!) { ticket(number: $n) {
  auditTrail { edges { node { field newValue } } } } }"""


async def merge_entries(gql, person, number: int) -> dict[str, str | None]:
    data = await gql.data(MERGE_TRAIL, {"n": number}, token=person.token)
    edges = data["ticket"]["auditTrail"]["edges"]
    return {
        e["node"]["field"]: e["node"]["newValue"] for e in edges if "merged" in e["node"]["field"]
    }


async def test_the_merge_in_the_audit_trail_names_the_other_ticket_only_to_who_may_see_it(
    gql, world, across
):
    source, target = across
    # The admin sees both tickets: both entries name the other one.
    assert await merge_entries(gql, world.admin, source.number) == {
        "merged into": f"#{target.number}"
    }
    assert await merge_entries(gql, world.admin, target.number) == {"merged": f"#{source.number}"}
    # Support staff see the source, not the target; billing staff the target, not the source:
    # each reads that a merge happened, not the number of the ticket they may not open.
    assert await merge_entries(gql, world.staff_x, source.number) == {"merged into": None}
    assert await merge_entries(gql, world.staff_y, target.number) == {"merged": None}
    # The trail kept for the admin's read is not what staff read, nor the other way round.
    assert await merge_entries(gql, world.admin, source.number) == {
        "merged into": f"#{target.number}"
    }


CONFLICT = """mutation($n: Int!, $v: Int) {
  updateTicket(input: {number: $n, priority: HIGH, expectedVersion: $v}) {
    __typename ... on Error { code message } } }"""


async def test_a_conflict_names_the_merge_as_the_trail_does(gql, world, across):
    source, target = across
    for reader, number, hidden, words in (
        (world.staff_x, source.number, target.number, "merged this ticket into another ticket"),
        (world.staff_y, target.number, source.number, "merged another ticket into this one"),
    ):
        version = (
            await gql.data(
                "query($n: Int!) { ticket(number: $n) { version } }",
                {"n": number},
                token=reader.token,
            )
        )["ticket"]["version"]
        answer = (await gql.data(CONFLICT, {"n": number, "v": version - 1}, token=reader.token))[
            "updateTicket"
        ]
        assert answer["code"] == "CONFLICT", answer
        assert words in answer["message"] and str(hidden) not in answer["message"], answer
