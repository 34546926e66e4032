"""Accounts reached by mail, end to end: the mutation, the outbox, the real account-mail job in an
arq worker, a real SMTP server (aiosmtpd), and the link read out of the mail that arrived.

Password reset (same answer for unknown addresses, limited, 1 hour, once, revokes everything),
client sign-up with email verification (no enumeration, CLIENT_SIGNUP), invitations for clients
created by staff, admin edits of users (audited), and staff opening tickets for clients.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Worker
from arq.jobs import Job

from app import events
from app.config import Settings
from app.events import ACCOUNT_MAIL_CHANNEL
from app.models import AccountAudit, AuthToken, OutboxEvent, Role, Ticket, User
from tests.mail_out.mailout_support import Received, SmtpServer, mail_to, mail_worker

REQUEST = """mutation($e: String!) { requestPasswordReset(email: $e) {
  __typename ... on Accepted { message } ... on Error { code field message } } }"""
RESET = """mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) {
  __typename ... on Accepted { message } ... on Error { code field message } } }"""
SIGN_UP = """mutation($n: String!, $e: String!, $p: String!) { signUp(name: $n, email: $e, password: $p) {
  __typename ... on Accepted { message } ... on Error { code field message } } }"""
VERIFY = """mutation($t: String!) { verifyEmail(token: $t) {
  __typename ... on Accepted { message } ... on Error { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token } ... on Error { code message } } }"""
ME = "{ me { email } }"
NEW_TOKEN = 'mutation { createApiToken(name: "ci") { ... on NewApiToken { token } } }'
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  __typename ... on User { id } ... on Error { code field message } } }"""
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { id name email } ... on Error { code field message } } }"""
CHANGES = """query($id: ID!) { accountChanges(userId: $id) {
  field oldValue newValue actor { name } } }"""
OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { number client { name email } }
  ... on Error { code field message } } }"""


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, gql) -> AsyncIterator[Worker]:
    async with mail_worker(settings, smtp) as runner:
        yield runner


def link_token(mail: Received, page: str) -> str:
    text = mail.part("plain")
    match = re.search(rf"https?://\S+/{page}#token=(\S+)", text)
    assert match, text
    return match.group(1)


async def job_outcome(worker: Worker, row: OutboxEvent) -> Any:
    """What the account-mail job of this outbox row answered (waiting for it, bounded)."""
    job_id = f"account-mail:{row.id}.{events.row_stamp(row.created_at)}"
    return await Job(job_id, worker.pool).result(timeout=15)


async def account_rows() -> list[OutboxEvent]:
    return await OutboxEvent.filter(channel=ACCOUNT_MAIL_CHANNEL).order_by("id")


async def signs_in(gql, email: str, password: str) -> bool:
    return (await gql.data(LOGIN, {"e": email, "p": password}))["login"]["__typename"] == "Session"


async def signed_in(gql, token: str) -> bool:
    return (await gql.data(ME, token=token))["me"] is not None


# Password reset -------------------------------------------------------------------------------


async def test_the_reset_link_in_the_mail_sets_the_password_once_and_signs_out_everywhere(
    gql, world, smtp, mailer
):
    alice = world.client_a
    api_token = (await gql.data(NEW_TOKEN, token=alice.token))["createApiToken"]["token"]
    answer = (await gql.data(REQUEST, {"e": "Alice@Example.com"}))["requestPasswordReset"]
    assert answer["__typename"] == "Accepted"

    mail = await mail_to(smtp, "alice@example.com")
    assert mail.header("Subject") == "Reset your password"
    token = link_token(mail, "password")
    data = await gql.data(RESET, {"t": token, "p": "brand-new-pass"})
    assert data["resetPassword"]["__typename"] == "Accepted"

    assert not await signed_in(gql, alice.token)  # the session, and
    assert not await signed_in(gql, api_token)  # the API token, both revoked
    assert await AuthToken.filter(user_id=alice.id, revoked_at=None).count() == 0
    assert await signs_in(gql, "alice@example.com", "brand-new-pass")
    assert not await signs_in(gql, "alice@example.com", "password123")

    again = (await gql.data(RESET, {"t": token, "p": "another-pass-1"}))["resetPassword"]
    assert (again["__typename"], again["field"]) == ("ValidationError", "token")
    assert await signs_in(gql, "alice@example.com", "brand-new-pass")
    entry = await AccountAudit.get(user_id=alice.id, field="password")
    assert entry.new_value == "reset by mailed link"


