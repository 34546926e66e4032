"""Demo data for a first run: an admin, staff in two departments, clients, a dozen tickets."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.actor import actor_for
from app.config import Settings
from app.models import Role, TicketPriority, TicketStatus, User
from app.services import canned, directory, messages, tickets

DEMO_PASSWORD = "helpdesk-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


async def seed_demo(
    settings: Settings, *, admin_email: str = "admin@example.com"
) -> list[DemoLogin]:
    """Idempotent: does nothing when users exist already."""
    if await User.exists():
        return []
    from app.auth.passwords import hash_password
    from app.infra.clock import now

    admin = await User.create(
        email=admin_email,
        name="Ada Admin",
        role=Role.ADMIN,
        password_hash=hash_password(DEMO_PASSWORD),
        created_at=now(),
    )
    root = await actor_for(admin)
    support = await directory.create_department(
        actor=root, name="Support", email="support@helpdesk.localhost"
    )
    billing = await directory.create_department(
        actor=root, name="Billing", email="billing@helpdesk.localhost"
    )
    sam = await directory.create_user(
        actor=root,
        name="Sam Support",
        email="sam@example.com",
        password=DEMO_PASSWORD,
        role=Role.STAFF,
        department_ids=[support.id],
    )
    bea = await directory.create_user(
        actor=root,
        name="Bea Billing",
        email="bea@example.com",
        password=DEMO_PASSWORD,
        role=Role.STAFF,
        department_ids=[billing.id, support.id],
    )
    carol = await directory.create_user(
        actor=root,
        name="Carol Client",
        email="carol@example.com",
        password=DEMO_PASSWORD,
        role=Role.CLIENT,
    )
    dan = await directory.create_user(
        actor=root,
        name="Dan Client",
        email="dan@example.com",
        password=DEMO_PASSWORD,
        role=Role.CLIENT,
    )
    await canned.create_canned(
        actor=root,
        title="Greeting",
        body="Hello {{client_name}},\n\nThanks for contacting us about {{ticket_number}}.\n\n"
        "{{staff_name}}",
    )
    await canned.create_canned(
        actor=root,
        title="Refund issued",
        department_id=billing.id,
        body="Hi {{client_name}}, we have issued your refund.",
    )
    actors = {u.id: await actor_for(u) for u in (sam, bea, carol, dan)}
    subjects = [
        ("Cannot log in", support, carol, TicketPriority.HIGH),
        ("Invoice shows the wrong VAT", billing, carol, TicketPriority.MEDIUM),
        ("Export to CSV fails", support, dan, TicketPriority.LOW),
        ("Refund for a double charge", billing, dan, TicketPriority.URGENT),
        ("Password reset mail never arrives", support, carol, TicketPriority.MEDIUM),
        ("Change billing address", billing, carol, TicketPriority.LOW),
        ("API returns 500 on upload", support, dan, TicketPriority.HIGH),
        ("Add a second user to my account", support, carol, TicketPriority.MEDIUM),
        ("Receipt for March", billing, dan, TicketPriority.LOW),
        ("Dark mode request", support, dan, TicketPriority.LOW),
        ("Cancel subscription", billing, carol, TicketPriority.HIGH),
        ("Page loads slowly", support, carol, TicketPriority.MEDIUM),
    ]
    for index, (subject, department, client, priority) in enumerate(subjects):
        opened = await tickets.open_ticket(
            actor=actors[client.id],
            settings=settings,
            department_id=department.id,
            subject=subject,
            body=f"Hello, {subject.lower()}. Can you help?",
            priority=priority,
        )
        number = opened.ticket.number
        staff = actors[sam.id] if department is support else actors[bea.id]
        stage = index % 6
        if stage >= 1:
            await messages.reply_to_ticket(
                actor=staff, settings=settings, number=number, body="Thanks, looking at it."
            )
        if stage >= 2:
            await messages.reply_to_ticket(
                actor=actors[client.id], settings=settings, number=number, body="Any news?"
            )
        if stage == 3:
            await tickets.update_ticket(
                actor=staff,
                number=number,
                status=TicketStatus.IN_PROGRESS,
                assignee_id=staff.user_id,
            )
        if stage == 4:
            await messages.add_internal_note(
                actor=staff, settings=settings, number=number, body="Waiting on the vendor."
            )
            await tickets.update_ticket(actor=staff, number=number, status=TicketStatus.ON_HOLD)
        if stage == 5:
            await tickets.close_ticket(actor=staff, number=number)
    return [
        DemoLogin("admin", admin_email, DEMO_PASSWORD),
        DemoLogin("staff (Support)", "sam@example.com", DEMO_PASSWORD),
        DemoLogin("staff (Billing, Support)", "bea@example.com", DEMO_PASSWORD),
        DemoLogin("client", "carol@example.com", DEMO_PASSWORD),
        DemoLogin("client", "dan@example.com", DEMO_PASSWORD),
    ]
