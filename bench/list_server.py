"""The server for bench_list.py: the real app, or the same app with its data layer in memory.

``python bench/list_server.py real|memory PORT`` (environment as for ``helpdesk serve``).
In memory mode the ticket list, the loaders and the token lookup answer from objects loaded
once at start-up, so the difference between the two modes is the cost of the database.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import uvicorn

from app.auth.actor import actor_for
from app.config import get_settings
from app.infra import db
from app.main import create_app
from app.models import AuthToken, Department, Ticket, User


async def _load_memory() -> dict[str, Any]:
    await db.connect(get_settings())
    tickets = await Ticket.all().order_by("-last_activity_at", "-number")
    users = {u.id: u for u in await User.all()}
    departments = {d.id: d for d in await Department.all()}
    actors = {}
    for token in await AuthToken.all().select_related("user"):
        actors[token.token_hash] = await actor_for(token.user, token.id)
    return {"tickets": tickets, "users": users, "departments": departments, "actors": actors}


def _patch_memory(memory: dict[str, Any]) -> None:
    import app.graphql_view as view
    from app.auth.tokens import hash_token
    from app.schema.core import loaders
    from app.services import ticket_list

    async def list_tickets(
        *, actor: Any, flt: Any = None, sort: Any = None, first: int = 25, after: Any = None
    ) -> ticket_list.TicketPage:
        rows = memory["tickets"][:first]
        return ticket_list.TicketPage(
            tickets=rows,
            keys=[[t.number] for t in rows],
            has_next=True,
            total=len(memory["tickets"]),
            total_capped=False,
        )

    async def users(ids: Any) -> list[Any]:
        return [memory["users"].get(i) for i in ids]

    async def departments(ids: Any) -> list[Any]:
        return [memory["departments"].get(i) for i in ids]

    async def actor_from_secret(secret: str | None) -> Any:
        return memory["actors"].get(hash_token(secret or ""))

    ticket_list.list_tickets = list_tickets  # type: ignore[assignment]
    loaders._users = users  # type: ignore[assignment]
    loaders._departments = departments  # type: ignore[assignment]
    view.actor_from_secret = actor_from_secret  # type: ignore[assignment]


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "memory":
        memory = asyncio.run(_load_memory())
        asyncio.run(db.disconnect())
        _patch_memory(memory)
    uvicorn.run(
        create_app(get_settings()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
