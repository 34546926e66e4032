"""Unsubscribe links of notification mail: ``/unsubscribe/{token}``, no sign-in.

``GET`` (and ``HEAD``) answers a small page that says what the link does and asks to confirm
with a button; it changes nothing, so a mail scanner or link preview that fetches the link
unsubscribes nobody. ``POST`` (the page's button, or a mail program's RFC 8058 one-click
``List-Unsubscribe=One-Click``) does it. A forged, expired or malformed token answers 400 with
a page saying so and changes nothing. The page is served in the browser's language
(``Accept-Language``) among the shipped ones, else the installation's default.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from app.errors import ValidationFailed
from app.i18n import N_, Translator, from_accept_language
from app.routes.web import PAGE_CSP, SECURITY_HEADERS
from app.services import unsubscribe

_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": PAGE_CSP,
    "Referrer-Policy": "no-referrer",
    **SECURITY_HEADERS,
}

TITLE = N_("Stop mail about ticket #{number}")
INVALID = N_("This link is not valid or has expired. Nothing was changed.")


def _page(
    t: Translator, title: str, *paragraphs: str, form: str = "", status: int = 200
) -> Response:
    e = html.escape
    body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
    page = (
        f'<!doctype html><html lang="{t.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">'
        f"<main><h1>{e(title)}</h1>{body}{form}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers=_HEADERS)


def _what(t: Translator, state: unsubscribe.LinkState) -> str:
    if state.following:
        return t._(
            "{email} follows ticket #{number} and gets its mail.",
            email=state.email,
            number=state.ticket_number,
        )
    return t._(
        "{email} is copied (CC) on ticket #{number} and gets its mail.",
        email=state.email,
        number=state.ticket_number,
    )


async def unsubscribe_page(request: Request) -> Response:
    settings = request.app.state.helpdesk.settings
    t = Translator(
        from_accept_language(request.headers.get("accept-language"), settings.default_language)
    )
    token = request.path_params["token"]
    try:
        if request.method == "POST":
            state = await unsubscribe.unsubscribe(token=token, settings=settings)
        else:
            state = await unsubscribe.describe(token=token, settings=settings)
    except ValidationFailed:
        return _page(t, t._("Link not valid"), t._(INVALID), status=400)
    title = t._(TITLE, number=state.ticket_number)
    if request.method == "POST":
        if state.changed:
            done = t._(
                "Done: {email} gets no more mail about ticket #{number}.",
                email=state.email,
                number=state.ticket_number,
            )
        else:
            done = t._(
                "{email} already gets no mail about ticket #{number}.",
                email=state.email,
                number=state.ticket_number,
            )
        return _page(t, title, done)
    if not state.subscribed:
        return _page(
            t,
            title,
            t._(
                "{email} already gets no mail about ticket #{number}.",
                email=state.email,
                number=state.ticket_number,
            ),
        )
    button = html.escape(t._("Unsubscribe"))
    form = (
        f'<form method="post" action="/unsubscribe/{html.escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{button}</button></form>'
    )
    return _page(
        t,
        title,
        _what(t, state),
        t._("Press the button to stop it; nothing changes until you do."),
        form=form,
    )


routes: list[BaseRoute] = [
    Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET", "HEAD", "POST"]),
]
