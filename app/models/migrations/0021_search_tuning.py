"""The search's GIN indexes without a pending list (PostgreSQL).

With ``fastupdate`` (PostgreSQL's default) new rows' words wait in a pending list, up to
``gin_pending_list_limit`` (4 MB), which every lookup in the index reads whole: on the
1,000,000-message benchmark, 6,000 new messages left 98 pending pages, and one lookup of a rare
word read 102 pages instead of 7. A search now asks the index up to four times
(a window and the rest, for subjects and messages), so new messages go straight into the index
instead (each insert does its own few page updates) and the pending list is flushed once here.
SQLite's search (FTS5) has no such list.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_INDEXES = ("messages_search_vector_idx", "tickets_search_vector_idx")


async def _run(schema_editor, fastupdate: bool) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    for index in _INDEXES:
        await client.execute_script(
            f"ALTER INDEX {index} SET (fastupdate = {'on' if fastupdate else 'off'})"
        )
        if not fastupdate:
            await client.execute_script(f"SELECT gin_clean_pending_list('{index}'::regclass)")


async def _forward(apps, schema_editor) -> None:
    await _run(schema_editor, fastupdate=False)


async def _backward(apps, schema_editor) -> None:
    await _run(schema_editor, fastupdate=True)


class Migration(migrations.Migration):
    dependencies = [("models", "0020_message_html")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
