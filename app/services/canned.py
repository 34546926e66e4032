"""Canned responses: global or per department, with placeholders rendered on insert."""

from __future__ import annotations

import re

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound
from app.infra import db
from app.infra.clock import now
from app.models import CannedResponse, Department, Ticket, User
from app.services.tickets import get_ticket
from app.services.validation import Checks

PLACEHOLDERS = (
    "client_name",
    "client_email",
    "ticket_number",
    "subject",
    "department",
    "staff_name",
)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


async def list_canned(
    *, actor: Actor | None, department_id: int | None = None
) -> list[CannedResponse]:
    """Staff see global responses and those of their departments (one department if asked);
    nobody else sees any."""
    query = CannedResponse.filter(policy.canned_scope(actor))
    if department_id is not None:
        query = query.filter(Q(department_id=None) | Q(department_id=department_id))
    return await query.order_by("title")


MAX_CANNED_RESPONSES = 200
"""Canned responses there may be (the ``cannedResponses`` list is not paged)."""


async def create_canned(
    *, actor: Actor | None, title: str, body: str, department_id: int | None = None
) -> CannedResponse:
    policy.require_admin(actor)
    checks = Checks()
    title = checks.text("title", title, max_chars=200, label="Title")
    body = checks.body("body", body)
    if department_id is not None and not await Department.filter(id=department_id).exists():
        checks.fail("departmentId", "Choose a department that exists.")
    checks.raise_if_any()
    # The count and the insert in one transaction that other creates wait for.
    async with in_transaction() as connection:
        await db.serialize(connection, "cap:canned", table="canned_responses")
        if await CannedResponse.all().using_db(connection).count() >= MAX_CANNED_RESPONSES:
            checks.fail(
                "title",
                f"There are {MAX_CANNED_RESPONSES} canned responses, the most there may be; "
                "delete one first.",
            )
            checks.raise_if_any()
        return await CannedResponse.create(
            title=title,
            body=body,
            department_id=department_id,
            created_at=now(),
            using_db=connection,
        )


async def delete_canned(*, actor: Actor | None, canned_id: int) -> CannedResponse:
    policy.require_admin(actor)
    row = await CannedResponse.get_or_none(id=canned_id)
    if row is None:
        raise NotFound("Canned response was not found.", field="id")
    await row.delete()
    return row


async def render_canned(*, actor: Actor | None, canned: CannedResponse, number: int) -> str:
    """The body with placeholders filled for this ticket and the inserting staff member."""
    actor = policy.require_staff(actor)
    ticket: Ticket = await get_ticket(actor=actor, number=number)
    client = await User.get(id=ticket.client_id)
    department = await Department.get(id=ticket.department_id)
    values = {
        "client_name": client.name,
        "client_email": client.email,
        "ticket_number": f"#{ticket.number}",
        "subject": ticket.subject,
        "department": department.name,
        "staff_name": actor.name,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), canned.body)
