"""Canned responses: global, per department or personal (one staff member's own), with
placeholders rendered on insert. A placeholder the renderer does not know is refused when the
response is saved, with the list of those it knows."""

from __future__ import annotations

import re

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied
from app.i18n import N_, Msg
from app.infra import db
from app.infra.clock import now
from app.models import CannedResponse, Department, Ticket, User
from app.services import versions
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


MAX_PERSONAL_CANNED = 100
"""Personal canned responses one staff member may have."""


def unknown_placeholders(body: str) -> list[str]:
    """The ``{{names}}`` in ``body`` the renderer does not know, in order, once each."""
    found = re.findall(r"\{\{\s*([^{}]*?)\s*\}\}", body)
    return list(dict.fromkeys(name for name in found if name not in PLACEHOLDERS))


def _check_body(checks: Checks, body: str) -> str:
    body = checks.body("body", body)
    unknown = unknown_placeholders(body)
    if unknown:
        names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        known = ", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
        checks.fail(
            "body",
            Msg(
                "Unknown placeholder {names}. Known placeholders: {known}.",
                names=names,
                known=known,
            ),
        )
    return body


async def create_canned(
    *,
    actor: Actor | None,
    title: str,
    body: str,
    department_id: int | None = None,
    personal: bool = False,
) -> CannedResponse:
    """Admins create shared responses (global or a department's); every staff member and
    admin creates personal ones, which only they see."""
    actor = policy.require_staff(actor) if personal else policy.require_admin(actor)
    checks = Checks()
    title = checks.text("title", title, max_chars=200, label="Title")
    body = _check_body(checks, body)
    if personal and department_id is not None:
        checks.fail("departmentId", "A personal response belongs to no department.")
    elif department_id is not None and not await Department.filter(id=department_id).exists():
        checks.fail("departmentId", "Choose a department that exists.")
    checks.raise_if_any()
    owner_id = actor.user_id if personal else None
    # The count and the insert in one transaction that other creates wait for.
    async with in_transaction() as connection:
        await db.serialize(connection, "cap:canned", table="canned_responses")
        existing = CannedResponse.filter(owner_id=owner_id).using_db(connection)
        if personal and await existing.count() >= MAX_PERSONAL_CANNED:
            checks.fail(
                "title",
                Msg(
                    "You have {n} personal canned responses, the most one may have; "
                    "delete one first.",
                    n=MAX_PERSONAL_CANNED,
                ),
            )
        elif not personal and await existing.count() >= MAX_CANNED_RESPONSES:
            checks.fail(
                "title",
                Msg(
                    "There are {n} canned responses, the most there may be; delete one first.",
                    n=MAX_CANNED_RESPONSES,
                ),
            )
        checks.raise_if_any()
        return await CannedResponse.create(
            title=title,
            body=body,
            department_id=department_id,
            owner_id=owner_id,
            created_at=now(),
            using_db=connection,
        )


async def _editable(actor: Actor | None, canned_id: int) -> CannedResponse:
    """The response if ``actor`` may change it. One they cannot see is NotFound, like a
    missing one; one they see but may not change (a shared one, for staff) is refused."""
    actor = policy.require_staff(actor)
    row = await CannedResponse.filter(policy.canned_scope(actor), id=canned_id).first()
    if row is None:
        raise NotFound("Canned response was not found.", field="id")
    if not policy.can_edit_canned(actor, row.owner_id):
        raise PermissionDenied("Only administrators may change shared canned responses.")
    return row


async def update_canned(
    *,
    actor: Actor | None,
    canned_id: int,
    title: str | None = None,
    body: str | None = None,
    expected_version: int | None = None,
) -> CannedResponse:
    """Edit the title or body (placeholders are checked as on creation); with
    ``expected_version``, one changed since is refused (Conflict) and nothing changes."""
    row = await _editable(actor, canned_id)
    versions.check(row, expected_version, what=N_("This canned response"))
    checks = Checks()
    if title is not None:
        row.title = checks.text("title", title, max_chars=200, label="Title")
    if body is not None:
        row.body = _check_body(checks, body)
    checks.raise_if_any()
    await versions.save(
        row, expected_version, what=N_("This canned response"), update_fields=["title", "body"]
    )
    return row


async def delete_canned(*, actor: Actor | None, canned_id: int) -> CannedResponse:
    row = await _editable(actor, canned_id)
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

    def fill(m: re.Match[str]) -> str:
        value = values.get(m.group(1), m.group(0))
        # "#{{ticket_number}}" reads "#1012", not "##1012".
        if m.group(1) == "ticket_number" and m.string[: m.start()].endswith("#"):
            return value.removeprefix("#")
        return value

    return _PLACEHOLDER.sub(fill, canned.body)
