"""Delivery: once per (event, recipient) however often the job runs, retries on a schedule
while the SMTP server is down, permanent refusals recorded for admins, TLS and login."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from arq import Retry
from mailout_support import SmtpServer, deliver

from app.config import get_settings
from app.infra.clock import clock
from app.mail.outbound.records import LEASE, MAX_ATTEMPTS, RETRY_DELAYS
from app.models import OutboundMail, OutboundStatus
from app.services import directory, messages, tickets
from app.workers.notify import notify_event, sends_finished


async def open_ticket(client, department, subject="Printer on fire"):
    opened = await tickets.open_ticket(
        actor=client.actor,
        department_id=department.id,
        subject=subject,
        body="Help",
        settings=get_settings(),
    )
    return opened.ticket


async def test_a_job_run_twice_sends_each_mail_once(world, smtp, recorder, job_ctx):
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    first = await notify_event(job_ctx, event.to_json())
    second = await notify_event(job_ctx, event.to_json())
    assert first == "2 sent"
    assert second == "2 already done"
    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]
    assert await OutboundMail.filter(status=OutboundStatus.SENT).count() == 2


async def test_two_copies_of_a_job_running_at_once_send_each_mail_once(
    world, smtp, recorder, job_ctx
):
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    runs = await asyncio.gather(
        *(notify_event(job_ctx, event.to_json()) for _ in range(3)), return_exceptions=True
    )
    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]
    assert await OutboundMail.filter(attempts=1, status=OutboundStatus.SENT).count() == 2
    # A copy that finds a mail being sent by another asks arq to look again later (it does
    # not trust that the other run will finish); a copy that comes after finds it done.
    for run in runs:
        assert isinstance(run, Retry | str), run
    assert await notify_event(job_ctx, event.to_json()) == "2 already done"
    assert len(smtp.received) == 2


async def test_a_job_cancelled_while_the_server_answers_its_mail_does_not_send_it_again(
    world, smtp, recorder, job_ctx, frozen_clock
):
    """The worker cancels its running jobs when Redis goes away (``app.workers.serve``) and arq
    runs them again. A job cancelled after the SMTP server took its mails, before it had
    answered "250", must still record them as sent: else the rerun, once the lease is over,
    mails the client a second time."""
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    smtp.answer_gate = asyncio.Event()
    job = asyncio.create_task(notify_event(job_ctx, event.to_json()))
    await smtp.wait_for(2)  # both mails taken; the server has not answered yet
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    smtp.answer_gate.set()
    await sends_finished()
    clock.advance(LEASE + timedelta(seconds=1))  # a claim left behind would be free now
    assert await notify_event(job_ctx, event.to_json()) == "2 already done"
    assert len(smtp.received) == 2
    assert await OutboundMail.filter(status=OutboundStatus.SENT).count() == 2


async def test_smtp_down_retries_on_the_schedule_and_nothing_is_lost(
    world, smtp, recorder, job_ctx, frozen_clock
):
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    await smtp.stop()

    started = clock.now()
    for attempt, delay in enumerate(RETRY_DELAYS[:3], start=1):
        with pytest.raises(Retry) as retry:
            await notify_event(job_ctx, event.to_json())
        assert retry.value.defer_score == delay * 1000
        rows = await OutboundMail.all()
        assert {r.status for r in rows} == {OutboundStatus.RETRYING}
        assert {r.attempts for r in rows} == {attempt}
        assert {r.next_attempt_at for r in rows} == {clock.now() + timedelta(seconds=delay)}
        assert all("Connect" in (r.last_error or "") for r in rows)
        clock.advance(timedelta(seconds=delay))
    assert RETRY_DELAYS[0] == 10 and RETRY_DELAYS[-1] >= 6 * 3600
    assert clock.now() - started == timedelta(seconds=sum(RETRY_DELAYS[:3]))

    await smtp.start()
    assert await notify_event(job_ctx, event.to_json()) == "2 sent"
    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]
    rows = await OutboundMail.all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboundStatus.SENT, 4)}
    assert await notify_event(job_ctx, event.to_json()) == "2 already done"
    assert len(smtp.received) == 2


async def test_the_schedule_ends_in_a_recorded_failure(
    world, smtp, recorder, job_ctx, frozen_clock
):
    await messages_for_client_only(world, recorder)
    [event] = await recorder.take()
    await smtp.stop()
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(Retry):
            await notify_event(job_ctx, event.to_json())
    assert await notify_event(job_ctx, event.to_json()) == "1 failed"
    row = await OutboundMail.get()
    assert row.status is OutboundStatus.FAILED
    assert row.attempts == MAX_ATTEMPTS
    assert row.last_error and row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


async def messages_for_client_only(world, recorder):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="Hi", settings=get_settings()
    )
    return ticket


async def test_permanent_refusal_is_recorded_and_not_retried(world, smtp, recorder, job_ctx):
    smtp.refuse["alice@example.com"] = "550 5.1.1 No such mailbox"
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    assert await notify_event(job_ctx, event.to_json()) == "1 failed, 1 sent"
    assert smtp.recipients() == ["xavier@example.com"]
    failed = await OutboundMail.get(recipient="alice@example.com")
    assert failed.status is OutboundStatus.FAILED
    assert "550" in (failed.last_error or "") and "No such mailbox" in (failed.last_error or "")
    assert await notify_event(job_ctx, event.to_json()) == "2 already done"


async def test_a_temporary_refusal_is_retried(world, smtp, recorder, job_ctx):
    smtp.refuse["alice@example.com"] = "451 4.3.0 Try again later"
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    with pytest.raises(Retry) as retry:
        await notify_event(job_ctx, event.to_json())
    assert retry.value.defer_score == RETRY_DELAYS[0] * 1000
    assert (await OutboundMail.get(recipient="alice@example.com")).status is (
        OutboundStatus.RETRYING
    )
    del smtp.refuse["alice@example.com"]
    assert await notify_event(job_ctx, event.to_json()) == "1 already done, 1 sent"
    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]


OUTBOUND = """
query($status: OutboundMailStatus, $first: Int! = 50, $after: String) {
  outboundMail(status: $status, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id recipient subject status attempts lastError ticketNumber sentAt } } } }
