"""Attachment downloads: ``GET /attachments/{public_id}/{filename}``.

Access is the access of the message the file belongs to (the service asks the policy); a
missing id, an anonymous caller and a forbidden one all get the same 404. The filename in the
path is only for the browser's benefit.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from app.auth.credentials import actor_from_secret, presented_secret
from app.errors import NotFound
from app.services import attachments

_SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Were a file ever rendered as a page, it could run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-cache",
    "Referrer-Policy": "no-referrer",
}


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (RFC 8187)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in filename)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def download(request: Request) -> Response:
    actor = await actor_from_secret(presented_secret(request))
    try:
        found = await attachments.open_download(
            actor=actor,
            public_id=request.path_params["public_id"],
            settings=request.app.state.helpdesk.settings,
        )
    except NotFound:
        return PlainTextResponse("File not found.", status_code=404, headers=_SAFE_HEADERS)
    row = found.attachment
    headers = {
        **_SAFE_HEADERS,
        "Content-Disposition": content_disposition(row.filename, inline=found.inline),
        "Content-Length": str(row.size),
        "ETag": f'"{row.sha256}"',
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        del headers["Content-Length"]
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        return Response(status_code=200, headers=headers, media_type=row.content_type)
    return StreamingResponse(found.chunks(), headers=headers, media_type=row.content_type)


routes: list[BaseRoute] = [
    Route("/attachments/{public_id}/{filename:path}", download, methods=["GET", "HEAD"]),
]
