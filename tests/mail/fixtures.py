"""Raw RFC 5322 replies in the shapes real mail clients send, for inbound-mail tests.

Every builder returns bytes (CRLF line endings) and takes the To address first, then
keywords for the sender (from_addr, from_name), the In-Reply-To message id (with or
without <>) and extra headers, so end-to-end tests can address a reply at a ticket's
reply token. Bodies are what the sender typed; `quoted` is the earlier message the
client quotes below it (our reply marker included by default).
"""

from __future__ import annotations

import base64
import html
import quopri
from collections.abc import Mapping

from app.mail.trimming import REPLY_MARKER

DEFAULT_FROM = "alice@example.com"
DEFAULT_FROM_NAME = "Alice Example"
DEFAULT_PARENT = "<ticket-42.1@helpdesk.example.com>"
HELPDESK = "Example Helpdesk <support@helpdesk.example.com>"
DEFAULT_QUOTED = f"{REPLY_MARKER}\n\nYour ticket #42 was updated.\n\nHave you tried turning it off?"
DATE = "Mon, 3 May 2021 10:00:00 +0200"
ATTRIBUTION = "On Mon, May 3, 2021 at 9:00 AM Example Helpdesk <support@helpdesk.example.com>"

__all__ = [
    "DEFAULT_FROM",
    "DEFAULT_PARENT",
    "DEFAULT_QUOTED",
    "apple_reply",
    "auto_reply",
    "bounce",
    "gmail_reply",
    "html_only_reply",
    "iso2022jp_reply",
    "koi8r_reply",
    "latin1_reply",
    "outlook_plain_reply",
    "outlook_reply",
    "plain_reply",
    "thunderbird_reply",
    "windows1252_reply",
]


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _bracket(message_id: str) -> str:
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def _quote(text: str, prefix: str = "> ") -> str:
    return "\n".join((prefix + line).rstrip() for line in text.split("\n"))


def _html_lines(text: str) -> str:
    return "<br>\n".join(html.escape(line) for line in text.split("\n"))


def _message(
    to: str,
    content_type: str,
    body: str,
    *,
    from_addr: str,
    from_name: str,
    in_reply_to: str | None,
    subject: str,
    message_id: str,
    extra_headers: Mapping[str, str | None] | None = None,
    transfer_encoding: str | None = None,
) -> bytes:
    headers = {
        "Return-Path": f"<{from_addr}>",
        "Delivered-To": to,
        "MIME-Version": "1.0",
        "Date": DATE,
        "Message-ID": _bracket(message_id),
        "Subject": subject,
        "From": f"{from_name} <{from_addr}>" if from_name else from_addr,
        "To": to,
        "Content-Type": content_type,
    }
    if transfer_encoding:
        headers["Content-Transfer-Encoding"] = transfer_encoding
    if in_reply_to:
        headers["In-Reply-To"] = _bracket(in_reply_to)
        headers["References"] = _bracket(in_reply_to)
    for name, value in (extra_headers or {}).items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    head = "".join(f"{name}: {value}\n" for name, value in headers.items())
    return _crlf(f"{head}\n{body}").encode("utf-8")


def _alternative(boundary: str, plain: str, html_body: str, plain_type: str = "") -> str:
    plain_type = plain_type or 'text/plain; charset="UTF-8"'
    return (
        f"--{boundary}\n"
        f"Content-Type: {plain_type}\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        f"{_qp(plain)}\n"
        f"--{boundary}\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n"
        f"{_qp(html_body)}\n"
        f"--{boundary}--\n"
    )


