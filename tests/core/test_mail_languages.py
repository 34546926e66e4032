"""Mail goes out in the recipient's language, with dates in the recipient's time zone: on one
ticket a German client gets German mail and an English staff member English mail, at a real
SMTP server, through the real worker. Account mail and refusal notices follow the recipient's
language too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from arq import Worker

from app.config import Settings, get_settings
from app.i18n import Translator
from app.mail.inbound.notices import compose_notice
from app.mail.trimming import trim_reply
from app.models import User
from tests.mail_out.mailout_support import SmtpServer, mail_to, mail_worker

OPEN = """mutation($d: ID!, $s: String!, $b: String!) { openTicket(input: {departmentId: $d,
  subject: $s, body: $b}) { __typename ... on Ticket { number } } }"""
REPLY = """mutation($n: Int!, $b: String!) { replyToTicket(input: {number: $n, body: $b}) {
  __typename } }"""
CLOSE = "mutation($n: Int!) { closeTicket(number: $n) { __typename } }"
PROFILE = """mutation($l: String, $z: String) { updateProfile(language: $l, timeZone: $z) {
  __typename } }"""
RESET = "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }"


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, gql) -> AsyncIterator[Worker]:
    async with mail_worker(settings, smtp) as runner:
        yield runner


async def test_one_ticket_german_client_english_staff(gql, world, smtp, mailer, frozen_clock):
    frozen_clock.freeze(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    await gql.data(PROFILE, {"l": "de", "z": "Europe/Berlin"}, token=world.client_a.token)
    await gql.data(PROFILE, {"l": "en", "z": "America/New_York"}, token=world.staff_x.token)
    opened = await gql.data(
        OPEN,
        {"d": str(world.dept_x.id), "s": "Drucker", "b": "Der Drucker druckt nicht."},
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]

    ack = await mail_to(smtp, "alice@example.com")
    text = ack.part("plain")
    assert f"Wir haben Ihre Anfrage erhalten. Ihre Ticketnummer ist #{number}" in text
    assert "02.03.2026, 10:30:00 (Europe/Berlin)" in text  # 09:30 UTC, in her zone
    assert "Sie erhalten diese E-Mail, weil dies Ihr Ticket ist." in text
    assert "We received" not in text
    assert text.startswith("##- Bitte schreiben Sie Ihre Antwort über diese Zeile -##")
    # Her answer above the German marker is all that reaches the ticket.
    assert trim_reply("Danke, geht wieder.\n\n" + text) == "Danke, geht wieder."
    html = ack.part("html")
    assert f"Ticket #{number} ansehen" in html
    assert ack.header("Subject") == f"[Ticket #{number}] Drucker"  # inbound mail matches it

    staff = await mail_to(smtp, "xavier@example.com")
    text = staff.part("plain")
    assert f"New ticket #{number} in Support from Alice Client." in text
    assert "Mar 2, 2026, 4:30:00\u202fAM (America/New_York)" in text
    assert "You get this mail as staff of Support." in text
    assert "Neues Ticket" not in text and f"View ticket #{number}" in staff.part("html")

    frozen_clock.advance(timedelta(minutes=90))
    await gql.data(REPLY, {"n": number, "b": "Try turning it off."}, token=world.staff_x.token)
    reply = await mail_to(smtp, "alice@example.com", 2)
    text = reply.part("plain")
    assert f"Xavier Staff hat auf Ticket #{number} geantwortet." in text
    assert "02.03.2026, 12:00:00 (Europe/Berlin)" in text
    assert "Try turning it off." in text  # the message itself is never translated

    await gql.data(CLOSE, {"n": number}, token=world.staff_x.token)
    closed = await mail_to(smtp, "alice@example.com", 3)
    text = closed.part("plain")
    assert f"Ticket #{number} wurde von Xavier Staff geschlossen." in text
    assert "Wie haben wir das gemacht?" in text
    assert re.search(r"^- Gut: https?://\S+\r?$", text, re.M), text
    assert re.search(r"^- Schlecht: https?://\S+\r?$", text, re.M), text


async def test_account_mail_in_the_recipients_language(gql, world, smtp, mailer):
    await User.filter(id=world.client_b.id).update(language="de", time_zone="Europe/Berlin")
    await gql.data(RESET, {"e": "bob@example.com"})
    mail = await mail_to(smtp, "bob@example.com")
    assert mail.header("Subject") == "Passwort zurücksetzen"
    text = mail.part("plain")
    assert "Hallo Bob Client," in text
    assert "innerhalb von 1 Stunde" in text
    assert "(Europe/Berlin)" in text
    # An English recipient (no language chosen: DEFAULT_LANGUAGE) gets English.
    await gql.data(RESET, {"e": "alice@example.com"})
    mail = await mail_to(smtp, "alice@example.com")
    assert mail.header("Subject") == "Reset your password"
    assert "within 1 hour" in mail.part("plain")


def test_a_refusal_notice_in_german():
    notice = compose_notice(
        to="bob@example.com",
        in_reply_to=None,
        explanation=(
            "Ticket #{number} was closed more than {days} days ago and can no "
            "longer be reopened by email. Please open a new ticket."
        ),
        values={"number": 1042, "days": 30},
        settings=get_settings(),
        t=Translator("de", "Europe/Berlin"),
    )
    assert notice["Subject"] == "Ihre Nachricht konnte keinem Ticket hinzugefügt werden"
    text = notice.get_content()
    assert "Ticket #1042 wurde vor mehr als 30 Tagen geschlossen" in text
    assert "Dies ist eine automatische Nachricht" in text
