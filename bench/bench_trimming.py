"""Compare reply trimmers on the reply corpora.

Two kinds of corpus: the development corpus beside the checkout (emails/NAME.txt, plain
bodies, with trimmed/NAME.txt) and the project's own, tests/mail/replies (NAME.eml, whole
messages as clients send them, with NAME.txt; an empty NAME.txt means "adds nothing").
The project's trimmer gets what the inbound pipeline gets: the body for a .txt case,
``parse_mail(raw).reply_text`` for a .eml case. email_reply_parser and mail-parser-reply get
the body text (for a .eml, its text/plain part, else its HTML converted whole). A case
counts when the output equals the expected text after folding whitespace.
Usage: .venv/bin/python bench/bench_trimming.py [CORPUS_DIR ...] (default: both corpora)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app.mail.parsing import parse_mail  # noqa: E402
from app.mail.trimming import trim_reply  # noqa: E402

DEV_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "replies"
PROJECT_CORPUS = REPO_ROOT / "tests" / "mail" / "replies"
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh", "ru"]


@dataclass(frozen=True)
class Case:
    name: str
    text: str  # the body as text
    expected: str
    raw: bytes | None = None  # the whole message, for a .eml case


def fold(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return re.sub(r"\s+", " ", text).strip()


def _body_text(raw: bytes) -> str:
    """A message's text/plain body, else its HTML converted with nothing removed."""
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = str(body.get_content())  # type: ignore[attr-defined]
    if body.get_content_type() == "text/html":
        import html2text

        converter = html2text.HTML2Text()
        converter.body_width = 0
        return converter.handle(content)
    return content


def load_corpus(corpus: Path) -> list[Case]:
    """Every case with an expected text: emails/NAME.txt or NAME.eml."""
    cases = []
    if (corpus / "emails").is_dir():
        for email in sorted((corpus / "emails").glob("*.txt")):
            expected = corpus / "trimmed" / email.name
            if expected.exists():
                text = email.read_text(encoding="utf-8")
                cases.append(Case(email.stem, text, expected.read_text(encoding="utf-8")))
        return cases
    for eml in sorted(corpus.glob("*.eml")):
        expected = eml.with_suffix(".txt")
        if expected.exists():
            raw = eml.read_bytes()
            cases.append(Case(eml.stem, _body_text(raw), expected.read_text(encoding="utf-8"), raw))
    return cases


def _helpdesk(case: Case) -> str:
    return trim_reply(case.text) if case.raw is None else parse_mail(case.raw).reply_text


def _email_reply_parser(case: Case) -> str:
    from email_reply_parser import EmailReplyParser

    return EmailReplyParser.parse_reply(case.text) or ""


def _mail_parser_reply(case: Case) -> str:
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=LANGUAGES).parse_reply(case.text) or ""


TRIMMERS: dict[str, Callable[[Case], str]] = {
    "helpdesk (app.mail.trimming)": _helpdesk,
    "email_reply_parser": _email_reply_parser,
    "mail-parser-reply": _mail_parser_reply,
}


def run(corpus: Path) -> dict[str, list[str]]:
    """Print the comparison table; return the failing case names per trimmer."""
    cases = load_corpus(corpus)
    if not cases:
        raise SystemExit(f"no cases found under {corpus}")
    failures: dict[str, list[str]] = {}
    rows = []
    for label, trimmer in TRIMMERS.items():
        failed: list[str] = []
        started = time.perf_counter()
        for case in cases:
            try:
                got = trimmer(case)
            except Exception:  # a library crashing on an input counts as a miss
                got = "\0"
            if fold(got) != fold(case.expected):
                failed.append(case.name)
        elapsed_ms = (time.perf_counter() - started) * 1000
        failures[label] = failed
        ok = len(cases) - len(failed)
        rows.append((label, ok, len(cases), 100.0 * ok / len(cases), elapsed_ms))

    width = max(len(r[0]) for r in rows)
    print(f"corpus: {corpus} ({len(cases)} cases)\n")
    print(f"{'trimmer':<{width}}  {'exact':>7}  {'%':>6}  {'ms':>8}")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 6}  {'-' * 8}")
    for label, ok, total, pct, ms in rows:
        print(f"{label:<{width}}  {f'{ok}/{total}':>7}  {pct:6.1f}  {ms:8.1f}")
    ours = next(iter(TRIMMERS))
    print(f"\nfailing cases for {ours}: {', '.join(failures[ours]) or 'none'}\n")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[DEV_CORPUS, PROJECT_CORPUS])
    args = parser.parse_args(argv)
    found = [c for c in args.corpus if (c / "emails").is_dir() or any(c.glob("*.eml"))]
    for missing in (c for c in args.corpus if c not in found):
        print(f"corpus not found: {missing}", file=sys.stderr)
    for corpus in found:
        run(corpus)
    return 0 if found else 2


if __name__ == "__main__":
    raise SystemExit(main())