async def test_reset_answers_the_same_for_an_unknown_address_and_mails_nobody(
    gql, world, smtp, mailer
):
    known = (await gql.data(REQUEST, {"e": "alice@example.com"}))["requestPasswordReset"]
    unknown = (await gql.data(REQUEST, {"e": "nobody@example.com"}))["requestPasswordReset"]
    assert known == unknown
    first, second = await account_rows()
    assert await job_outcome(mailer, first) == "sent"
    assert await job_outcome(mailer, second) == "nothing to send"
    assert smtp.recipients() == ["alice@example.com"]


async def test_reset_takes_about_as_long_for_an_unknown_address(gql, world, smtp):
    """The request path does the same work for both (it does not even look the account up)."""

    async def timed(email: str) -> float:
        start = time.perf_counter()
        await gql.data(REQUEST, {"e": email})
        return time.perf_counter() - start

    known, unknown = [], []
    for i in range(4):
        known.append(await timed("alice@example.com" if i % 2 else "bob@example.com"))
        unknown.append(await timed(f"nobody{i}@example.com"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.33 < ratio < 3, (known, unknown)


async def test_reset_requests_are_limited_alike_for_known_and_unknown_addresses(
    gql, world, settings
):
    for email in ("alice@example.com", "nobody@example.com"):
        answers = [
            (await gql.data(REQUEST, {"e": email}))["requestPasswordReset"]["__typename"]
            for _ in range(settings.login_attempts + 1)
        ]
        assert answers == ["Accepted"] * settings.login_attempts + ["RateLimited"], email


async def test_a_reset_link_expires_after_an_hour(gql, world, smtp, mailer, frozen_clock):
    await gql.data(REQUEST, {"e": "alice@example.com"})
    token = link_token(await mail_to(smtp, "alice@example.com"), "password")
    frozen_clock.advance(timedelta(minutes=61))
    answer = (await gql.data(RESET, {"t": token, "p": "brand-new-pass"}))["resetPassword"]
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "token")
    assert await signs_in(gql, "alice@example.com", "password123")
    assert await signed_in(gql, world.client_a.token)


async def test_a_reset_link_within_the_hour_works(gql, world, smtp, mailer, frozen_clock):
    await gql.data(REQUEST, {"e": "alice@example.com"})
    token = link_token(await mail_to(smtp, "alice@example.com"), "password")
    frozen_clock.advance(timedelta(minutes=59))
    answer = (await gql.data(RESET, {"t": token, "p": "brand-new-pass"}))["resetPassword"]
    assert answer["__typename"] == "Accepted"


async def test_reset_refusals_change_nothing(gql, world, smtp, mailer):
    bad = (await gql.data(REQUEST, {"e": "not an address"}))["requestPasswordReset"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "email")
    await gql.data(REQUEST, {"e": "alice@example.com"})
    token = link_token(await mail_to(smtp, "alice@example.com"), "password")
    short = (await gql.data(RESET, {"t": token, "p": "short"}))["resetPassword"]
    assert (short["__typename"], short["field"]) == ("ValidationError", "password")
    user, _mac = token.rsplit(".", 1)
    for forged in (
        "",
        "garbage",
        f"{user}.{'A' * 43}",  # a MAC of our own making
        token.replace(f".{world.client_a.id}.", f".{world.client_b.id}.", 1),  # another user
        token.replace("reset.", "verify.", 1),  # another purpose
    ):
        answer = (await gql.data(RESET, {"t": forged, "p": "brand-new-pass"}))["resetPassword"]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", "token"), forged
        answer = (await gql.data(VERIFY, {"t": forged}))["verifyEmail"]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", "token"), forged
    for person in (world.client_a, world.client_b):
        assert await signed_in(gql, person.token)
        assert await signs_in(gql, person.user.email, "password123")
    # The reset link is no verification link either.
    assert (await gql.data(VERIFY, {"t": token}))["verifyEmail"]["field"] == "token"


# Sign-up --------------------------------------------------------------------------------------


async def test_sign_up_needs_the_mailed_confirmation_before_signing_in(gql, world, smtp, mailer):
    answer = await gql.data(SIGN_UP, {"n": "Carol", "e": "carol@example.com", "p": "carols-pw"})
    assert answer["signUp"]["__typename"] == "Accepted"
    assert not await signs_in(gql, "carol@example.com", "carols-pw")
    # The right password learns why; a wrong one learns nothing about the account.
    early = (await gql.data(LOGIN, {"e": "carol@example.com", "p": "carols-pw"}))["login"]
    assert early["__typename"] == "PermissionDenied"
    assert early["message"].startswith("Confirm your email address first")
    wrong = (await gql.data(LOGIN, {"e": "carol@example.com", "p": "not-carols"}))["login"]
    assert wrong["message"] == "Email or password is wrong."

    mail = await mail_to(smtp, "carol@example.com")
    assert mail.header("Subject") == "Confirm your email address"
    token = link_token(mail, "verify")
    assert (await gql.data(VERIFY, {"t": token}))["verifyEmail"]["__typename"] == "Accepted"
    login = (await gql.data(LOGIN, {"e": "carol@example.com", "p": "carols-pw"}))["login"]
    assert login["__typename"] == "Session"
    opened = await gql.data(
        OPEN,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Hi", "body": "First"}},
        token=login["token"],
    )
    assert opened["openTicket"]["client"]["email"] == "carol@example.com"
    again = (await gql.data(VERIFY, {"t": token}))["verifyEmail"]
    assert (again["__typename"], again["field"]) == ("ValidationError", "token")
    carol = await User.get(email="carol@example.com")
    assert carol.role is Role.CLIENT


async def test_sign_up_with_a_taken_address_answers_the_same_and_mails_the_owner(
    gql, world, smtp, mailer
):
    new = await gql.data(SIGN_UP, {"n": "Dan", "e": "dan@example.com", "p": "dans-pass"})
    taken = await gql.data(SIGN_UP, {"n": "Eve", "e": "alice@example.com", "p": "eves-pass"})
    assert new == taken
    mail = await mail_to(smtp, "alice@example.com")
    assert mail.header("Subject") == "You already have a helpdesk account"
    assert "/forgot-password" in mail.part("plain")
    alice = await User.get(id=world.client_a.id)
    assert alice.name == "Alice Client"
    assert not await signs_in(gql, "alice@example.com", "eves-pass")
    assert await signs_in(gql, "alice@example.com", "password123")
    assert await User.filter(email="alice@example.com").count() == 1


async def test_a_second_sign_up_before_confirmation_replaces_the_first(gql, world, smtp, mailer):
    """Someone signing up with another's address first cannot keep it: the owner signs up
    again, and only the newest link (with the owner's password) works."""
    await gql.data(SIGN_UP, {"n": "Squatter", "e": "fay@example.com", "p": "squatters"})
    first = link_token(await mail_to(smtp, "fay@example.com"), "verify")
    await gql.data(SIGN_UP, {"n": "Fay", "e": "fay@example.com", "p": "fays-pass"})
    second = link_token(await mail_to(smtp, "fay@example.com", 2), "verify")
    assert (await gql.data(VERIFY, {"t": first}))["verifyEmail"]["field"] == "token"
    assert (await gql.data(VERIFY, {"t": second}))["verifyEmail"]["__typename"] == "Accepted"
    assert await signs_in(gql, "fay@example.com", "fays-pass")
    assert not await signs_in(gql, "fay@example.com", "squatters")
    assert (await User.get(email="fay@example.com")).name == "Fay"


async def test_sign_up_refusals(gql, world, settings, monkeypatch):
    bad = (await gql.data(SIGN_UP, {"n": " ", "e": "nope", "p": "short"}))["signUp"]
    assert bad["__typename"] == "ValidationError"
    monkeypatch.setattr(settings, "client_signup", False)
    closed = await gql.data(SIGN_UP, {"n": "Gus", "e": "gus@example.com", "p": "gus-pass1"})
    assert closed["signUp"]["__typename"] == "PermissionDenied"
    assert (await gql.data("{ clientSignup }"))["clientSignup"] is False
    assert not await User.filter(email__in=["gus@example.com", "nope"]).exists()


# Invitations ----------------------------------------------------------------------------------


async def test_a_client_created_by_an_admin_is_invited_to_set_a_password(
    gql, world, smtp, mailer, frozen_clock
):
    created = await gql.data(
        CREATE_USER,
        {"input": {"name": "Hal", "email": "hal@example.com", "role": "CLIENT"}},
        token=world.admin.token,
    )
    assert created["createUser"]["__typename"] == "User"
    mail = await mail_to(smtp, "hal@example.com")
    assert mail.header("Subject") == "Your helpdesk account"
    token = link_token(mail, "password")
    frozen_clock.advance(timedelta(days=2))  # an invitation lasts longer than a reset link
    answer = (await gql.data(RESET, {"t": token, "p": "hals-password"}))["resetPassword"]
    assert answer["__typename"] == "Accepted"
    assert await signs_in(gql, "hal@example.com", "hals-password")
    again = (await gql.data(RESET, {"t": token, "p": "other-password"}))["resetPassword"]
    assert again["field"] == "token"


async def test_an_invitation_expires_after_a_week(gql, world, smtp, mailer, frozen_clock):
    await gql.data(
        CREATE_USER,
        {"input": {"name": "Ivy", "email": "ivy@example.com", "role": "CLIENT"}},
        token=world.admin.token,
    )
    token = link_token(await mail_to(smtp, "ivy@example.com"), "password")
    frozen_clock.advance(timedelta(days=8))
    answer = (await gql.data(RESET, {"t": token, "p": "ivys-password"}))["resetPassword"]
    assert answer["field"] == "token"


# Admin edits ----------------------------------------------------------------------------------


async def test_an_admin_edits_name_email_and_password_audited(gql, world):
    alice = str(world.client_a.id)
    clash = await gql.data(
        UPDATE_USER,
        {"input": {"id": alice, "email": "BOB@example.com"}},
        token=world.admin.token,
    )
    assert (clash["updateUser"]["__typename"], clash["updateUser"]["field"]) == (
        "Conflict",
        "email",
    )
    for person in (world.staff_x, world.client_b, world.client_a):
        denied = await gql.data(
            UPDATE_USER, {"input": {"id": alice, "name": "Mallory"}}, token=person.token
        )
        assert denied["updateUser"]["__typename"] == "PermissionDenied"
        changes = await gql(CHANGES, {"id": alice}, token=person.token)
        assert changes.get("data") is None or not changes["data"]["accountChanges"]
    unchanged = await User.get(id=world.client_a.id)
    assert (unchanged.name, unchanged.email) == ("Alice Client", "alice@example.com")

    data = await gql.data(
        UPDATE_USER,
        {
            "input": {
                "id": alice,
                "name": "Alice Cooper",
                "email": "alice.cooper@example.com",
                "password": "set-by-admin",
            }
        },
        token=world.admin.token,
    )
    assert data["updateUser"]["email"] == "alice.cooper@example.com"
    assert not await signed_in(gql, world.client_a.token)
    assert await signs_in(gql, "alice.cooper@example.com", "set-by-admin")
    changes = (await gql.data(CHANGES, {"id": alice}, token=world.admin.token))["accountChanges"]
    seen = {(c["field"], c["oldValue"], c["newValue"], c["actor"]["name"]) for c in changes}
    assert seen == {
        ("name", "Alice Client", "Alice Cooper", "Ada Admin"),
        ("email", "alice@example.com", "alice.cooper@example.com", "Ada Admin"),
        ("password", None, "set by an admin", "Ada Admin"),
    }


# Opening a ticket for a client ----------------------------------------------------------------


def _open(department, **client) -> dict[str, Any]:
    return {
        "input": {
            "departmentId": str(department.id),
            "subject": "Phoned in",
            "body": "The printer is on fire again.",
            **client,
        }
    }


async def test_staff_open_a_ticket_for_a_new_client_who_is_mailed_as_if_they_had(
    gql, world, smtp, mailer
):
    data = await gql.data(
        OPEN,
        _open(
            world.dept_x,
            clientEmail="Jo@Example.com",
            clientName="Jo Caller",
            ccs=["kim@example.com"],
        ),
        token=world.staff_x.token,
    )
    ticket = data["openTicket"]
    assert ticket["client"] == {"name": "Jo Caller", "email": "jo@example.com"}
    ack = next(
        m
        for m in [await mail_to(smtp, "jo@example.com"), await mail_to(smtp, "jo@example.com", 2)]
        if "Ticket #" in m.header("Subject")
    )
    # As if they had opened it (the number, the thread, a reply address), saying who did.
    assert (
        f"Xavier Staff of our team opened a ticket for you. Your ticket number is "
        f"#{ticket['number']}" in " ".join(ack.part("plain").split())
    )
    assert "The printer is on fire again." in ack.part("plain")
    copied = " ".join((await mail_to(smtp, "kim@example.com")).part("plain").split())
    assert (
        f"Xavier Staff of our team opened ticket #{ticket['number']} for Jo Caller and copied "
        "you on it" in copied
    )
    invite = next(m for m in smtp.to("jo@example.com") if m is not ack)
    assert invite.header("Subject") == "Your helpdesk account"


async def test_staff_open_tickets_for_clients_only_in_their_departments(gql, world):
    cases = [
        (world.staff_x, world.dept_y, {"clientId": str(world.client_a.id)}, "departmentId"),
        (
            world.staff_y,
            world.dept_x,
            {"clientEmail": "new@example.com", "clientName": "N"},
            "departmentId",
        ),
        (world.staff_x, world.dept_x, {"clientEmail": "xavier@example.com"}, "clientEmail"),
        (world.staff_x, world.dept_x, {"clientEmail": "new@example.com"}, "clientName"),
        (world.staff_x, world.dept_x, {"clientEmail": "not an address"}, "clientEmail"),
    ]
    for person, department, client, field in cases:
        answer = await gql.data(OPEN, _open(department, **client), token=person.token)
        result = answer["openTicket"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field), client
    assert await Ticket.all().count() == 0
    assert not await User.filter(email="new@example.com").exists()

    # An admin may open anywhere; an existing client named by address is that client.
    data = await gql.data(
        OPEN, _open(world.dept_y, clientEmail="ALICE@example.com"), token=world.admin.token
    )
    assert data["openTicket"]["client"]["email"] == "alice@example.com"
    # A client naming someone else opens their own ticket.
    data = await gql.data(
        OPEN, _open(world.dept_x, clientEmail="bob@example.com"), token=world.client_a.token
    )
    assert data["openTicket"]["client"]["email"] == "alice@example.com"


# Jobs Redis lost ------------------------------------------------------------------------------


async def test_mail_whose_job_redis_lost_is_enqueued_again_and_sent_once(
    gql, world, smtp, settings, redis
):
    """A Redis killed before it wrote its queue to disk forgets queued jobs. The outbox row of
    an account mail, like a ticket event's, stays unhandled until its job finishes, and the relay
    enqueues such rows again: the reset mail and the new ticket's notification still arrive."""

    answer = (await gql.data(REQUEST, {"e": "alice@example.com"}))["requestPasswordReset"]
    assert answer["__typename"] == "Accepted"
    opened = await gql.data(
        OPEN, _open(world.dept_x, clientEmail="alice@example.com"), token=world.staff_x.token
    )
    number = opened["openTicket"]["number"]
    await events.flushed()
    assert await redis.keys("arq:job:*"), "both jobs were enqueued"
    await redis.flushdb()  # Redis lost them: no worker ever sees them

    # Rows sent a while ago and not handled are enqueued again (the relay does this every 15 s
    # for rows sent over 30 s ago; here with a cut-off past their sending).
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await events.resend_unhandled(sent_before=later) == 2
    rows = await OutboxEvent.filter(notify=True).order_by("id")
    async with mail_worker(settings, smtp) as runner:
        await mail_to(smtp, "alice@example.com", 2)
        for row in rows:  # each job's answer, once it finished (bounded)
            prefix = "account-mail:" if row.channel == ACCOUNT_MAIL_CHANNEL else "notify:e"
            job_id = f"{prefix}{row.id}.{events.row_stamp(row.created_at)}"
            await Job(job_id, runner.pool).result(timeout=15)
    assert not await OutboxEvent.filter(notify=True, handled_at=None).exists()
    subjects = sorted(m.header("Subject") for m in smtp.to("alice@example.com"))
    assert any(s.startswith(f"[Ticket #{number}]") for s in subjects), subjects
    assert any("password" in s.lower() for s in subjects), subjects
    # Handled rows are not enqueued again: nothing more is sent.
    assert await events.resend_unhandled(sent_before=later) == 0
    assert len(smtp.to("alice@example.com")) == 2
