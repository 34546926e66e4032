"""Migration 0024 converts the system messages written before it: a database at 0023 with a
merge notice, an auto-close message and a text it does not know, migrated to the head, shows
the first two from their templates (the merge notice's stored, searched text without the
target's number) and the third as it was. Run in a child process on a database of its own
(SQLite file; with TEST_DATABASE_URL on PostgreSQL, a database next to the test one)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.core.migration_support import run_on_own_database

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from tortoise import Tortoise, connections
    from tortoise.migrations.api.migrate import migrate
    from app.config import Settings
    from app.infra.db import tortoise_config

    async def main(url):
        config = tortoise_config(Settings(database_url=url))
        await migrate(config=config, app_labels=["models"], target="models.0023_search_department_words")
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        from app.infra.clock import now
        from app.models import Department, Role, Ticket, TicketStatus, User
        stamp = now()
        dept = await Department.create(name="Support", created_at=stamp)
        carol = await User.create(email="carol@example.com", name="Carol", role=Role.CLIENT,
                                  created_at=stamp)
        dave = await User.create(email="dave@example.com", name="Dave", role=Role.CLIENT,
                                 created_at=stamp)
        target = await Ticket.create(number=1013, subject="Other", department=dept, client=dave,
                                     created_at=stamp, last_activity_at=stamp)
        source = await Ticket.create(number=1012, subject="Printer", department=dept,
                                     client=carol, status=TicketStatus.CLOSED,
                                     merged_into_id=target.id, created_at=stamp,
                                     last_activity_at=stamp)
        conn = connections.get("default")
        mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
        for body in (
            "This ticket was merged into #1013.",
            "This ticket was closed automatically after 7 days without a reply. "
            "If you still need help, reply to reopen it.",
            "Something the system said once.",
        ):
            await conn.execute_query(
                "INSERT INTO messages (ticket_id, body, internal, source, created_at) "
                f"VALUES ({source.id}, {mark}, false, 'system', '2026-01-01 00:00:00+00:00')",
                [body],
            )
        await Tortoise.close_connections()
        await migrate(config=config, app_labels=["models"])
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        from app.auth.actor import actor_for
        from app.i18n import Translator
        from app.models import Message
        from app.services import system_messages
        from app.services.ticket_list import TicketFilter, list_tickets
        rows = await Message.filter(ticket_id=source.id).order_by("id")
        german = await system_messages.bodies(
            actor=await actor_for(carol), translator=lambda: Translator("de"), messages=rows
        )
        out = {
            "stored": [[r.body, json.loads(r.template) if r.template else None] for r in rows],
            "carol_de": [german.get(r.id) for r in rows],
            "carol_search": [
                [t.number for t in (await list_tickets(actor=await actor_for(carol),
                                                       flt=TicketFilter(search=text))).tickets]
                for text in ("#1013", "1013")
            ],
        }
        print(json.dumps(out))
        await Tortoise.close_connections()

    asyncio.run(main(sys.argv[1]))
    """
)


def test_system_messages_written_before_the_migration_are_converted(tmp_path: Path) -> None:
    result = run_on_own_database(SCRIPT, tmp_path, "templates")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    closed = (
        "This ticket was closed automatically after 7 days without a reply. "
        "If you still need help, reply to reopen it."
    )
    assert out["stored"] == [
        [
            "This ticket was merged into another ticket.",
            {"key": "merged_into", "ticket": 1, "number": 1013},
        ],
        [closed, {"key": "auto_closed", "days": 7}],
        ["Something the system said once.", None],
    ]
    assert out["carol_de"] == [
        "Dieses Ticket wurde in ein anderes Ticket zusammengeführt.",
        "Dieses Ticket wurde nach 7 Tagen ohne Antwort automatisch geschlossen. Wenn Sie noch "
        "Hilfe brauchen, antworten Sie, um es wieder zu öffnen.",
        None,
    ]
    assert out["carol_search"] == [[], []]