def gmail_reply(
    to: str,
    body: str = "Thanks, it works again!",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "Re: [#42] Printer is on fire",
    message_id: str = "<CAGmail+reply.1@mail.gmail.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Gmail: multipart/alternative, plain part with "On ... wrote:" and > quotes, HTML
    part with div.gmail_quote / blockquote.gmail_quote."""
    boundary = "000000000000a1b2c3d4e5f60718"
    plain = f"{body}\n\n{ATTRIBUTION} wrote:\n\n{_quote(quoted)}\n"
    html_body = (
        f'<div dir="ltr">{_html_lines(body)}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{html.escape(ATTRIBUTION)} wrote:<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{_html_lines(quoted)}'
        "</blockquote></div>\n"
    )
    return _message(
        to,
        f'multipart/alternative; boundary="{boundary}"',
        _alternative(boundary, plain, html_body),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
    )


def outlook_reply(
    to: str,
    body: str = "Works now, thanks.",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "RE: [#42] Printer is on fire",
    message_id: str = "<AM0PR01MB1234.eurprd01.prod.outlook.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Outlook on the web: plain part with a ____ line and From:/Sent:/To:/Subject:
    block, HTML part with an <hr> and #divRplyFwdMsg before the old message."""
    boundary = "_000_AM0PR01MB1234eurprd01prod_"
    header_block = (
        f"From: {HELPDESK}\nSent: Monday, May 3, 2021 9:00 AM\n"
        f"To: {from_name} <{from_addr}>\nSubject: [#42] Printer is on fire"
    )
    plain = f"{body}\n\n{'_' * 32}\n{header_block}\n\n{quoted}\n"
    html_body = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} '
        '</style></head><body dir="ltr"><div style="font-family: Calibri, Arial; '
        f'font-size: 12pt;">{_html_lines(body)}</div><div id="appendonsend"></div>'
        '<hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
        'style="font-size:11pt" color="#000000"><b>From:</b> '
        f"{html.escape(HELPDESK)}<br><b>Sent:</b> Monday, May 3, 2021 9:00 AM<br>"
        f"<b>To:</b> {html.escape(from_name)}<br><b>Subject:</b> [#42] Printer is on fire"
        f"</font><div>&nbsp;</div></div><div>{_html_lines(quoted)}</div></body></html>\n"
    )
    return _message(
        to,
        f'multipart/alternative; boundary="{boundary}"',
        _alternative(boundary, plain, html_body, 'text/plain; charset="utf-8"'),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
    )


def outlook_plain_reply(
    to: str,
    body: str = "Erledigt, danke.",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "AW: [#42] Printer is on fire",
    message_id: str = "<VI1PR02MB5678.eurprd02.prod.outlook.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Outlook desktop in plain-text mode, German UI: a Von:/Gesendet:/An:/Betreff:
    block with no separator line above it."""
    plain = (
        f"{body}\n\nVon: {HELPDESK}\nGesendet: Montag, 3. Mai 2021 09:00\n"
        f"An: {from_name} <{from_addr}>\nBetreff: [#42] Printer is on fire\n\n{quoted}\n"
    )
    return _message(
        to,
        'text/plain; charset="utf-8"',
        _qp(plain),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
        transfer_encoding="quoted-printable",
    )


def apple_reply(
    to: str,
    body: str = "Yes please, go ahead.",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "Re: [#42] Printer is on fire",
    message_id: str = "<5E1A7C2B-1F2E-4A3B-9C8D-0123456789AB@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Apple Mail: "On <date>, at <time>, <name> wrote:" and blockquote type=cite, with
    the attribution in a plain div outside the blockquote."""
    boundary = "Apple-Mail=_0F2C8E5A-6B1D-4E8F-A9C3-1234567890AB"
    attribution = "On 3 May 2021, at 09:00, Example Helpdesk <support@helpdesk.example.com> wrote:"
    plain = f"{body}\n\n> {attribution}\n>\n{_quote(quoted)}\n"
    html_body = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
        '</head><body style="overflow-wrap: break-word;">'
        f'<div>{_html_lines(body)}</div><div><br><blockquote type="cite">'
        f"<div>{html.escape(attribution)}</div><br><div><div>{_html_lines(quoted)}</div>"
        "</div></blockquote></div></body></html>\n"
    )
    return _message(
        to,
        f'multipart/alternative; boundary="{boundary}"',
        _alternative(boundary, plain, html_body, "text/plain; charset=utf-8"),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
    )


