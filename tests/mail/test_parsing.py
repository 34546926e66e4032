"""parse_mail and classify_noise on messages in the shapes real clients send."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable

import pytest

from app.mail.noise import classify_noise
from app.mail.parsing import MailParseError, ParsedMail, decode_bytes, parse_mail
from app.mail.trimming import REPLY_MARKER

try:
    from tests.mail import fixtures
except ModuleNotFoundError:  # repo root not on sys.path: pytest put this folder there
    import fixtures  # type: ignore[no-redef]

TO = "reply+tok123@helpdesk.example.com"
PARENT = "ticket-42.1@helpdesk.example.com"


def parse(raw: bytes) -> ParsedMail:
    return parse_mail(raw)


@pytest.mark.parametrize(
    ("builder", "reply"),
    [
        (fixtures.gmail_reply, "Thanks, it works again!"),
        (fixtures.outlook_reply, "Works now, thanks."),
        (fixtures.outlook_plain_reply, "Erledigt, danke."),
        (fixtures.apple_reply, "Yes please, go ahead."),
        (fixtures.thunderbird_reply, "Thanks for the quick fix."),
        (fixtures.html_only_reply, "Problem solved, you can close the ticket."),
    ],
)
def test_client_replies_parse_to_the_new_text(builder: Callable[..., bytes], reply: str) -> None:
    mail = parse(builder(TO, from_addr="Bob.Sender@Example.COM", in_reply_to=PARENT))
    assert mail.reply_text == reply
    assert mail.from_address == "bob.sender@example.com"
    assert mail.from_name == "Alice Example"
    assert mail.in_reply_to == [PARENT]
    assert mail.references == [PARENT]
    assert TO in mail.recipients
    assert mail.message_id and "<" not in mail.message_id
    assert not mail.is_auto_generated and mail.auto_reason is None
    assert REPLY_MARKER not in mail.reply_text


def test_plain_part_is_preferred_and_keeps_the_quote_in_text() -> None:
    mail = parse(fixtures.gmail_reply(TO))
    assert mail.text.startswith("Thanks, it works again!\n\nOn Mon, May 3, 2021")
    assert "> Have you tried turning it off?" in mail.text
    assert "**" not in mail.text  # not the html2text rendering


def test_html_only_body_has_quote_removed_already() -> None:
    mail = parse(fixtures.html_only_reply(TO, body="Close it, please."))
    assert mail.text == "Close it, please."


def test_html_used_when_plain_part_is_blank() -> None:
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/alternative; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n"
        b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>From the <i>HTML</i></p>\r\n"
        b"--B--\r\n"
    )
    assert parse(raw).text == "From the _HTML_"


def test_thunderbird_format_flowed_is_unwrapped() -> None:
    mail = parse(fixtures.thunderbird_reply(TO, body="First part. Second part. Third"))
    assert mail.reply_text == "First part. Second part. Third"


def test_format_flowed_delsp_quotes_and_signature() -> None:
    raw = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8; format=flowed;"
        b" delsp=yes\r\n\r\nThis is one long para \r\ngraph that was wrap \r\nped.\r\n"
        b"> quoted soft \r\n> break\r\n\r\n-- \r\nAlice\r\n"
    )
    assert parse(raw).text == (
        "This is one long paragraph that was wrapped.\n> quoted softbreak\n\n-- \nAlice"
    )


def test_latin1_quoted_printable_german() -> None:
    mail = parse(fixtures.latin1_reply(TO))
    assert mail.reply_text == "Grüße aus Köln, das Gerät läuft wieder. Schöne Woche!"
    assert mail.subject == "AW: Drucker gelöst"
    assert mail.from_name == "Jürgen Müller"


def test_windows1252_8bit() -> None:
    mail = parse(fixtures.windows1252_reply(TO))
    assert mail.text == "It\u2019s fixed \u2014 the \u201cnew\u201d toner cost 45 \u20ac."


def test_koi8r_base64_russian() -> None:
    mail = parse(fixtures.koi8r_reply(TO))
    assert mail.reply_text == "Спасибо, принтер снова работает."
    assert mail.subject == "Re: Принтер"


def test_iso2022jp_base64_japanese() -> None:
    mail = parse(fixtures.iso2022jp_reply(TO))
    assert mail.text == "ありがとうございます。直りました。"
    assert mail.subject == "Re: プリンター"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain; charset=x-no-such-charset", b"Gr\xfc\xdfe", "Grüße"),
        ("text/plain; charset=utf-8", b"caf\xe9 \x80", "café €"),
        ("text/plain; charset=us-ascii", "naïve".encode(), "naïve"),
        ("text/plain", b"\xff\xfe", "ÿþ"),
        ("text/plain; charset=iso-8859-1", b"\x93quoted\x94 \x81", "\u201cquoted\u201d \ufffd"),
    ],
)
def test_bad_or_missing_charsets_never_raise(content_type: str, body: bytes, expected: str) -> None:
    raw = b"From: a@example.com\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n" + body
    assert parse(raw).text == expected


def test_decode_bytes_falls_back_to_latin1_when_cp1252_cannot() -> None:
    assert decode_bytes(b"\x81\xe9", None) == "\x81é"


def test_broken_base64_and_raw_8bit_headers_are_tolerated() -> None:
    raw = (
        b"From: J\xc3\xbcrgen <j@example.com>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ!!!\r\n"
    )
    mail = parse(raw)
    assert mail.from_name == "Jürgen"
    assert mail.subject == "Grüße"
    assert isinstance(mail.text, str)


def test_recipients_are_collected_lowercased_in_order_without_duplicates() -> None:
    raw = fixtures.plain_reply(
        "Support <Reply+Tok@Helpdesk.example.com>, other@example.com",
        extra_headers={
            "Cc": '"Smith, Ann" <ANN@example.com>, other@example.com',
            "Delivered-To": "reply+tok@helpdesk.example.com",
            "X-Original-To": "alias@helpdesk.example.com",
        },
    )
    assert parse(raw).recipients == [
        "reply+tok@helpdesk.example.com",
        "other@example.com",
        "ann@example.com",
        "alias@helpdesk.example.com",
    ]


def test_message_ids_are_extracted_without_brackets() -> None:
    raw = fixtures.plain_reply(
        TO,
        message_id="<new.1@example.com>",
        extra_headers={
            "In-Reply-To": "<parent@x.com> (Ticket reply)",
            "References": "<root@x.com>\r\n <middle@x.com> <parent@x.com>",
        },
    )
    mail = parse(raw)
    assert mail.message_id == "new.1@example.com"
    assert mail.in_reply_to == ["parent@x.com"]
    assert mail.references == ["root@x.com", "middle@x.com", "parent@x.com"]


def test_missing_threading_headers_give_empty_values() -> None:
    mail = parse(b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n")
    assert (mail.message_id, mail.in_reply_to, mail.references) == (None, [], [])
    assert mail.recipients == []


ATTACHMENTS = b"""From: a@example.com\r
Subject: files\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary="XX"\r
\r
--XX\r
Content-Type: multipart/related; boundary="YY"\r
\r
--YY\r
Content-Type: text/html; charset=utf-8\r
\r
<p>See the picture</p><img src="cid:img1">\r
--YY\r
Content-Type: image/png; name="pic.png"\r
Content-ID: <img1>\r
Content-Disposition: inline; filename="pic.png"\r
Content-Transfer-Encoding: base64\r
\r
iVBORw0KGgo=\r
--YY--\r
--XX\r
Content-Type: application/pdf\r
Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fr%C3%A9sum%C3%A9.pdf\r
Content-Transfer-Encoding: base64\r
\r
JVBERi0xLjQK\r
--XX\r
Content-Type: text/plain; charset=utf-8\r
Content-Disposition: attachment; filename="log.txt"\r
\r
log line\r
--XX\r
Content-Type: message/rfc822\r
Content-Disposition: attachment\r
\r
From: x@example.com\r
Subject: inner\r
\r
inner body\r
--XX--\r
"""


def test_attachments_and_inline_images_are_extracted() -> None:
    mail = parse(ATTACHMENTS)
    assert mail.text == "See the picture"
    found = [(a.filename, a.content_type) for a in mail.attachments]
    assert found == [
        ("pic.png", "image/png"),
        ("résumé.pdf", "application/pdf"),  # path components stripped
        ("log.txt", "text/plain"),
        ("attachment-4.eml", "message/rfc822"),
    ]
    assert mail.attachments[0].data == b"\x89PNG\r\n\x1a\n"
    assert mail.attachments[1].data == b"%PDF-1.4\n"
    assert mail.attachments[2].data.strip() == b"log line"
    assert b"Subject: inner" in mail.attachments[3].data


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n",
        b"Subject: no sender\r\n\r\nbody",
        b"From: undisclosed-recipients:;\r\n\r\nbody",
        b"\x00\x01\x02 not a message at all",
    ],
)
def test_unusable_messages_raise_mail_parse_error(raw: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_mail(raw)


def test_sender_header_is_used_when_from_has_no_address() -> None:
    raw = b"From: Someone\r\nSender: real@example.com\r\n\r\nbody"
    assert parse(raw).from_address == "real@example.com"


def test_broken_from_header_still_yields_the_address() -> None:
    assert parse(b'From: "Unclosed <a@example.com>\r\n\r\nx').from_address == "a@example.com"


# --- noise ----------------------------------------------------------------------------

NO_SUPPRESS: dict[str, str | None] = {"X-Auto-Response-Suppress": None}


def noise(raw: bytes) -> str | None:
    return classify_noise(email.message_from_bytes(raw, policy=email.policy.default))


def test_out_of_office_reply_is_flagged() -> None:
    mail = parse(fixtures.auto_reply(TO))
    assert mail.is_auto_generated
    assert mail.auto_reason is not None and "auto-replied" in mail.auto_reason


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-generated"},
        {"Auto-Submitted": "auto-replied; owner-email=x@example.com"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"Precedence": "auto_reply"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Vacation"},
        {"X-Auto-Response-Suppress": "OOF"},
        {"X-Auto-Response-Suppress": "All"},
    ],
)
def test_auto_headers_are_flagged(headers: dict[str, str | None]) -> None:
    raw = fixtures.plain_reply(TO, extra_headers=headers)
    assert noise(raw) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Precedence": "first-class"},
        {"X-Auto-Response-Suppress": "RN, NRN"},
    ],
)
def test_harmless_header_values_are_not_noise(headers: dict[str, str | None]) -> None:
    assert noise(fixtures.plain_reply(TO, extra_headers=headers)) is None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: [#42] Printer",
        "Automatic reply: [#42] Printer",
        "Autoreply: Printer",
        "Auto-Reply: Printer",
        "Abwesenheitsnotiz: Drucker",
        "Automatische Antwort: Drucker",
        "Réponse automatique : imprimante",
        "Absence: imprimante",
        "Respuesta automática: impresora",
        "Fuera de la oficina",
        "Risposta automatica: stampante",
        "Automatisch antwoord: printer",
        "Afwezig: printer",
        "Autosvar: skrivare",
        "Automatyczna odpowiedź: drukarka",
        "Автоответ: принтер",
        "[External] Out of office",
    ],
)
def test_out_of_office_subjects_are_flagged(subject: str) -> None:
    raw = fixtures.auto_reply(TO, subject=subject, auto_submitted=None, extra_headers=NO_SUPPRESS)
    assert noise(raw) is not None


@pytest.mark.parametrize(
    "subject",
    ["Re: out of office policy question", "Absence request for Monday", "Printer broken"],
)
def test_ordinary_subjects_are_not_noise(subject: str) -> None:
    raw = fixtures.auto_reply(TO, subject=subject, auto_submitted=None, extra_headers=NO_SUPPRESS)
    assert noise(raw) is None


def test_bounce_is_flagged() -> None:
    mail = parse(fixtures.bounce(TO))
    assert mail.is_auto_generated
    assert mail.from_address == "mailer-daemon@mx.example.net"
    assert "550 5.1.1" in mail.text


def test_delivery_status_report_alone_is_a_bounce() -> None:
    raw = fixtures.bounce(
        TO,
        from_addr="notifications@mx.example.net",
        extra_headers={"Return-Path": "<bounces@mx.example.net>", "Auto-Submitted": None},
    )
    reason = noise(raw)
    assert reason is not None and "delivery status" in reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.net", "postmaster@example.org"])
def test_mailer_daemon_and_postmaster_senders_are_bounces(sender: str) -> None:
    assert noise(fixtures.plain_reply(TO, from_addr=sender)) is not None


def test_null_return_path_is_flagged() -> None:
    assert noise(fixtures.plain_reply(TO, extra_headers={"Return-Path": "<>"})) is not None


@pytest.mark.parametrize(
    "builder",
    [
        fixtures.gmail_reply,
        fixtures.outlook_reply,
        fixtures.apple_reply,
        fixtures.thunderbird_reply,
        fixtures.html_only_reply,
        fixtures.latin1_reply,
        fixtures.windows1252_reply,
        fixtures.koi8r_reply,
        fixtures.iso2022jp_reply,
        fixtures.plain_reply,
    ],
)
def test_person_written_replies_are_not_noise(builder: Callable[..., bytes]) -> None:
    assert noise(builder(TO)) is None
