"""A GIN index of messages' words by department (PostgreSQL), for a staff member's search.

Staff search their departments' messages one department at a time. A word with fewer matches
in a department than the search ranks had its older matches found by intersecting the word's
matches in every department with the department's whole ``(department_id, id)`` range: a
bitmap of ~98,000 rows built for ~240 matches (11-30 ms of a 15-31 ms statement on the
1,000,000-message benchmark). With ``btree_gin`` the department and the word come from one
index: ~3 ms and half the pages. Without the pending list, as the other search indexes
(migration 0021). SQLite's search (FTS5) does not use it.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def _forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script("CREATE EXTENSION IF NOT EXISTS btree_gin")
    await client.execute_script(
        "CREATE INDEX messages_department_search_idx ON messages "
        "USING GIN (department_id, search_vector) WITH (fastupdate = off)"
    )


async def _backward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script("DROP INDEX messages_department_search_idx")


class Migration(migrations.Migration):
    dependencies = [("models", "0022_search_clients")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
