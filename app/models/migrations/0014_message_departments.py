"""Each message carries its ticket's department (PostgreSQL), kept by the database itself;
an index for the search's client-name branch.

A staff member's search reads the newest matching messages of their departments: with
``messages.department_id`` and an index on ``(department_id, id)`` the scope is applied inside
the index walk instead of after it (nine in ten messages belong to other departments of a
staff member in one of ten). Triggers keep the copy right in the same transaction as the
change that moves it: a message written or moved to another ticket (merge) takes that ticket's
department, and a ticket moved to another department moves its messages' copies. The column
is not in the ORM model: only the search reads it. SQLite's search (FTS5) does not use it.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_FORWARD = [
    "ALTER TABLE messages ADD COLUMN department_id INT",
    "UPDATE messages m SET department_id = t.department_id FROM tickets t WHERE t.id = m.ticket_id",
    "CREATE INDEX messages_department_id_id_idx ON messages (department_id, id)",
    # The client-name branch: the newest tickets of the matching clients (in the searcher's
    # departments) from the index alone.
    "CREATE INDEX tickets_client_department_id_idx ON tickets (client_id, department_id, id)",
    """CREATE FUNCTION messages_take_department() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.department_id := (SELECT department_id FROM tickets WHERE id = NEW.ticket_id);
    RETURN NEW;
END $$""",
    "CREATE TRIGGER messages_department_biu BEFORE INSERT OR UPDATE OF ticket_id ON messages "
    "FOR EACH ROW EXECUTE FUNCTION messages_take_department()",
    """CREATE FUNCTION tickets_move_message_departments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE messages SET department_id = NEW.department_id WHERE ticket_id = NEW.id;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER tickets_department_au AFTER UPDATE OF department_id ON tickets "
    "FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id) "
    "EXECUTE FUNCTION tickets_move_message_departments()",
    # The subject branch's and message branch's choices depend on how common a word is:
    # finer statistics on the text columns (the default tracks too few words).
    "ALTER TABLE messages ALTER COLUMN search_vector SET STATISTICS 1000",
    "ALTER TABLE tickets ALTER COLUMN search_vector SET STATISTICS 1000",
    "ANALYZE messages",
    "ANALYZE tickets",
]

_BACKWARD = [
    "ALTER TABLE tickets ALTER COLUMN search_vector SET STATISTICS -1",
    "ALTER TABLE messages ALTER COLUMN search_vector SET STATISTICS -1",
    "DROP INDEX tickets_client_department_id_idx",
    "DROP TRIGGER tickets_department_au ON tickets",
    "DROP FUNCTION tickets_move_message_departments()",
    "DROP TRIGGER messages_department_biu ON messages",
    "DROP FUNCTION messages_take_department()",
    "ALTER TABLE messages DROP COLUMN department_id",
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
    dependencies = [("models", "0013_report_indexes")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
