"""The dev mailbox: who may use it, when it exists, and answering caught mail through the real
inbound SMTP path (API and browser)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from playwright.async_api import expect

from app.config import Settings, get_settings
from app.mail.sink import get_raw, mailbox_dir
from app.models import InboundMail, InboundStatus, Message, MessageSource
from app.services import messages, tickets
from tests.conftest import GraphQLClient, World
from tests.web.browser import OpenAs, until
from tests.web.mailloop import embedded_mail, running_mail_loop, wait_for_mail

# arq's worker closes its Redis pool with a call redis-py deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

MAILBOX = """
query { devMailbox { __typename
  ... on DevMailbox { inboundPort
    messages { edges { node { id from to subject size } } pageInfo { hasNextPage } } }
  ... on Error { message code } } }"""

ONE = """
query($id: ID!) { devMailbox { __typename
  ... on DevMailbox { mail(id: $id) { id subject replyTo messageId text } } } }"""

ANSWER = """
mutation($input: AnswerCaughtMailInput!) { answerCaughtMail(input: $input) { __typename
  ... on AnsweredMail { to from subject messageId }
  ... on Error { message code field } } }"""


async def open_and_answer(world: World) -> int:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer on fire",
        body="Smoke everywhere.",
        settings=get_settings(),
    )
    number = opened.ticket.number
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=number,
        body="Did you try unplugging it?",
        settings=get_settings(),
    )
    return number


async def test_refused_unless_admin_in_the_embedded_default(
    gql: GraphQLClient, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = {"input": {"id": "1-2", "body": "hi"}}
    # The test server sends through SMTP_URL: no dev mailbox, even for admins.
    assert settings.smtp_url
    box = (await gql.data(MAILBOX, token=world.admin.token))["devMailbox"]
    assert box["code"] == "DEV_MAILBOX_DISABLED"
    assert "SMTP_URL" in box["message"]
    result = (await gql.data(ANSWER, answer, token=world.admin.token))["answerCaughtMail"]
    assert result["code"] == "DEV_MAILBOX_DISABLED"

    embedded_mail(monkeypatch, settings)
    anonymous = (await gql.data(MAILBOX))["devMailbox"]
    assert anonymous["__typename"] == "PermissionDenied"
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    # The caught mail is every department's and can be answered as its recipient: staff of
    # one department must not read another's, nor post as its clients.
    for person in (world.client_a, world.staff_x, world.staff_y):
        refused = (await gql.data(MAILBOX, token=person.token))["devMailbox"]
        assert refused == {
            "__typename": "PermissionDenied",
            "message": "Only administrators may do this.",
            "code": "PERMISSION_DENIED",
        }
        answered = (await gql.data(ANSWER, answer, token=person.token))["answerCaughtMail"]
        assert answered["code"] == "PERMISSION_DENIED"
    admin = (await gql.data(MAILBOX, token=world.admin.token))["devMailbox"]
    assert admin == {
        "__typename": "DevMailbox",
        "inboundPort": settings.smtp_listen_port,
        "messages": {"edges": [], "pageInfo": {"hasNextPage": False}},
    }


@pytest.mark.parametrize("protocol", ["smtp", "lmtp"])
async def test_answer_is_a_reply_through_inbound_smtp_that_lands_on_the_ticket(
    gql: GraphQLClient,
    world: World,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
) -> None:
    loop = embedded_mail(monkeypatch, settings)
    monkeypatch.setattr(settings, "smtp_listen_lmtp", protocol == "lmtp")
    async with running_mail_loop(loop):
        number = await open_and_answer(world)
        caught = await wait_for_mail(settings, "alice@example.com", b"unplugging")

        box = (await gql.data(MAILBOX, token=world.admin.token))["devMailbox"]
        listed = next(e["node"] for e in box["messages"]["edges"] if e["node"]["id"] == caught)
        assert f"[Ticket #{number}]" in listed["subject"]
        assert "alice@example.com" in listed["to"]
        mail = (await gql.data(ONE, {"id": caught}, token=world.admin.token))["devMailbox"]["mail"]
        assert "Did you try unplugging it?" in mail["text"]
        assert mail["replyTo"].endswith("@helpdesk.test")

        # Bad input changes nothing and says what is wrong.
        empty = {"input": {"id": caught, "body": "   "}}
        result = (await gql.data(ANSWER, empty, token=world.admin.token))["answerCaughtMail"]
        assert (result["code"], result["field"]) == ("VALIDATION_ERROR", "body")
        for missing in ("0000000000000000000-deadbeef", "../secret_key", "x"):
            gone = {"input": {"id": missing, "body": "hi"}}
            result = (await gql.data(ANSWER, gone, token=world.admin.token))["answerCaughtMail"]
            assert result["code"] == "NOT_FOUND", missing
        assert await InboundMail.all().count() == 0

        sent = (
            await gql.data(
                ANSWER,
                {"input": {"id": caught, "body": "Unplugged it, works again. Thanks!"}},
                token=world.admin.token,
            )
        )["answerCaughtMail"]
        assert sent["__typename"] == "AnsweredMail"
        assert sent["to"] == mail["replyTo"]
        assert sent["from"] == "alice@example.com"
        assert sent["subject"].startswith("Re: [Ticket #")

        await until(InboundMail.filter(status=InboundStatus.PROCESSED).exists)
    stored = await InboundMail.get()
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert stored.transport == protocol
    answer = message_from_bytes(bytes(stored.raw_bytes), policy=default)
    assert str(answer["In-Reply-To"]).strip() == mail["messageId"]
    assert str(answer["From"]) == "alice@example.com"
    # The history is quoted the way a mail client does it.
    assert "> Did you try unplugging it?" in answer.get_body().get_content()
    reply = await Message.get(source=MessageSource.EMAIL)
    assert reply.body == "Unplugged it, works again. Thanks!"  # and trimmed off again
    assert reply.author_id == world.client_a.id
    ticket = await tickets.get_ticket(actor=world.staff_x.actor, number=number)
    assert ticket.status.name == "CUSTOMER_REPLY"


async def test_answer_when_the_inbound_listener_is_down(
    gql: GraphQLClient, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = embedded_mail(monkeypatch, settings)
    async with running_mail_loop(loop):
        await open_and_answer(world)
        caught = await wait_for_mail(settings, "alice@example.com", b"unplugging")
    assert get_raw(mailbox_dir(settings), caught) is not None
    result = (
        await gql.data(ANSWER, {"input": {"id": caught, "body": "Hello?"}}, token=world.admin.token)
    )["answerCaughtMail"]
    assert result["__typename"] == "Conflict"
    assert result["code"] == "INBOUND_SMTP_UNAVAILABLE"
    assert str(loop.inbound_port) in result["message"]


@pytest.mark.browser
async def test_dev_mailbox_answer_lands_on_the_ticket(
    world: World, open_as: OpenAs, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = embedded_mail(monkeypatch, settings)
    async with running_mail_loop(loop):
        number = await open_and_answer(world)
        client = await open_as(world.client_a, f"/client/tickets/{number}")
        await expect(client.locator(".thread .message")).to_have_count(2)

        caught = await wait_for_mail(settings, "alice@example.com", b"unplugging")
        mailbox = await open_as(world.admin, "/dev/mailbox")
        mail = mailbox.get_by_role("list", name="Caught mail").locator(
            f'button[data-id="{caught}"]'
        )
        await expect(mail).to_contain_text(f"[Ticket #{number}] Printer on fire")
        await expect(mail).to_contain_text("To Alice Client <alice@example.com>")
        await mail.click()
        await expect(mailbox.locator(".mail-text")).to_contain_text("Did you try unplugging it?")
        await mailbox.get_by_label("Answer as").fill("Unplugged it, works again. Thanks!")
        await mailbox.get_by_role("button", name="Send answer").click()
        await expect(mailbox.get_by_role("status")).to_contain_text("Answered as alice@example.com")

        # The answer went through SMTP, the inbound job posted it, the client's page shows it.
        await expect(client.locator(".thread .message")).to_have_count(3)
        last = client.locator(".thread .message").last
        await expect(last).to_contain_text("Unplugged it, works again. Thanks!")
        await expect(last).to_contain_text("via email")
        await expect(last).not_to_contain_text("Did you try unplugging it?")
