"""A server process keeps thread pages by the ticket's version: a change made by another
process (here the test's, through the services) shows on that server's next read, with the
ticket's tags and department as they are now."""

from __future__ import annotations

import httpx
import pytest
from ops import open_ticket
from processes import ServerProcess

from app.config import get_settings
from app.services import directory, messages, tags

pytestmark = pytest.mark.slow

PAGE = """
query($number: Int!) { ticket(number: $number) { department { name } tags { name }
  messages(first: 100) { edges { node { body internal } } } } }
"""


async def _page(base: str, number: int, token: str) -> dict:  # type: ignore[type-arg]
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": PAGE, "variables": {"number": number}},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["ticket"]  # type: ignore[no-any-return]


def _bodies(page: dict) -> list[str]:  # type: ignore[type-arg]
    return [edge["node"]["body"] for edge in page["messages"]["edges"]]


async def test_changes_made_by_another_process_show_on_the_servers_next_read(start, world):
    server = start("serve")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    ticket = await open_ticket(world.client_a, world.dept_x)
    staff, client = world.staff_x.token, world.client_a.token
    first = await _page(server.base, ticket.number, staff)
    assert await _page(server.base, ticket.number, staff) == first  # read twice: kept
    assert len(_bodies(first)) == 1 and first["tags"] == []

    settings = get_settings()
    await messages.add_internal_note(
        actor=world.staff_x.actor, settings=settings, number=ticket.number, body="Secret note"
    )
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, settings=settings, number=ticket.number, body="Fixed it"
    )
    tag = await tags.create_tag(actor=world.admin.actor, name="vip", color="#aa0000")
    await tags.change_ticket_tags(actor=world.staff_x.actor, number=ticket.number, add=[tag.id])
    await directory.update_department(
        actor=world.admin.actor, department_id=world.dept_x.id, name="Support Desk"
    )

    now = await _page(server.base, ticket.number, staff)
    assert _bodies(now)[1:] == ["Secret note", "Fixed it"]
    assert now["tags"] == [{"name": "vip"}]
    assert now["department"] == {"name": "Support Desk"}
    theirs = await _page(server.base, ticket.number, client)
    assert _bodies(theirs)[1:] == ["Fixed it"]  # never the note
    assert theirs["tags"] == []
