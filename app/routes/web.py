"""The web UI: built assets from web/dist and the single-page app's index.html for its paths.

``make web`` (run by ``make run`` and ``make test``) builds web/dist; the built files are not
committed. Without a build, the app paths answer with a short page saying how to build it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"

# Paths the single-page app routes itself (see web/src/app.tsx).
APP_PREFIXES = ("/admin", "/client", "/dev")
APP_PAGES = (
    "/login",
    "/account",
    "/forgot-password",
    "/password",
    "/signup",
    "/verify",
    "/rate",
)

NO_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Helpdesk: web UI not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>The web UI has not been built</h1>
<p>Build it once with <code>make web</code> (it runs <code>npm ci</code> and
<code>npm run build</code> in <code>web/</code>), then reload this page.
<code>make run</code> does this for you.</p>
<p>The GraphQL API works without it, at <a href="/graphql">/graphql</a>.</p>
</body></html>
"""

# Every page loads only its own origin's scripts, styles and sockets, and no other site may
# frame it (clickjacking). GraphiQL's editor sets inline styles, so it alone allows them.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_CSP = _CSP.format(styles="")
GRAPHIQL_CSP = _CSP.format(styles=" 'unsafe-inline'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}

# index.html must be revalidated so a new build takes effect; hashed assets never change.
INDEX_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": PAGE_CSP,
    **SECURITY_HEADERS,
}
GRAPHIQL_HEADERS = {**INDEX_HEADERS, "Content-Security-Policy": GRAPHIQL_CSP}
NO_BUILD_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": PAGE_CSP,
    **SECURITY_HEADERS,
}
ASSET_CACHE = "public, max-age=31536000, immutable"


def index_response(dist: Path | None = None) -> Response:
    return _page("index.html", INDEX_HEADERS, dist)


def graphiql_response(dist: Path | None = None) -> Response:
    """GraphiQL from the web build (no CDN), for browsers that open /graphql."""
    return _page("graphiql.html", GRAPHIQL_HEADERS, dist)


def _page(name: str, headers: dict[str, str], dist: Path | None) -> Response:
    page = (dist or WEB_DIST) / name
    if not page.is_file():
        return HTMLResponse(NO_BUILD_PAGE, status_code=503, headers=NO_BUILD_HEADERS)
    return FileResponse(page, media_type="text/html", headers=headers)


async def app_page(request: Request) -> Response:
    return index_response()


async def home(request: Request) -> Response:
    """The app decides where a visitor starts (sign in, the dashboard or My Tickets)."""
    return index_response()


async def section_root(request: Request) -> Response:
    return RedirectResponse(
        "/admin/tickets" if request.url.path.startswith("/admin") else "/client/tickets"
    )


class Assets:
    """web/dist/assets with a long cache (file names carry a content hash); 404 before a build."""

    def __init__(self, dist: Path | None = None) -> None:
        self.dist = dist
        self.files: StaticFiles | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        directory = (self.dist or WEB_DIST) / "assets"
        if self.files is None or Path(str(self.files.directory)) != directory:
            if not directory.is_dir():
                await Response("not built", status_code=404)(scope, receive, send)
                return
            self.files = StaticFiles(directory=directory)

        async def cached_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message.setdefault("headers", []).append((b"cache-control", ASSET_CACHE.encode()))
            await send(message)

        await self.files(scope, receive, cached_send)


routes: list[BaseRoute] = [
    Mount("/assets", app=Assets(), name="web-assets"),
    Route("/", home, methods=["GET", "HEAD"]),
    *(Route(path, app_page, methods=["GET", "HEAD"]) for path in APP_PAGES),
    Route("/admin", section_root, methods=["GET", "HEAD"]),
    Route("/client", section_root, methods=["GET", "HEAD"]),
    *(
        Route(f"{prefix}/{{path:path}}", app_page, methods=["GET", "HEAD"])
        for prefix in APP_PREFIXES
    ),
]
