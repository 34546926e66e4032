"""BRIN indexes on the ids of messages and tickets (PostgreSQL), for the search's windows.

The search asks the GIN index for older matches window by window (``search.WINDOWS``): the
planner intersects the word's matches with a range of ids from these (tiny: a few pages per
million rows) indexes, so only the table pages of that window are read. Rows are appended in
id order, so a range of ids is a range of pages; where it is not (rows moved by an update),
the window still finds every match, only reads more pages. SQLite's search (FTS5) does not
use them.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_FORWARD = [
    "CREATE INDEX messages_id_brin_idx ON messages USING BRIN (id) WITH (pages_per_range = 32)",
    "CREATE INDEX tickets_id_brin_idx ON tickets USING BRIN (id) WITH (pages_per_range = 32)",
]

_BACKWARD = [
    "DROP INDEX tickets_id_brin_idx",
    "DROP INDEX messages_id_brin_idx",
]


async def _run(schema_editor, statements: list[str]) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    for sql in statements:
        await client.execute_script(sql)


async def _forward(apps, schema_editor) -> None:
    await _run(schema_editor, _FORWARD)


async def _backward(apps, schema_editor) -> None:
    await _run(schema_editor, _BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("models", "0016_cc_followers")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
