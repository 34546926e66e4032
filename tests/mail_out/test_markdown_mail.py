"""Notification mail of a Markdown message, as the SMTP server receives it: the HTML part is
the thread's sanitised HTML, the text part the Markdown as written (readable, unescaped)."""

from __future__ import annotations

from mailout_support import deliver

from app.config import get_settings
from app.mail.trimming import REPLY_MARKER, trim_reply
from app.services import messages, tickets

WRITTEN = (
    "Hi Alice,\n"
    "please **unplug** the printer & wait 5 < 10 minutes:\n\n"
    "1. unplug it\n"
    "2. read [the guide](https://example.com/guide)\n\n"
    "![tracking pixel](https://tracker.example/p.gif) "
    "[prize](javascript:alert(1)) <img src=x onerror=alert(1)>"
)


def part(mail, subtype: str) -> str:
    """A part's text with the wire's CRLF line ends as LF."""
    return str(mail.part(subtype)).replace("\r\n", "\n")


async def test_markdown_reply_mails_as_sanitised_html_and_readable_text(
    world, smtp, recorder, job_ctx
):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body="It smokes.\nSince this morning.",
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    acknowledgement = (await smtp.wait_for(2))[0]
    # An old-style plain message reads as before: each line break kept.
    assert "<p>It smokes.<br>\nSince this morning.</p>" in part(acknowledgement, "html")

    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=opened.ticket.number,
        body=WRITTEN,
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    mail = (await smtp.wait_for(3))[2]
    assert mail.rcpt_tos == ["alice@example.com"]

    html = part(mail, "html")
    assert "please <strong>unplug</strong> the printer &amp; wait 5 &lt; 10 minutes:" in html
    assert "<ol>\n<li>unplug it</li>" in html
    assert (
        '<a href="https://example.com/guide" target="_blank" '
        'rel="nofollow noopener noreferrer">the guide</a>'
    ) in html
    # Nothing from outside is loaded, nothing runs, raw HTML is text.
    assert "<img" not in html
    assert ">tracking pixel</a>" in html
    assert "javascript:" not in html.replace("[prize](javascript:alert(1))", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html

    # The text part is the message as written: no HTML, no escaping.
    text = part(mail, "plain")
    assert WRITTEN in text
    assert "&amp;" not in text and "&lt;" not in text and "<strong>" not in text

    # And answering it by mail still trims back to just the answer.
    quoted = "\n".join("> " + line for line in text.splitlines())
    assert trim_reply("Done, thanks.\n\n" + REPLY_MARKER + "\n" + quoted) == "Done, thanks."
