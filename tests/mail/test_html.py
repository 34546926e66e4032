"""HTML bodies: quoted history removed per mail client, then converted to text."""

from __future__ import annotations

import pytest

from app.mail.html import html_to_text

GMAIL_ATTR = "On Mon, May 3, 2021 at 10:00 AM Help &lt;help@x.com&gt; wrote:"


def test_gmail_quote_removed_and_markup_converted() -> None:
    html = (
        '<div dir="ltr">Thanks, that <b>fixed</b> it. See <a href="https://x.com/a">the docs'
        '</a>.<br><img src="cid:1" alt="screenshot"></div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{GMAIL_ATTR}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">'
        "<div>##- Please type your reply above this line -##</div><div>Old stuff</div>"
        "</blockquote></div>"
    )
    assert html_to_text(html) == "Thanks, that **fixed** it. See [the docs](https://x.com/a)."


def test_gmail_inline_answers_keep_their_quotes() -> None:
    html = (
        '<div dir="ltr">Hi,</div><div class="gmail_quote">'
        f'<div class="gmail_attr">{GMAIL_ATTR}<br></div>'
        '<blockquote class="gmail_quote">Can you restart it?</blockquote><div>Done.</div>'
        '<blockquote class="gmail_quote">Old trailing part</blockquote></div>'
    )
    assert html_to_text(html) == "Hi,\n\n> Can you restart it?\n\nDone."


def test_bottom_posted_reply_loses_the_quote_above_it() -> None:
    html = (
        f'<div class="gmail_quote"><div class="gmail_attr">{GMAIL_ATTR}</div>'
        '<blockquote class="gmail_quote">old</blockquote></div><div>My answer below.</div>'
    )
    assert html_to_text(html) == "My answer below."


def test_outlook_desktop_separator_and_everything_after_it_removed() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body><div class=WordSection1>"
        "<p class=MsoNormal>Works now, thanks!</p><p class=MsoNormal>&nbsp;</p><div>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p class=MsoNormal><b>From:</b> Help &lt;help@x.com&gt;<br><b>Sent:</b> Monday</p>"
        "</div></div><p class=MsoNormal>Old quoted text</p></div>"
        "<p>Old text outside the section</p></body></html>"
    )
    assert html_to_text(html) == "Works now, thanks!"


def test_outlook_web_divrplyfwdmsg_and_everything_after_it_removed() -> None:
    html = (
        '<div dir="ltr"><div style="font-family:Calibri">Sure thing.</div>'
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Help<br>'
        "<b>Sent:</b> Monday</font><div>&nbsp;</div></div><div>Old body</div></div>"
    )
    assert html_to_text(html) == "Sure thing."


@pytest.mark.parametrize(
    "html",
    [
        # Apple Mail: attribution inside the blockquote.
        '<html><body><div>Yes please.</div><div><br><blockquote type="cite"><div>On 3 May '
        "2021, at 10:00, Help &lt;help@x.com&gt; wrote:</div><br><div>Old</div></blockquote>"
        "</div></body></html>",
        # Apple Mail (iOS): attribution in a plain div above the blockquote.
        '<html><body dir="auto">Yes please.<br><br><div dir="ltr">On 3 May 2021, at 10:00, '
        'Help &lt;help@x.com&gt; wrote:<br><br></div><blockquote type="cite"><div>Old</div>'
        "</blockquote></body></html>",
    ],
)
def test_apple_mail_cite_blockquote_removed(html: str) -> None:
    assert html_to_text(html) == "Yes please."


def test_thunderbird_cite_prefix_and_blockquote_removed() -> None:
    html = (
        '<html><body><p>Thunderbird reply</p><div class="moz-cite-prefix">On 03/05/2021 '
        '10:00, Help wrote:<br></div><blockquote type="cite" cite="mid:a@x.com">Old'
        "</blockquote></body></html>"
    )
    assert html_to_text(html) == "Thunderbird reply"


def test_thunderbird_bottom_post_keeps_reply_below_quote() -> None:
    html = (
        '<div class="moz-cite-prefix">On 03/05/2021 10:00, Help wrote:<br></div>'
        '<blockquote type="cite">Old</blockquote><p>Reply under the quote</p>'
        '<pre class="moz-signature" cols="72">-- \nAlice</pre>'
    )
    text = html_to_text(html)
    assert text.startswith("Reply under the quote")
    assert "Old" not in text and "wrote" not in text


def test_yahoo_quoted_removed_and_scripts_dropped() -> None:
    html = (
        '<div><div>Yahoo reply</div><div class="yahoo_quoted"><div>On Monday, May 3, 2021, '
        "10:00:00 AM GMT+2, Help &lt;help@x.com&gt; wrote:</div><div>Old</div></div></div>"
        "<script>alert('x')</script><style>.a{}</style>"
    )
    assert html_to_text(html) == "Yahoo reply"


def test_long_lines_are_not_wrapped_and_entities_decoded() -> None:
    sentence = "word " * 60
    assert html_to_text(f"<p>{sentence}&amp; more&nbsp;text</p>") == f"{sentence}& more text"


def test_line_breaks_and_paragraphs() -> None:
    assert html_to_text("<p>Line one<br>Line two</p><p>Second paragraph</p>") == (
        "Line one\nLine two\n\nSecond paragraph"
    )


def test_message_that_is_only_a_quote_keeps_its_text() -> None:
    assert html_to_text('<blockquote type="cite">only old text</blockquote>') == ("> only old text")


def test_empty_html_gives_empty_text() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<html><body> </body></html>") == ""


def test_yahoo_prefixed_quote_class_removed() -> None:
    html = (
        '<div>New text</div><div id="ydpc2d1yahoo_quoted_8472" class="ydpc2d1yahoo_quoted">'
        "<div>On Monday, May 3, 2021, Bob &lt;b@x.com&gt; wrote:</div><div>old</div></div>"
    )
    assert html_to_text(html) == "New text"