def thunderbird_reply(
    to: str,
    body: str = "Thanks for the quick fix.",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "Re: [#42] Printer is on fire",
    message_id: str = "<3f1e2d4c-5b6a-7980-a1b2-c3d4e5f60718@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Thunderbird: format=flowed plain part, HTML with div.moz-cite-prefix followed by
    blockquote type=cite, and a "-- " signature."""
    boundary = "------------A1b2C3d4E5f6G7h8I9j0K1l2"
    attribution = "On 03/05/2021 09:00, Example Helpdesk wrote:"
    # format=flowed: soft line breaks end in a space.
    flowed_body = body.replace(". ", ". \n")
    plain = f"{flowed_body}\n\n{attribution}\n{_quote(quoted, '>')}\n\n-- \nAlice\n"
    html_body = (
        "<!DOCTYPE html><html><head>"
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body>'
        f"<p>{_html_lines(body)}</p>"
        f'<div class="moz-cite-prefix">{html.escape(attribution)}<br></div>'
        '<blockquote type="cite" cite="mid:ticket-42.1@helpdesk.example.com">'
        f"{_html_lines(quoted)}</blockquote>"
        '<pre class="moz-signature" cols="72">-- \nAlice</pre></body></html>\n'
    )
    return _message(
        to,
        f'multipart/alternative; boundary="{boundary}"',
        _alternative(boundary, plain, html_body, "text/plain; charset=UTF-8; format=flowed"),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
    )


def html_only_reply(
    to: str,
    body: str = "Problem solved, you can close the ticket.",
    quoted: str = DEFAULT_QUOTED,
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "RE: [#42] Printer is on fire",
    message_id: str = "<000001d74a2b$1c2d3e40$5f6a7b80$@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """An HTML-only (no text/plain) base64 reply from Outlook desktop: the old message
    sits under a div with border-top:solid #E1E1E1."""
    html_body = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<style><!-- p.MsoNormal {margin:0cm;} --></style></head><body lang="EN-US">'
        f'<div class="WordSection1"><p class="MsoNormal">{_html_lines(body)}</p>'
        '<p class="MsoNormal">&nbsp;</p><div><div style="border:none;border-top:solid #E1E1E1 '
        '1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> '
        f"{html.escape(HELPDESK)}<br><b>Sent:</b> Monday, May 3, 2021 9:00 AM<br>"
        "<b>Subject:</b> [#42] Printer is on fire</p></div></div>"
        f'<p class="MsoNormal">{_html_lines(quoted)}</p></div></body></html>'
    )
    return _message(
        to,
        'text/html; charset="utf-8"',
        _b64(html_body.encode("utf-8")),
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
        transfer_encoding="base64",
    )


