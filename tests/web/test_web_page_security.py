"""The pages' own defences: a Content-Security-Policy that forbids framing and foreign code, a
GraphiQL that works with no internet (its assets come from the web build), and an app that
runs under that policy without a single violation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.config import Settings
from app.main import create_app
from tests.conftest import World
from tests.web.browser import TIMEOUT_MS, OpenAs, until

pytestmark = pytest.mark.browser

PAGES = ["/login", "/admin/tickets", "/client/tickets", "/admin/tickets/1000"]


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


def _directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


async def test_pages_and_graphiql_forbid_framing_and_foreign_code(
    http: httpx.AsyncClient,
) -> None:
    responses = [await http.get(path) for path in PAGES]
    responses.append(await http.get("/graphql", headers={"Accept": "text/html"}))
    for response in responses:
        assert response.status_code == 200, response.url
        policy = _directives(response.headers["content-security-policy"])
        assert policy["frame-ancestors"] == "'none'", response.url
        assert policy["script-src"] == "'self'", response.url
        assert policy["object-src"] == "'none'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    graphiql = responses[-1]
    assert "Helpdesk GraphiQL" in graphiql.text
    # Nothing is loaded from another host: every script and stylesheet is ours.
    assert "unpkg.com" not in graphiql.text and "https://" not in graphiql.text


async def test_error_answers_carry_the_pages_security_headers(http: httpx.AsyncClient) -> None:
    """A 404, 405 or 400 is text a browser may render: it had no policy at all."""
    answers = {
        "404": await http.get("/no/such/page"),
        "405": await http.put("/graphql", content=b"{}"),
        "400": await http.post(
            "/graphql", content=b"not json", headers={"Content-Type": "application/json"}
        ),
        "json": await http.post("/graphql", json={"query": "{ __typename }"}),
        "health": await http.get("/healthz"),
    }
    assert [(name, answers[name].status_code) for name in answers] == [
        ("404", 404),
        ("405", 405),
        ("400", 400),
        ("json", 200),
        ("health", 200),
    ]
    for name, response in answers.items():
        policy = _directives(response.headers.get("content-security-policy", ""))
        assert policy.get("frame-ancestors") == "'none'", name
        assert policy.get("script-src") == "'self'", name
        assert response.headers.get("x-frame-options") == "DENY", name
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert len(response.headers.get_list("content-security-policy")) == 1, name
    # A response with a policy of its own keeps it, alone: a download's sandbox.
    missing = await http.get("/attachments/nope/file.txt")
    assert missing.status_code == 404
    assert missing.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox"]


async def test_an_unhandled_error_page_carries_the_security_headers(settings: Settings) -> None:
    """Starlette's "Internal Server Error" page is written outside the app's own middleware; it
    went out with no policy at all."""

    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = create_app(settings, manage_db=False, extra_routes=[Route("/broken", broken)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    assert "a bug" not in response.text
    policy = _directives(response.headers.get("content-security-policy", ""))
    assert policy.get("frame-ancestors") == "'none'"
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"


def _watch(page: Page, base: str) -> tuple[list[str], list[str], list[str]]:
    """Requests to other origins, CSP violations reported on the console, and sockets opened."""
    foreign: list[str] = []
    violations: list[str] = []
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    origin = urlsplit(base).netloc
    page.on(
        "request",
        lambda r: (
            None
            if urlsplit(r.url).netloc == origin or r.url.startswith(("data:", "blob:"))
            else foreign.append(r.url)
        ),
    )
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return foreign, violations, sockets


async def test_graphiql_runs_a_query_with_no_internet(
    open_as: OpenAs, world: World, live_server: str
) -> None:
    watched: dict[str, tuple[list[str], list[str], list[str]]] = {}

    async def before(page: Page) -> None:
        watched["page"] = _watch(page, live_server)

    page = await open_as(world.staff_x, "/graphql", before=before)
    await expect(page.locator(".graphiql-container")).to_be_visible()
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    await expect(editor).to_be_visible()
    await page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    result = page.locator(".graphiql-response")
    await expect(result).to_contain_text('"email": "xavier@example.com"', timeout=TIMEOUT_MS)
    foreign, violations, _ = watched["page"]
    assert foreign == [], foreign
    assert violations == [], violations


async def test_the_app_runs_under_its_policy(
    open_as: OpenAs, world: World, live_server: str
) -> None:
    """The dashboard (with its live socket) and the portal load without a CSP violation."""
    for person, path, heading in (
        (world.staff_x, "/admin/tickets", "Tickets"),
        (world.client_a, "/client/tickets", "My Tickets"),
    ):
        watched: dict[str, tuple[list[str], list[str], list[str]]] = {}

        async def before(page: Page, watched: dict = watched) -> None:
            watched["page"] = _watch(page, live_server)

        page = await open_as(person, path, before=before)
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        foreign, violations, sockets = watched["page"]
        # The live socket opened (a policy without ws: for our origin would block it).
        await until(lambda sockets=sockets: bool(sockets))
        assert sockets[0].endswith("/graphql")
        assert foreign == [] and violations == [], (path, foreign, violations)


async def test_another_site_cannot_frame_the_app(browser: Browser, live_server: str) -> None:
    """A page of another origin that frames the dashboard gets an empty, blocked frame."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text))
        # about:blank with a frame is another origin than the app.
        await page.set_content(f'<iframe id="f" src="{live_server}/login"></iframe>')
        await until(lambda: any("frame-ancestors" in text for text in blocked))
        frame = await (await page.locator("#f").element_handle()).content_frame()
        assert frame is not None
        # The framed document never became the app: no sign-in form inside the frame.
        assert await frame.locator("input[type=email]").count() == 0
    finally:
        await context.close()
