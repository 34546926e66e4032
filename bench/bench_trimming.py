"""Compare reply trimmers on the reply corpus.

Runs the project's trimmer, email_reply_parser and mail-parser-reply on the same
bodies (emails/NAME.txt) and counts exact matches against trimmed/NAME.txt after
folding whitespace. Usage: .venv/bin/python bench/bench_trimming.py [CORPUS_DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app.mail.trimming import trim_reply  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "replies"
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh"]


def fold(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return re.sub(r"\s+", " ", text).strip()


def load_corpus(corpus: Path) -> list[tuple[str, str, str]]:
    """(name, body, expected) for every emails/NAME.txt that has a trimmed/NAME.txt."""
    cases = []
    for email in sorted((corpus / "emails").glob("*.txt")):
        expected = corpus / "trimmed" / email.name
        if expected.exists():
            body = email.read_text(encoding="utf-8")
            cases.append((email.stem, body, expected.read_text(encoding="utf-8")))
    return cases


def _email_reply_parser(text: str) -> str:
    from email_reply_parser import EmailReplyParser

    return EmailReplyParser.parse_reply(text) or ""


def _mail_parser_reply(text: str) -> str:
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=LANGUAGES).parse_reply(text) or ""


TRIMMERS: dict[str, Callable[[str], str]] = {
    "helpdesk (app.mail.trimming)": trim_reply,
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
        for name, body, expected in cases:
            try:
                got = trimmer(body)
            except Exception:  # a library crashing on an input counts as a miss
                got = "\0"
            if fold(got) != fold(expected):
                failed.append(name)
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
    print(f"\nfailing cases for {ours}: {', '.join(failures[ours]) or 'none'}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not (args.corpus / "emails").is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    run(args.corpus)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
