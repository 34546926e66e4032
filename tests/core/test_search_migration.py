"""Migration 0005 indexes what was written before it: a database at 0002 with tickets and
messages, migrated to the head, finds them. Run in a child process on a database of its own
(SQLite file; with TEST_DATABASE_URL on PostgreSQL, a database next to the test one)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.core.migration_support import run_on_own_database

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from tortoise import Tortoise, connections
    from tortoise.migrations.api.migrate import migrate
    from app.config import Settings
    from app.infra.db import tortoise_config

    async def main(url):
        config = tortoise_config(Settings(database_url=url))
        await migrate(config=config, app_labels=["models"], target="models.0004_outbox")
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        conn = connections.get("default")
        now = "2026-01-01 00:00:00+00:00"
        await conn.execute_script(
            "INSERT INTO departments (name, created_at) VALUES ('Support', '" + now + "');"
            "INSERT INTO users (email, name, role, active, created_at) "
            "VALUES ('carol@example.com', 'Carol', 'client', true, '" + now + "');"
            "INSERT INTO tickets (number, subject, status, priority, department_id, client_id, "
            "created_at, last_activity_at) VALUES (1012, 'Printer jammed', 'open', 2, 1, 1, '"
            + now + "', '" + now + "');"
            "INSERT INTO messages (ticket_id, body, internal, source, created_at) "
            "VALUES (1, 'The paper tray is stuck', false, 'web', '" + now + "');"
        )
        await Tortoise.close_connections()
        await migrate(config=config, app_labels=["models"])
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        from app.auth.actor import Actor
        from app.models import Role
        from app.services.ticket_list import TicketFilter, list_tickets
        admin = Actor(user_id=99, role=Role.ADMIN, name="A", email="a@example.com")
        for text in ("trays", "jam", "carol", "#1012"):
            page = await list_tickets(actor=admin, flt=TicketFilter(search=text))
            print(text, [t.number for t in page.tickets])
        await Tortoise.close_connections()

    asyncio.run(main(sys.argv[1]))
    """
)


def test_messages_written_before_the_migration_are_found(tmp_path: Path) -> None:
    result = run_on_own_database(SCRIPT, tmp_path, "migration")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [
        "trays [1012]",
        "jam [1012]",
        "carol [1012]",
        "#1012 [1012]",
    ]
