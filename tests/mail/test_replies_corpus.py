"""The project's reply corpus (tests/mail/replies): each NAME.eml is a whole message as a
client sends it (Outlook desktop and web, Hotmail, Gmail, Apple Mail, Thunderbird, in
several languages), NAME.txt what the ticket must get. Exact match after folding
whitespace, as bench/bench_trimming.py counts it; an empty NAME.txt means nothing is added."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.mail.parsing import parse_mail
from app.mail.trimming import is_quote_only

CORPUS = Path(__file__).resolve().parent / "replies"
CASES = sorted(path.stem for path in CORPUS.glob("*.eml"))


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_corpus_covers_the_client_kinds() -> None:
    assert len(CASES) >= 50
    for prefix in ("outlook-desktop-html-", "outlook-web-hr-html-", "gmail-", "apple-"):
        langs = {name.rsplit("-", 1)[-1] for name in CASES if name.startswith(prefix)}
        assert {"de", "fr", "es", "ru", "zh"} <= langs, prefix
    assert sum(name.startswith("quote-only-") for name in CASES) >= 5


@pytest.mark.parametrize("name", CASES)
def test_reply_text_matches_expected(name: str) -> None:
    parsed = parse_mail((CORPUS / f"{name}.eml").read_bytes())
    expected = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    assert fold(parsed.reply_text) == fold(expected)
    assert parsed.quote_only == (not expected.strip())


QUOTE = "On Mon, Nov 30, 2026 at 10:15 AM Support <s@helpdesk.example> wrote:\n> old\n> older"


@pytest.mark.parametrize(
    "text",
    [
        QUOTE,
        f"\n\n{QUOTE}\n",
        f"-- \nBob Smith\nACME\n\n{QUOTE}",
        f"Sent from my iPhone\n\n{QUOTE}",
        "> Email with only a quote.",
        "____\nFrom: a@b.c\nSent: 30 November 2026\nTo: x@y.z\nSubject: hi\n\nold body",
        "-----Original Message-----\nFrom: a@b.c\nSent: Monday\n\nold body",
    ],
)
def test_quote_only(text: str) -> None:
    assert is_quote_only(text)


@pytest.mark.parametrize(
    "text",
    [
        f"ok\n\n{QUOTE}",
        f"{QUOTE}\n\nanswer below the quote",
        "On Mon, Nov 30, 2026 at 10:15 AM Support <s@helpdesk.example> wrote:\n\nbottom answer",
        "> Can you restart it?\n\nDone.",
        "-- \nBob Smith",
        "Sent from my iPhone",
        "To: all staff\nPlease reboot the printer.",
        f"-- \n1\n2\n3\n4\n5\n6\n7\n\n{QUOTE}",  # too long for a signature
        "",
    ],
)
def test_not_quote_only(text: str) -> None:
    assert not is_quote_only(text)
