"""Reply trimming: the development corpus plus targeted behaviour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.mail.trimming import REPLY_MARKER, is_attribution, trim_reply

CORPUS = Path(__file__).resolve().parents[2].parent / "shared/corpus/replies"
QUOTE = "\n\n> Have you tried turning it off?\n> Regards, Support\n"


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_dev_corpus_at_least_31_of_32_exact() -> None:
    if not (CORPUS / "emails").is_dir():
        pytest.skip(f"reply corpus not found at {CORPUS} (expected beside the checkout)")
    emails = sorted((CORPUS / "emails").glob("*.txt"))
    assert len(emails) >= 32
    failures = [
        email.stem
        for email in emails
        if fold(trim_reply(email.read_text(encoding="utf-8")))
        != fold((CORPUS / "trimmed" / email.name).read_text(encoding="utf-8"))
    ]
    assert len(emails) - len(failures) >= len(emails) - 1, f"failing: {failures}"


@pytest.mark.parametrize(
    ("attribution", "reply"),
    [
        ("On Mon, May 3, 2021 at 10:00 AM John Smith <john@example.com> wrote:", "Thanks!"),
        ("Am Mo., 3. Mai 2021 um 10:00 Uhr schrieb Hans <h@example.de>:", "Danke!"),
        ("Am 03.05.2021 um 10:00 schrieb Hans Müller <h@example.de>:", "Danke!"),
        ("Le lun. 3 mai 2021 à 10:00, Jean <j@example.fr> a écrit :", "Merci"),
        ("El lun., 3 may. 2021 a las 10:00, Juan (<j@example.es>) escribió:", "Gracias"),
        ("Op ma 3 mei 2021 om 10:00 schreef Jan <j@example.nl>:", "Bedankt"),
        ("Il giorno lun 3 mag 2021 alle ore 10:00 Mario <m@example.it> ha scritto:", "Grazie"),
        ("Em seg., 3 de mai. de 2021 às 10:00, João <j@example.pt> escreveu:", "Obrigado"),
        ("W dniu 3.05.2021 o 10:00, Jan <j@example.pl> pisze:", "Dzięki"),
        ("W dniu pon., 3 maj 2021 o 10:00 Jan <j@example.pl> napisał(a):", "Dzięki"),
        ("пн, 3 мая 2021 г. в 10:00, Иван <i@example.ru>:", "Спасибо"),  # noqa: RUF001
        ("3 мая 2021 г., в 10:00, Иван <i@example.ru> написал(а):", "Спасибо"),  # noqa: RUF001
        ("пн, 3 трав. 2021 о 10:00 Іван <i@example.ua> пише:", "Дякую"),  # noqa: RUF001
        ("Den mån 3 maj 2021 kl 10:00 skrev Sven <s@example.se>:", "Tack"),
        ("Den man. 3. maj 2021 kl. 10.00 skrev Jens <j@example.dk>:", "Tak"),
        ("man. 3. mai 2021 kl. 10:00 skrev Ola <o@example.no>:", "Takk"),
    ],
)
def test_cuts_at_localised_attribution(attribution: str, reply: str) -> None:
    assert trim_reply(f"{reply}\n\n{attribution}{QUOTE}") == reply


@pytest.mark.parametrize(
    "wrapped",
    [
        "On Mon, May 3, 2021 at 10:00 AM John Smith <\njohn@example.com> wrote:",
        "On Mon, May 3, 2021 at 10:00 AM, John Smith\n<john@example.com> wrote:",
        "On Mon, May 3, 2021 at 10:00 AM, John Smith <john@example.com>\nwrote:",
        "Am 03.05.2021 um 10:00 schrieb John Smith <john@example.com\n>:",
        "John Smith <john@example.com> schrieb am Mo., 3.\nMai 2021 um 10:00 Uhr:",
    ],
)
def test_cuts_at_attribution_wrapped_over_two_lines(wrapped: str) -> None:
    assert trim_reply(f"Fixed, thanks.\n\n{wrapped}{QUOTE}") == "Fixed, thanks."


def test_attribution_without_quote_marks_cuts_everything_after() -> None:
    text = "ok\n\nOn Monday, May 3, 2021, 10:00:00 AM GMT+2, Help <h@x.com> wrote:\n\nold stuff\n"
    assert trim_reply(text) == "ok"


def test_cuts_at_our_marker() -> None:
    text = f"Reply here\n\n{REPLY_MARKER}\n\nTicket #12 was updated\nby an agent"
    assert trim_reply(text) == "Reply here"


def test_cuts_at_quoted_marker_and_its_attribution() -> None:
    text = (
        "Reply here\n\nOn Mon, May 3, 2021 at 10:00 AM Help <help@x.com> wrote:\n\n"
        f"> {REPLY_MARKER}\n> old text\n"
    )
    assert trim_reply(text) == "Reply here"


@pytest.mark.parametrize(
    "history",
    [
        "From: Support <s@x.com>\nSent: Monday, May 3, 2021 10:00 AM\nTo: Bob <b@x.com>\n"
        "Subject: Re: printer",
        "Von: Support <s@x.com>\nGesendet: Montag, 3. Mai 2021 10:00\nAn: Bob <b@x.com>\n"
        "Betreff: AW: Drucker",
        "De : Support <s@x.com>\nEnvoyé : lundi 3 mai 2021 10:00\nÀ : Bob <b@x.com>\n"
        "Objet : RE: imprimante",
        "From: Support <s@x.com>\nSent: Monday, May 3, 2021 10:00 AM\nTo: Bob <b@x.com>;\n"
        " Carol <c@x.com>\nSubject: Re: printer",
        "-----Original Message-----\nFrom: a@b.c\nSent: 3 May 2021\nTo: x@y.z\nSubject: hi",
        "________________________________\nFrom: a@b.c\nSent: 3 May 2021\nSubject: hi",
        "---------- Forwarded message ---------\nFrom: A <a@b.c>\nDate: Mon, May 3, 2021\n"
        "Subject: x\nTo: <b@c.d>",
        "-----Mensaje original-----\nDe: a@b.c\nEnviado: 3/5/2021\nAsunto: x",
    ],
)
def test_cuts_at_outlook_header_blocks_and_separators(history: str) -> None:
    assert trim_reply(f"Done, thanks.\n\n{history}\n\nOld body\nmore old body\n") == (
        "Done, thanks."
    )


def test_keeps_quotes_answered_inline() -> None:
    text = "Hi,\n\n> Can you restart it?\n\nDone.\n\n> And the logs?\n\nAttached.\n\nBob"
    assert trim_reply(text) == text


def test_drops_trailing_quote_after_inline_answer() -> None:
    text = "> Can you restart it?\n\nDone.\n\n> old trailing\n> quote"
    assert trim_reply(text) == "> Can you restart it?\n\nDone."


def test_drops_trailing_quote_block_without_attribution() -> None:
    assert trim_reply("New text.\n\n> old\n> older\n") == "New text."


@pytest.mark.parametrize("prefix", ["Bob> ", "| "])
def test_other_quote_styles_are_quotes(prefix: str) -> None:
    assert trim_reply(f"Answer\n\n{prefix}old question\n{prefix}more\n") == "Answer"


def test_markdown_table_is_not_a_quote() -> None:
    text = "Results:\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert trim_reply(text) == text


def test_bottom_posted_reply_is_kept_without_the_quote() -> None:
    text = "On Mon, May 3, 2021 at 10:00 AM Help <h@x.com> wrote:\n> question?\n\nanswer here"
    assert trim_reply(text) == "answer here"


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nBob Smith\nACME Corp",
        "--\nBob",
        "__\nBob",
        "Sent from my iPhone",
        "Get Outlook for Android<https://aka.ms/AAb9ysg>",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
    ],
)
def test_drops_signatures(signature: str) -> None:
    assert trim_reply(f"Hello there\n\n{signature}\n") == "Hello there"


def test_delimiters_inside_code_fences_are_kept() -> None:
    text = "Try this:\n\n```\n# config\n----\nkey = 1\n```\n\nThanks"
    assert trim_reply(text) == text


def test_normalises_line_endings() -> None:
    assert trim_reply("Line1\r\nLine2\r\rLine3\r\n") == "Line1\nLine2\n\nLine3"


@pytest.mark.parametrize(
    "text",
    [
        "To: all staff\nPlease reboot the printer.",
        "On Monday I wrote to support:\nit failed again.",
        "In 2019 I wrote:\nthe same thing.",
        "From my point of view, the fix works.",
        "Sent the invoice yesterday, did you get it?",
    ],
)
def test_prose_that_looks_like_markers_is_kept(text: str) -> None:
    assert trim_reply(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("> Email with only a quote.", "> Email with only a quote."),
        ("Sent from my iPhone", "Sent from my iPhone"),
        ("---------- Forwarded message ---------\nFrom: a@b.c\nSubject: x\n", None),
        (f"{REPLY_MARKER}\nold\n\nreply below the marker", None),
    ],
)
def test_never_empty_when_something_was_written(text: str, expected: str | None) -> None:
    result = trim_reply(text)
    assert result.strip()
    if expected is not None:
        assert result == expected


def test_blank_input_gives_empty_string() -> None:
    assert trim_reply("  \r\n\n ") == ""


@pytest.mark.parametrize(
    "line",
    [
        "On Wed, Sep 25, 2013, at 03:57 PM, jorge_castro wrote:",
        "On 10/12/15 12:30, Jeff Atwood wrote:",
        "> On 3 Feb 2016, at 15:35, Bob <bob@x.com> wrote:",
        'Le 4 janv. 2016 19:03, "Neil" <info@example.org> a écrit :',
        "Dnia 14 lip 2015 o godz. 00:25 Michael <info@example.org> napisał(a):",
        "El jueves, 21 de noviembre de 2013, codinghorror escribió:",
        "Den 15. jun. 2016 kl. 20.42 skrev Jeff <info@example.org>:",
        "2015-10-18 0:17 GMT+03:00 Matt Palmer <info@example.org>:",
        "codinghorror via Discourse Meta wrote:",
        "Gavin Sinclair (gsinclair@example.com.au) wrote:",
        "----- Original Message -----",
        "Begin forwarded message:",
        "在 2016年12月12日，下午8:45，Erlend <meta@example.com> 写道：",  # noqa: RUF001
    ],
)
def test_is_attribution_recognises_client_formats(line: str) -> None:
    assert is_attribution(line)


@pytest.mark.parametrize(
    "line",
    [
        "On Monday I wrote to support:",
        "I wrote something",
        "Please mail bob@x.com as I wrote.",
        "Reply to this email directly or view it on GitHub.",
    ],
)
def test_is_attribution_rejects_prose(line: str) -> None:
    assert not is_attribution(line)
