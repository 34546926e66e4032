"""Build one notification mail: text and HTML parts, reply marker, threading and tokens.

Pure: everything the mail says arrives in a ``Notification``; nothing here touches the
database, so the exact bytes can be checked in isolation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from app.i18n import N_, Translator
from app.mail.trimming import reply_marker
from app.services.markdown import render_markdown

MAX_SUBJECT_CHARS = 250


@dataclass(frozen=True)
class AttachmentLink:
    filename: str
    size: int
    url: str | None  # None: named only (a CC'd contact has no sign-in to download with)


@dataclass(frozen=True)
class Notification:
    ticket_number: int
    ticket_subject: str
    headline: str  # what happened, e.g. "Xavier Staff replied to your ticket."
    body: str | None  # the new message, Markdown (or None when nothing was written)
    attachments: tuple[AttachmentLink, ...]
    link: str | None  # the ticket in the portal (clients) or the dashboard (staff); None for
    # a CC'd contact, who has no sign-in (it answers by replying to the mail)
    footer: str  # why the recipient gets this mail
    sender_name: str
    sender_address: str
    recipient_name: str
    recipient_address: str
    reply_to: str
    message_id: str
    thread_id: str
    date: datetime
    # The closing mail to the client: one-click satisfaction links, (label, url) pairs.
    rating_links: tuple[tuple[str, str], ...] = ()
    language: str = "en"  # of the recipient: the fixed wording around the message
    when: str | None = None  # when it happened, in the recipient's zone and language
    # A signed link taking the recipient off the ticket (CC'd contacts, followers): in the
    # footer and as RFC 8058 one-click List-Unsubscribe headers.
    unsubscribe_url: str | None = None


RATING_QUESTION = N_("How did we do? One click rates your ticket (no sign-in needed):")
UNSUBSCRIBE = N_("Stop mail about this ticket: {url}")
UNSUBSCRIBE_LINK = N_("Stop mail about this ticket")


def subject_line(ticket_number: int, subject: str) -> str:
    """``[Ticket #1042] Subject`` on one line (no CR/LF can reach a header)."""
    flat = re.sub(r"\s+", " ", subject).strip()
    line = f"[Ticket #{ticket_number}] {flat}".rstrip()
    return line if len(line) <= MAX_SUBJECT_CHARS else line[: MAX_SUBJECT_CHARS - 1] + "…"


def _address(name: str, address: str) -> Address:
    username, _, domain = address.rpartition("@")
    display = re.sub(r"[\r\n\t]+", " ", name).strip()
    return Address(display_name=display, username=username, domain=domain)


def compose(n: Notification) -> EmailMessage:
    """The MIME message (multipart/alternative, text first)."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject_line(n.ticket_number, n.ticket_subject)
    message["From"] = _address(n.sender_name, n.sender_address)
    message["To"] = _address(n.recipient_name, n.recipient_address)
    message["Reply-To"] = n.reply_to
    message["Date"] = format_datetime(n.date)
    message["Message-ID"] = n.message_id
    message["In-Reply-To"] = n.thread_id
    message["References"] = n.thread_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Helpdesk-Ticket"] = str(n.ticket_number)
    if n.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{n.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_part(n), cte="quoted-printable")
    message.add_alternative(html_part(n), subtype="html", cte="quoted-printable")
    return message


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"  # pragma: no cover


def text_part(n: Notification) -> str:
    """The plain-text part: the message as written (its Markdown reads as text)."""
    t = Translator(n.language)
    lines = [reply_marker(n.language), "", n.headline, ""]
    if n.when:
        lines += [n.when, ""]
    if n.body:
        lines += [n.body.strip(), ""]
    if n.attachments:
        lines.append(t._("Attachments:"))
        lines += [
            f"- {a.filename} ({_size(a.size)})" + (f": {a.url}" if a.url else "")
            for a in n.attachments
        ]
        lines.append("")
    if n.rating_links:
        lines += [t._(RATING_QUESTION), *(f"- {label}: {url}" for label, url in n.rating_links)]
        lines.append("")
    if n.link:
        lines += [t._("Ticket #{number}: {link}", number=n.ticket_number, link=n.link), ""]
    lines += ["-- ", n.footer]
    if n.unsubscribe_url:
        lines.append(t._(UNSUBSCRIBE, url=n.unsubscribe_url))
    lines.append("")
    return "\n".join(lines)


_STYLE_MARKER = "color:#888;font-size:12px"
_STYLE_BUTTON = "display:inline-block;padding:6px 14px;border:1px solid #888;margin-right:8px"
_STYLE_BODY = "border-left:3px solid #ddd;padding:4px 12px;margin:12px 0"


def html_part(n: Notification) -> str:
    t = Translator(n.language)
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
        f'<p style="{_STYLE_MARKER}">{e(reply_marker(n.language))}</p>',
        f"<p>{e(n.headline)}</p>",
    ]
    if n.when:
        parts.append(f'<p style="{_STYLE_MARKER}">{e(n.when)}</p>')
    if n.body:
        # The same sanitised HTML as the web thread; the text part keeps the Markdown source.
        parts.append(f'<div style="{_STYLE_BODY}">{render_markdown(n.body.strip())}</div>')
    if n.attachments:
        items = "".join(
            f'<li><a href="{e(a.url)}">{e(a.filename)}</a> ({_size(a.size)})</li>'
            if a.url
            else f"<li>{e(a.filename)} ({_size(a.size)})</li>"
            for a in n.attachments
        )
        parts.append(f"<p>{e(t._('Attachments:'))}</p><ul>{items}</ul>")
    if n.rating_links:
        links = " ".join(
            f'<a href="{e(url)}" style="{_STYLE_BUTTON}">{e(label)}</a>'
            for label, url in n.rating_links
        )
        parts.append(f"<p>{e(t._(RATING_QUESTION))}</p><p>{links}</p>")
    if n.link:
        view = t._("View ticket #{number}", number=n.ticket_number)
        parts.append(f'<p><a href="{e(n.link)}">{e(view)}</a></p>')
    parts.append(f'<p style="{_STYLE_MARKER}">{e(n.footer)}</p>')
    if n.unsubscribe_url:
        stop = t._(UNSUBSCRIBE_LINK)
        parts.append(
            f'<p style="{_STYLE_MARKER}"><a href="{e(n.unsubscribe_url)}">{e(stop)}</a></p>'
        )
    parts.append("</body></html>")
    return "\n".join(parts)
