"""An index on tickets' ids that carries their client (PostgreSQL), for the search's client
branch.

A search text in many clients' names (a surname: 416 of 20,000 clients, 4,107 tickets) took
the newest 1,000 of their tickets by probing the ``(client_id, department_id, id)`` index once
per client (~1,250 pages for 416 clients). With this index the search walks every ticket
newest first, reading ids and clients only (~140 pages for the same 1,000), and keeps those of
the matching clients (``search.CLIENT_WALK``). SQLite's search does not use it.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def _run(schema_editor, statement: str) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script(statement)


async def _forward(apps, schema_editor) -> None:
    await _run(
        schema_editor, "CREATE INDEX tickets_id_client_idx ON tickets (id) INCLUDE (client_id)"
    )


async def _backward(apps, schema_editor) -> None:
    await _run(schema_editor, "DROP INDEX tickets_id_client_idx")


class Migration(migrations.Migration):
    dependencies = [("models", "0021_search_tuning")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
