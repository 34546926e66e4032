"""The product database of the ceiling benchmark, made through the product's own services.

3 departments, an admin, 6 staff, 40 clients and ``tickets`` tickets (every other one the
benchmark client's, so My Tickets has more than 100; half of them assigned). Three more
tickets have threads of 10, 50 and 100 messages (client and staff in turn, every seventh an
internal note, one attachment each) and 8 audit entries; the 50-message one is the ticket
page. An SLA policy for every department's tickets (so the SLA fields have values), three
tags (every third list ticket and the thread tickets carry two). One more ticket, answered by
staff, takes the benchmark's replies.
"""

from __future__ import annotations

import itertools
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

WORDS = [
    "account",
    "calendar",
    "invoice",
    "password",
    "printer",
    "sync",
    "mailbox",
    "export",
    "login",
    "screen",
    "error",
    "update",
    "browser",
    "server",
    "report",
    "settings",
    "network",
    "backup",
    "phone",
    "license",
    "upgrade",
    "folder",
    "contract",
    "delivery",
    "refund",
    "order",
    "shipment",
    "access",
]
THREAD_SIZES = (10, 50, 100)
PAGE_THREAD = 50


@dataclass
class Seeded:
    admin_token: str
    client_token: str
    admin_id: int
    page_ticket: int  # the ticket page's ticket: PAGE_THREAD messages
    reply_ticket: int  # takes the replies
    threads: dict[int, int] = field(default_factory=dict)  # messages -> ticket number


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _body(rng: random.Random) -> str:
    return ". ".join(_sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 7))) + "."


async def reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def seed(tickets_count: int) -> Seeded:
    """Migrate and fill the database of the current environment; return what the load needs."""
    from app.auth.actor import actor_for
    from app.auth.tokens import issue_token
    from app.config import get_settings
    from app.infra import db
    from app.infra.clock import now
    from app.models import (
        Attachment,
        AuditEntry,
        Department,
        Message,
        Role,
        TicketPriority,
        TokenKind,
        User,
    )
    from app.services import messages, sla_admin, tags, tickets

    get_settings.cache_clear()
    settings = get_settings()
    if settings.db_url.startswith("postgres"):
        await reset_postgres(settings.db_url)
    await db.migrate(settings)
    await db.connect(settings)
    rng = random.Random(13)
    try:
        names = ["Billing", "Technical Support", "Sales"]
        departments = [await Department.create(name=n, created_at=now()) for n in names]
        admin = await User.create(
            name="Ada Admin", email="admin@bench.test", role=Role.ADMIN, created_at=now()
        )
        staff = []
        for i in range(6):
            user = await User.create(
                name=f"Staff Member {i}",
                email=f"staff{i}@bench.test",
                role=Role.STAFF,
                created_at=now(),
            )
            await user.departments.add(departments[i % 3])
            staff.append(user)
        clients = [
            await User.create(
                name=f"Client Person {i}",
                email=f"client{i}@bench.test",
                role=Role.CLIENT,
                created_at=now(),
            )
            for i in range(40)
        ]
        client_actors = [await actor_for(c) for c in clients]
        admin_actor = await actor_for(admin)
        for department, priority in itertools.product(departments, TicketPriority):
            await sla_admin.set_policy(
                actor=admin_actor,
                department_id=department.id,
                priority=priority,
                terms=sla_admin.PolicyTerms(
                    first_response_minutes=240,
                    next_response_minutes=480,
                    resolution_minutes=60 * 24 * 5,
                    first_response_business=False,
                    next_response_business=False,
                    resolution_business=False,
                ),
            )
        labels = [
            await tags.create_tag(actor=admin_actor, name=name, color=color)
            for name, color in (("vip", "#b91c1c"), ("billing", "#1d4ed8"), ("bug", "#047857"))
        ]
        for i in range(tickets_count):
            opened = await tickets.open_ticket(
                settings=settings,
                actor=client_actors[0 if i % 2 == 0 else i % 40],
                department_id=departments[i % 3].id,
                subject=f"{_sentence(rng, rng.randint(3, 9))} ({i})",
                body=_body(rng),
                priority=list(TicketPriority)[i % 4],
            )
            if i % 2:
                await tickets.update_ticket(
                    actor=admin_actor, number=opened.ticket.number, assignee_id=staff[i % 6].id
                )
            if i % 3 == 0:
                await tags.change_ticket_tags(
                    actor=admin_actor,
                    number=opened.ticket.number,
                    add=[labels[i % 2].id, labels[2].id],
                )

        threads = {}
        for size in THREAD_SIZES:
            opened = await tickets.open_ticket(
                settings=settings,
                actor=client_actors[0],
                department_id=departments[1].id,
                subject=f"Calendar stops syncing after the update ({size} messages)",
                body=_body(rng),
                priority=TicketPriority.HIGH,
            )
            ticket = opened.ticket
            await tags.change_ticket_tags(
                actor=admin_actor, number=ticket.number, add=[labels[0].id, labels[2].id]
            )
            stamp = ticket.created_at
            for n in range(1, size):
                stamp += timedelta(minutes=7)
                await Message.create(
                    ticket=ticket,
                    author=staff[1] if n % 2 else clients[0],
                    body=_body(rng),
                    internal=n % 7 == 0,
                    created_at=stamp,
                )
            async for message in Message.filter(ticket_id=ticket.id):
                await Attachment.create(
                    public_id=secrets.token_urlsafe(18),
                    message=message,
                    filename=f"screenshot-{message.id:05d}.png",
                    content_type="image/png",
                    size=rng.randint(20_000, 900_000),
                    sha256=secrets.token_hex(32),
                    created_at=message.created_at,
                )
            changes = [
                ("status", "open", "in_progress"),
                ("priority", "MEDIUM", "HIGH"),
                ("assignee", None, staff[1].name),
                ("status", "in_progress", "answered"),
                ("department", "Billing", "Technical Support"),
                ("status", "answered", "customer_reply"),
                ("priority", "HIGH", "URGENT"),
                ("status", "customer_reply", "in_progress"),
            ]
            for n, (name, old, new) in enumerate(changes):
                await AuditEntry.create(
                    ticket=ticket,
                    actor=admin if n % 2 else staff[1],
                    field=name,
                    old_value=old,
                    new_value=new,
                    created_at=ticket.created_at + timedelta(minutes=5 * n + 3),
                )
            ticket.last_activity_at = stamp
            await ticket.save(update_fields=["last_activity_at"])
            threads[size] = ticket.number

        opened = await tickets.open_ticket(
            settings=settings,
            actor=client_actors[0],
            department_id=departments[0].id,
            subject="Invoice shows the wrong address",
            body=_body(rng),
        )
        await messages.reply_to_ticket(
            settings=settings, actor=admin_actor, number=opened.ticket.number, body=_body(rng)
        )
        return Seeded(
            admin_token=(await issue_token(admin, TokenKind.SESSION))[0],
            client_token=(await issue_token(clients[0], TokenKind.SESSION))[0],
            admin_id=admin.id,
            page_ticket=threads[PAGE_THREAD],
            reply_ticket=opened.ticket.number,
            threads=threads,
        )
    finally:
        await db.disconnect()
