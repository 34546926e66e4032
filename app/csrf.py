"""CSRF protection for uploads, and a bound on their size, in one ASGI middleware.

A plain HTML form on another site can POST ``multipart/form-data`` (or urlencoded or
text/plain) to ``/graphql`` with the victim's session cookie, and no CORS preflight stops
it. A form cannot set custom headers, so such a request must carry ``X-Requested-With``,
``GraphQL-Preflight`` or ``Apollo-Require-Preflight``, which forces a preflight in browsers.
JSON requests are not affected: a form cannot send ``application/json``.

The same middleware refuses upload bodies far beyond the per-message limit with 413 before
they are spooled to disk; sizes near the limit reach the service, whose refusal is a typed
error naming the file.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings

PREFLIGHT_HEADERS = ("x-requested-with", "graphql-preflight", "apollo-require-preflight")
FORM_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")
CSRF_MESSAGE = (
    "Uploads (multipart requests) must carry an X-Requested-With or GraphQL-Preflight "
    "header; this protects you from cross-site request forgery."
)


def upload_body_limit(settings: Settings) -> int:
    """Twice the per-message limit plus room for the multipart envelope."""
    return 2 * settings.max_message_bytes + 1024 * 1024


class _BodyTooLarge(Exception):
    pass


class UploadGuard:
    def __init__(self, app: ASGIApp, *, settings: Settings, path: str = "/graphql"):
        self.app = app
        self.path = path
        self.limit = upload_body_limit(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in FORM_CONTENT_TYPES:
            await self.app(scope, receive, send)
            return
        if not any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
            await _error(send, 400, CSRF_MESSAGE)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await _error(send, 413, self._too_large())
            return
        await self._bounded(scope, receive, send)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting body bytes (for bodies sent without a length)."""
        received = 0
        started = over = False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a body cut short is replaced by the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if over and not started:
            await _error(send, 413, self._too_large())

    def _too_large(self) -> str:
        megabytes = self.limit / (1024 * 1024)
        return f"The request is too large: one upload request may carry at most {megabytes:.0f} MB."


async def _error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