"""


async def test_admins_see_failures_and_nobody_else_sees_the_log(
    gql, world, smtp, recorder, job_ctx
):
    smtp.refuse["alice@example.com"] = "550 5.7.1 Rejected"
    ticket = await open_ticket(world.client_a, world.dept_x)
    await deliver(recorder, job_ctx)

    def rows(data):
        return [edge["node"] for edge in data["outboundMail"]["edges"]]

    failed = rows(await gql.data(OUTBOUND, {"status": "FAILED"}, token=world.admin.token))
    assert [(r["recipient"], r["status"], r["ticketNumber"]) for r in failed] == [
        ("alice@example.com", "FAILED", ticket.number)
    ]
    assert "550 5.7.1 Rejected" in failed[0]["lastError"]
    everything = rows(await gql.data(OUTBOUND, token=world.admin.token))
    assert {r["status"] for r in everything} == {"FAILED", "SENT"}

    # Paged like every list: newest first, then the rest after the first page's cursor.
    first = await gql.data(OUTBOUND, {"first": 1}, token=world.admin.token)
    assert first["outboundMail"]["pageInfo"]["hasNextPage"] is True
    after = first["outboundMail"]["pageInfo"]["endCursor"]
    rest = await gql.data(OUTBOUND, {"first": 1, "after": after}, token=world.admin.token)
    assert rows(first) + rows(rest) == everything
    assert rest["outboundMail"]["pageInfo"]["hasNextPage"] is False

    for person in (world.staff_x, world.client_a):
        refused = await gql(OUTBOUND, token=person.token)
        assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    anonymous = await gql(OUTBOUND)
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mode", ["starttls", "smtps"])
async def test_tls_and_login_from_the_smtp_url(world, settings, recorder, mode):
    server = SmtpServer(
        tls=mode == "starttls", implicit_tls=mode == "smtps", login=("mailer", "s3cret")
    )
    await server.start()
    try:
        ctx = {"settings": settings.model_copy(update={"smtp_url": server.url})}
        await messages_for_client_only(world, recorder)
        [event] = await recorder.take()
        assert await notify_event(ctx, event.to_json()) == "1 sent"
        assert server.recipients() == ["alice@example.com"]

        # A wrong password is our configuration, not the message's fault: retried.
        await OutboundMail.all().delete()
        bad = server.url.replace("s3cret", "wrong")
        with pytest.raises(Retry):
            await notify_event(
                {"settings": settings.model_copy(update={"smtp_url": bad})}, event.to_json()
            )
        row = await OutboundMail.get()
        assert row.status is OutboundStatus.RETRYING
        assert "535" in (row.last_error or "")
    finally:
        await server.stop()


async def test_a_retry_skips_a_recipient_who_lost_access_meanwhile(world, smtp, recorder, job_ctx):
    smtp.refuse["xavier@example.com"] = "451 4.2.0 Mailbox busy"
    await open_ticket(world.client_a, world.dept_x)
    [event] = await recorder.take()
    with pytest.raises(Retry):
        await notify_event(job_ctx, event.to_json())
    assert smtp.recipients() == ["alice@example.com"]

    # Xavier leaves Support before the retry; the ticket is none of his business any more.
    await directory.update_user(
        actor=world.admin.actor, user_id=world.staff_x.id, department_ids=[world.dept_y.id]
    )
    del smtp.refuse["xavier@example.com"]
    retry_ctx = {**job_ctx, "job_try": 2}
    # Support has no staff left, so the administrators hear of the new ticket instead.
    assert await notify_event(retry_ctx, event.to_json()) == "1 already done, 1 sent"
    assert smtp.recipients() == ["admin@example.com", "alice@example.com"]
    row = await OutboundMail.get(recipient="xavier@example.com")
    assert row.status is OutboundStatus.FAILED
    assert "no longer" in (row.last_error or "")
