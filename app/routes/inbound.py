"""``POST /mail/inbound``: one raw MIME message as the request body, for mail providers'
webhooks and scripts. The shared secret (``INBOUND_SECRET``) goes in ``X-Inbound-Secret`` or
``Authorization: Bearer``; without it configured the endpoint refuses everything.

202 once the message is stored and queued (a repeat of a stored message is 202 too), 413 when
it is over the size limit (its head is stored with the error), 503 with Retry-After when the
database or the queue is unavailable, so the caller tries again.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.auth.credentials import bearer_from_header
from app.mail.inbound.intake import TemporaryFailure, accept, accept_oversize
from app.mail.inbound.store import HEAD_BYTES, Stored

RETRY_AFTER_SECONDS = 60


def _authorised(request: Request, secret: str) -> bool:
    given = request.headers.get("x-inbound-secret") or bearer_from_header(
        request.headers.get("authorization")
    )
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


async def _read_body(request: Request, limit: int) -> tuple[bytes, int]:
    """The body if it fits the limit, else its first HEAD_BYTES; and the size sent (counted up
    to a few times the limit, past which reading stops)."""
    declared = request.headers.get("content-length", "")
    over = declared.isdigit() and int(declared) > limit
    buffer = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        over = over or size > limit
        cap = HEAD_BYTES if over else limit
        if len(buffer) < cap:
            buffer += chunk[: cap - len(buffer)]
        del buffer[cap:]
        if size > 4 * limit:
            break
    if over and declared.isdigit():
        size = max(size, int(declared))
    return bytes(buffer), size


def _stored(stored: Stored, status_code: int, **extra: object) -> JSONResponse:
    body = {"id": stored.id, "status": stored.status.value, "duplicate": not stored.created}
    return JSONResponse({**body, **extra}, status_code=status_code)


async def receive_mail(request: Request) -> Response:
    state = request.app.state.helpdesk
    secret = state.settings.inbound_secret
    if not secret:
        return JSONResponse(
            {"error": "Inbound mail over HTTP is off: set INBOUND_SECRET to turn it on."},
            status_code=403,
        )
    if not _authorised(request, secret):
        return JSONResponse({"error": "Wrong or missing inbound secret."}, status_code=401)
    limit = state.settings.max_inbound_mail_bytes
    raw, size = await _read_body(request, limit)
    if not raw.strip():
        return JSONResponse({"error": "The body must be a raw MIME message."}, status_code=400)
    pool = state.jobs.pool if state.jobs is not None else None
    try:
        if size > limit:
            stored = await accept_oversize(
                raw, size=size, transport="http", settings=state.settings
            )
            return _stored(stored, 413, error=f"Over the size limit of {limit} bytes.")
        stored = await accept(raw, transport="http", pool=pool, settings=state.settings)
    except TemporaryFailure as exc:
        return JSONResponse(
            {"error": f"Temporarily unavailable; try again later. ({exc})"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _stored(stored, 202)


routes: list[BaseRoute] = [Route("/mail/inbound", receive_mail, methods=["POST"])]