def plain_reply(
    to: str,
    body: str = "Thanks!",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "Re: [#42] Printer is on fire",
    message_id: str = "<plain.1@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """A minimal single-part UTF-8 text/plain message (8bit)."""
    return _message(
        to,
        "text/plain; charset=utf-8",
        body + "\n",
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
        transfer_encoding="8bit",
    )


def _legacy_plain(
    to: str,
    payload: str,
    charset: str,
    transfer_encoding: str,
    *,
    from_addr: str,
    from_name: str,
    in_reply_to: str | None,
    subject: str,
    message_id: str,
    extra_headers: Mapping[str, str | None] | None,
    raw_body: bytes | None = None,
) -> bytes:
    message = _message(
        to,
        f"text/plain; charset={charset}",
        payload,
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=extra_headers,
        transfer_encoding=transfer_encoding,
    )
    if raw_body is None:
        return message
    head = message.split(b"\r\n\r\n", 1)[0]
    return head + b"\r\n\r\n" + raw_body


def latin1_reply(
    to: str,
    body: str = "Grüße aus Köln, das Gerät läuft wieder. Schöne Woche!",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = "Jürgen Müller",
    in_reply_to: str | None = DEFAULT_PARENT,
    message_id: str = "<latin1.1@example.de>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """German text in ISO-8859-1, quoted-printable, with an ISO-8859-1 encoded-word
    subject and display name, and a German "Am ... schrieb ...:" quote."""
    text = f"{body}\n\nAm 03.05.2021 um 09:00 schrieb {HELPDESK}:\n> Ist das Problem gelöst?\n"
    return _legacy_plain(
        to,
        _qp(text, "iso-8859-1"),
        "iso-8859-1",
        "quoted-printable",
        from_addr=from_addr,
        from_name="=?iso-8859-1?q?" + _qp(from_name, "iso-8859-1").replace(" ", "_") + "?=",
        in_reply_to=in_reply_to,
        subject="=?iso-8859-1?q?AW=3A_Drucker_gel=F6st?=",
        message_id=message_id,
        extra_headers=extra_headers,
    )


def windows1252_reply(
    to: str,
    body: str = "It\u2019s fixed \u2014 the \u201cnew\u201d toner cost 45 \u20ac.",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    message_id: str = "<cp1252.1@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Windows-1252 text sent as raw 8bit bytes (smart quotes, dash, euro sign)."""
    return _legacy_plain(
        to,
        "",
        "windows-1252",
        "8bit",
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject="Re: [#42] Printer is on fire",
        message_id=message_id,
        extra_headers=extra_headers,
        raw_body=(body + "\r\n").encode("cp1252"),
    )


def koi8r_reply(
    to: str,
    body: str = "Спасибо, принтер снова работает.",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    message_id: str = "<koi8.1@example.ru>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Russian text in KOI8-R, base64, with a Gmail-style Russian attribution."""
    text = f"{body}\n\nпн, 3 мая 2021 \u0433. в 09:00, {HELPDESK}:\n\n> Проблема решена?\n"
    return _legacy_plain(
        to,
        _b64(_crlf(text).encode("koi8-r")),
        "koi8-r",
        "base64",
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject="=?koi8-r?b?" + base64.b64encode("Re: Принтер".encode("koi8-r")).decode() + "?=",
        message_id=message_id,
        extra_headers=extra_headers,
    )


def iso2022jp_reply(
    to: str,
    body: str = "ありがとうございます。直りました。",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    message_id: str = "<jp.1@example.jp>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """Japanese text in ISO-2022-JP, base64, with an ISO-2022-JP subject."""
    encoded_subject = base64.b64encode("Re: プリンター".encode("iso-2022-jp")).decode()
    return _legacy_plain(
        to,
        _b64(_crlf(body + "\n").encode("iso-2022-jp")),
        "iso-2022-jp",
        "base64",
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=f"=?iso-2022-jp?b?{encoded_subject}?=",
        message_id=message_id,
        extra_headers=extra_headers,
    )


def auto_reply(
    to: str,
    body: str = "I am out of the office until Monday and will reply when I am back.",
    *,
    from_addr: str = DEFAULT_FROM,
    from_name: str = DEFAULT_FROM_NAME,
    in_reply_to: str | None = DEFAULT_PARENT,
    subject: str = "Automatic reply: [#42] Printer is on fire",
    auto_submitted: str | None = "auto-replied",
    message_id: str = "<oof.1@example.com>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """An Exchange-style out-of-office reply. Pass auto_submitted=None and extra_headers
    to test one signal at a time."""
    headers: dict[str, str | None] = {"X-Auto-Response-Suppress": "All"}
    if auto_submitted:
        headers["Auto-Submitted"] = auto_submitted
    headers.update(extra_headers or {})
    return plain_reply(
        to,
        body,
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject=subject,
        message_id=message_id,
        extra_headers=headers,
    )


def bounce(
    to: str,
    *,
    from_addr: str = "MAILER-DAEMON@mx.example.net",
    from_name: str = "Mail Delivery System",
    in_reply_to: str | None = None,
    failed_recipient: str = "nobody@example.org",
    original_message_id: str = DEFAULT_PARENT,
    message_id: str = "<20210503070000.ABC1234@mx.example.net>",
    extra_headers: Mapping[str, str | None] | None = None,
) -> bytes:
    """A delivery status notification: multipart/report; report-type=delivery-status,
    from MAILER-DAEMON with Return-Path <>, quoting the headers of the original."""
    boundary = "ABC1234.1620025200/mx.example.net"
    report = (
        f"--{boundary}\n"
        "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        "This is the mail system at host mx.example.net.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n\n"
        f"<{failed_recipient}>: host mx.example.org said: 550 5.1.1 User unknown\n\n"
        f"--{boundary}\n"
        "Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\n"
        f"Final-Recipient: rfc822; {failed_recipient}\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        f"--{boundary}\n"
        "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
        f"From: {HELPDESK}\nTo: {failed_recipient}\nSubject: [#42] Printer is on fire\n"
        f"Message-ID: {_bracket(original_message_id)}\n\n"
        f"--{boundary}--\n"
    )
    headers: dict[str, str | None] = {"Return-Path": "<>", "Auto-Submitted": "auto-replied"}
    headers.update(extra_headers or {})
    return _message(
        to,
        f'multipart/report; report-type=delivery-status; boundary="{boundary}"',
        report,
        from_addr=from_addr,
        from_name=from_name,
        in_reply_to=in_reply_to,
        subject="Undelivered Mail Returned to Sender",
        message_id=message_id,
        extra_headers=headers,
    )
