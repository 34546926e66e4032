"""Thread pages are kept in the process by the ticket's version (app.services.thread_cache):
every change shows at once, to each viewer only what the policy lets them read."""

from __future__ import annotations

from helpers import open_as

from app.config import get_settings
from app.models import Message, Ticket, TicketPriority, User
from app.services import merge, messages, tickets
from app.services.thread_cache import ThreadCache, ThreadPage, threads

THREAD = """
query($number: Int!) { ticket(number: $number) { version
  messages(first: 100) { edges { node { body internal author { name }
    attachments { filename } } } } } }
"""


async def _bodies(gql, token: str, number: int) -> list[str]:  # type: ignore[no-untyped-def]
    data = await gql.data(THREAD, {"number": number}, token=token)
    return [edge["node"]["body"] for edge in data["ticket"]["messages"]["edges"]]


async def test_a_reply_and_a_note_show_at_once_and_a_note_never_to_the_client(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, body="First")
    staff, client = world.staff_x.token, world.client_a.token
    assert await _bodies(gql, staff, ticket.number) == ["First"]
    assert await _bodies(gql, client, ticket.number) == ["First"]
    kept = threads.hits
    assert await _bodies(gql, staff, ticket.number) == ["First"]
    assert threads.hits == kept + 1  # the second read came from the process

    # Through the services, as another process would: nothing tells this process's cache.
    await messages.add_internal_note(
        actor=world.staff_x.actor, settings=get_settings(), number=ticket.number, body="Secret"
    )
    assert await _bodies(gql, staff, ticket.number) == ["First", "Secret"]
    assert await _bodies(gql, client, ticket.number) == ["First"]  # never the note
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, settings=get_settings(), number=ticket.number, body="Done"
    )
    assert await _bodies(gql, client, ticket.number) == ["First", "Done"]
    assert await _bodies(gql, staff, ticket.number) == ["First", "Secret", "Done"]
    # Another client, and staff of another department, still see nothing of it.
    for outsider in (world.client_b, world.staff_y):
        data = await gql.data(THREAD, {"number": ticket.number}, token=outsider.token)
        assert data["ticket"] is None


async def test_an_author_renamed_shows_renamed_on_a_kept_page(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, body="First")
    data = await gql.data(THREAD, {"number": ticket.number}, token=world.staff_x.token)
    assert data["ticket"]["messages"]["edges"][0]["node"]["author"]["name"] == "Alice Client"
    await User.filter(id=world.client_a.id).update(name="Alice Renamed")
    data = await gql.data(THREAD, {"number": ticket.number}, token=world.staff_x.token)
    assert data["ticket"]["messages"]["edges"][0]["node"]["author"]["name"] == "Alice Renamed"


async def test_a_merge_shows_the_moved_messages_on_the_target_and_the_note_on_the_source(
    gql, world
):
    source = await open_as(world.client_a, world.dept_x, body="Source text")
    target = await open_as(world.client_a, world.dept_x, body="Target text")
    staff = world.staff_x.token
    assert await _bodies(gql, staff, source.number) == ["Source text"]
    assert await _bodies(gql, staff, target.number) == ["Target text"]
    await merge.merge_tickets(actor=world.staff_x.actor, source=source.number, target=target.number)
    moved = await _bodies(gql, staff, target.number)
    assert "Source text" in moved and "Target text" in moved
    left = await _bodies(gql, staff, source.number)
    assert "Source text" not in left and any(f"#{target.number}" in b for b in left)


async def test_the_cache_is_bounded_by_size_least_recently_used_first(database):
    def page(text: str) -> ThreadPage:
        row = Message(id=1, ticket_id=1, body=text, internal=False)
        return ThreadPage(messages=[row], has_next=False, files=[[]])

    cache = ThreadCache(max_bytes=100_000)
    one = page("x" * 3_000)  # about 6,600 bytes each
    for key in range(10):
        cache.put(key, one)
    cache.get(0)  # used: kept longer than 1
    for key in range(10, 20):
        cache.put(key, one)
    assert cache.bytes <= 100_000
    assert cache.get(0) is one and cache.get(1) is None
    cache.put("big", page("x" * 20_000))  # over a tenth of the bound: not kept
    assert cache.get("big") is None
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0


async def test_a_partly_read_ticket_is_never_served_from_the_cache(world):
    ticket = await open_as(world.client_a, world.dept_x, body="First")
    partial = (
        await Ticket.filter(id=ticket.id).only("id", "number", "department_id", "client_id").first()
    )
    assert partial is not None
    before = len(threads)
    page = await messages.thread_page(actor=world.staff_x.actor, ticket=partial)
    assert [m.body for m in page.messages] == ["First"]
    assert len(threads) == before  # its version was not read: nothing kept under it


TRAIL = """
query($number: Int!) { ticket(number: $number) {
  auditTrail { edges { node { field oldValue newValue } } } } }
"""


async def test_an_audit_trail_shows_a_change_at_once_and_never_to_the_client(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)

    async def trail(token: str) -> list[tuple[str, str]]:
        data = await gql.data(TRAIL, {"number": ticket.number}, token=token)
        edges = data["ticket"]["auditTrail"]["edges"]
        return [(e["node"]["field"], e["node"]["newValue"]) for e in edges]

    assert await trail(world.staff_x.token) == []
    assert await trail(world.staff_x.token) == []  # kept
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.HIGH
    )
    assert await trail(world.staff_x.token) == [("priority", "HIGH")]
    assert await trail(world.admin.token) == [("priority", "HIGH")]
    assert await trail(world.client_a.token) == []  # the trail is staff's
