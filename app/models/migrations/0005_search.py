"""Full-text search indexes, kept current by the database itself.

PostgreSQL: generated ``tsvector`` columns on ticket subjects and message bodies (filled for
existing rows when the column is added) with GIN indexes, and trigram indexes on user names and
addresses for substring matches. SQLite: FTS5 tables over the same
text (external content), kept by triggers and rebuilt here for rows written before.
The language comes from SEARCH_LANGUAGE when the migration runs (see the README).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

from app.config import load_settings


def _sqlite_tokenizer(language: str) -> str:
    return "porter unicode61 remove_diacritics 2" if language == "english" else "unicode61 remove_diacritics 2"


def _postgres(language: str) -> list[str]:
    config = f"'{language}'::regconfig"  # the setting allows only [a-z_]
    return [
        "ALTER TABLE tickets ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector({config}, subject)) STORED",
        "CREATE INDEX tickets_search_vector_idx ON tickets USING GIN (search_vector)",
        "ALTER TABLE messages ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector({config}, body)) STORED",
        "CREATE INDEX messages_search_vector_idx ON messages USING GIN (search_vector)",
        # Names and addresses match as substrings ("carol", "@example"): trigram indexes
        # (pg_trgm is a trusted extension: the database owner may create it).
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX users_name_trgm_idx ON users USING GIN (name gin_trgm_ops)",
        "CREATE INDEX users_email_trgm_idx ON users USING GIN (email gin_trgm_ops)",
    ]


def _sqlite(language: str) -> list[str]:
    tokenize = _sqlite_tokenizer(language)
    statements: list[str] = []
    for fts, table, column in (("ticket_search", "tickets", "subject"), ("message_search", "messages", "body")):
        statements += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
            f"content_rowid='id', tokenize='{tokenize}')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # rows written before
        ]
    return statements


async def _forward(apps, schema_editor) -> None:
    language = load_settings().search_language
    client = schema_editor.client
    dialect = client.capabilities.dialect
    for sql in _postgres(language) if dialect == "postgres" else _sqlite(language):
        await client.execute_script(sql)


async def _backward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("DROP INDEX users_name_trgm_idx, users_email_trgm_idx")
        for table in ("tickets", "messages"):
            await client.execute_script(f"ALTER TABLE {table} DROP COLUMN search_vector")
    else:
        for fts in ("ticket_search", "message_search"):
            for suffix in ("ai", "ad", "au"):
                await client.execute_script(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            await client.execute_script(f"DROP TABLE IF EXISTS {fts}")


class Migration(migrations.Migration):
    dependencies = [("models", "0004_outbox")]

    initial = False

    operations = [
        ops.AddIndex(model_name="Ticket", index=Index(fields=["department_id", "id"])),
        ops.RunPython(_forward, _backward),
    ]
