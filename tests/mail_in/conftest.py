"""Fixtures for inbound mail: a mail catcher our notices and notifications go to, a queue
pool, the inbound secret, a ticket with a staff reply mailed to its client, and Dovecot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from arq.connections import ArqRedis, create_pool
from mailin_support import Caught, Dovecot, MailCatcher, dovecot_binary, run_jobs

from app.auth.actor import Actor, actor_for
from app.config import Settings
from app.infra.clock import now
from app.infra.redis import arq_settings
from app.models import Department, Role, User

INBOUND_SECRET = "inbound-test-secret"
STAFF_REPLY = "Have you tried turning it off and on again?"

OPEN = """
mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { number } ... on Error { message } } }
"""
REPLY = """
mutation($input: ReplyInput!) { replyToTicket(input: $input) {
  __typename ... on Error { message } } }
"""


@pytest.fixture
async def catcher(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MailCatcher]:
    """Every mail we send (notifications, refusal notices) lands here."""
    server = MailCatcher()
    await server.start()
    monkeypatch.setattr(settings, "smtp_url", server.url)
    yield server
    await server.stop()


@pytest.fixture
def inbound_secret(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(settings, "inbound_secret", INBOUND_SECRET)
    return INBOUND_SECRET


@pytest.fixture
async def pool(settings: Settings, redis: object) -> AsyncIterator[ArqRedis]:
    connection = await create_pool(arq_settings(settings))
    yield connection
    await connection.aclose()


@dataclass
class Thread:
    """A ticket whose client was mailed a staff reply: what a client would answer."""

    number: int
    notification: Caught

    @property
    def reply_to(self) -> str:
        return str(self.notification.message["Reply-To"])

    @property
    def message_id(self) -> str:
        return str(self.notification.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.notification.message["Subject"])

    @property
    def quoted(self) -> str:
        return self.notification.text().strip()


@pytest.fixture
async def thread(gql, world, catcher: MailCatcher, settings: Settings) -> Thread:  # type: ignore[no-untyped-def]
    opened = await gql.data(
        OPEN,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Printer", "body": "On fire"}},
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    replied = await gql.data(
        REPLY, {"input": {"number": number, "body": STAFF_REPLY}}, token=world.staff_x.token
    )
    assert replied["replyToTicket"]["__typename"] == "Message"
    await run_jobs(settings)
    mails = [m for m in await catcher.wait_for("alice@example.com") if STAFF_REPLY in m.text()]
    assert mails, "the staff reply was mailed to the client"
    return Thread(number=number, notification=mails[-1])


@dataclass
class Member:
    user: User
    actor: Actor

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class MailWorld:
    """The people of the shared ``world`` fixture without passwords or tokens (no password
    hashing, so it is quick), for tests that only send mail in."""

    dept_x: Department
    dept_y: Department
    admin: Member
    staff_x: Member
    staff_y: Member
    client_a: Member
    client_b: Member


async def _member(name: str, email: str, role: Role, departments: list[Department]) -> Member:
    user = await User.create(name=name, email=email, role=role, created_at=now())
    if departments:
        await user.departments.add(*departments)
    return Member(user=user, actor=await actor_for(user))


@pytest.fixture
async def people(clean_db: None) -> MailWorld:
    dept_x = await Department.create(
        name="Support", email="support@helpdesk.test", created_at=now()
    )
    dept_y = await Department.create(
        name="Billing", email="billing@helpdesk.test", created_at=now()
    )
    return MailWorld(
        dept_x=dept_x,
        dept_y=dept_y,
        admin=await _member("Ada Admin", "admin@example.com", Role.ADMIN, []),
        staff_x=await _member("Xavier Staff", "xavier@example.com", Role.STAFF, [dept_x]),
        staff_y=await _member("Yolanda Staff", "yolanda@example.com", Role.STAFF, [dept_y]),
        client_a=await _member("Alice Client", "alice@example.com", Role.CLIENT, []),
        client_b=await _member("Bob Client", "bob@example.com", Role.CLIENT, []),
    )


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()
