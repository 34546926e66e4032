"""The pages' security headers on every HTTP response, in one middleware.

Error answers (a 404 for an unknown path, a 405, a 400 from the GraphQL view) are text a
browser may render too, so they carry the same Content-Security-Policy, ``nosniff`` and
framing refusal as the pages. A response that sets its own (GraphiQL's policy, a download's
sandbox) keeps it: only the headers a response lacks are added.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app.routes.web import PAGE_CSP, SECURITY_HEADERS

DEFAULTS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.lower().encode(), value.encode())
    for name, value in {"Content-Security-Policy": PAGE_CSP, **SECURITY_HEADERS}.items()
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _ in headers}
                headers.extend(item for item in DEFAULTS if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
