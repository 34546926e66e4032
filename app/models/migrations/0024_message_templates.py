"""System messages are stored as a template key and values (``messages.template``, JSON) and
shown in the reader's language (app/services/system_messages.py).

Existing system messages whose English text is one the code wrote are converted: the auto-close
message, both merge messages and the intake's note about an unproven Cc. A merge notice
"This ticket was merged into #N." keeps, as its stored (searched) body, "This ticket was
merged into another ticket.", so searching for #N no longer finds the merged ticket for
someone who may not see #N. Its HTML is rendered again when first read. Anything else (a text
not recognised) keeps its body and is shown as it is.
"""

import json
import re

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

_AUTO_CLOSED = re.compile(
    r"This ticket was closed automatically after (?:1 day|(\d+) days) without a reply\. "
    r"If you still need help, reply to reopen it\."
)
_MERGED_INTO = re.compile(r"This ticket was merged into #(\d+)\.")
_MERGED_FROM = re.compile(r"Ticket #(\d+) \((.*)\) was merged into this ticket\.", re.DOTALL)
_UNPROVEN_CC = re.compile(
    r"The mail that opened this ticket had a Cc, which was not added: nothing proves that "
    r"(.*) sent it, and a forged sender could copy strangers on the client's replies\. "
    r"Add them under CC if the client wants them: (.*)\.",
    re.DOTALL,
)
_HIDDEN_TARGET = "This ticket was merged into another ticket."


def _template(body: str, ticket_ids: dict[int, int]) -> tuple[dict, str] | None:
    """(the template, the body to store) for a text the code wrote, else None."""
    if found := _AUTO_CLOSED.fullmatch(body):
        return {"key": "auto_closed", "days": int(found.group(1) or 1)}, body
    if found := _MERGED_INTO.fullmatch(body):
        number = int(found.group(1))
        if number not in ticket_ids:
            return None
        return {"key": "merged_into", "ticket": ticket_ids[number], "number": number}, (
            _HIDDEN_TARGET
        )
    if found := _MERGED_FROM.fullmatch(body):
        return {
            "key": "merged_from",
            "number": int(found.group(1)),
            "subject": found.group(2),
        }, body
    if found := _UNPROVEN_CC.fullmatch(body):
        return {"key": "unproven_cc", "sender": found.group(1), "addresses": found.group(2)}, body
    return None


async def _forward(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict(
        "SELECT id, body FROM messages WHERE source = 'system' AND template IS NULL"
    )
    if not rows:
        return
    numbers = sorted(
        {int(m.group(1)) for row in rows if (m := _MERGED_INTO.fullmatch(row["body"]))}
    )
    ticket_ids: dict[int, int] = {}
    if numbers:
        marks = ",".join(f"${i + 1}" if postgres else "?" for i in range(len(numbers)))
        found = await client.execute_query_dict(
            f"SELECT id, number FROM tickets WHERE number IN ({marks})", numbers
        )
        ticket_ids = {int(row["number"]): int(row["id"]) for row in found}
    update = (
        "UPDATE messages SET template = $1, body = $2, body_html = NULL WHERE id = $3"
        if postgres
        else "UPDATE messages SET template = ?, body = ?, body_html = NULL WHERE id = ?"
    )
    for row in rows:
        converted = _template(row["body"], ticket_ids)
        if converted is not None:
            template, body = converted
            await client.execute_query(
                update, [json.dumps(template, sort_keys=True), body, int(row["id"])]
            )


async def _backward(apps, schema_editor) -> None:
    return None  # the column goes; a hidden merge target stays hidden


class Migration(migrations.Migration):
    dependencies = [("models", "0023_search_department_words")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Message",
            name="template",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.RunPython(_forward, _backward),
    ]
