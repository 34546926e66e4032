"""How the server serves the web UI: the app's pages, its hashed assets, and a clear page when
the UI has not been built."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.routes import web
from tests.web.browser import NOT_BUILT, WEB_INDEX

APP_PATHS = [
    "/login",
    "/admin/tickets",
    "/admin/tickets/1042",
    "/admin/departments",
    "/admin/staff",
    "/admin/canned",
    "/admin/tags",
    "/admin/settings",
    "/admin/inbound-mail",
    "/client/tickets",
    "/client/tickets/new",
    "/client/tickets/1042",
    "/dev/mailbox",
    "/account",
    "/",
]


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


@pytest.mark.skipif(not WEB_INDEX.is_file(), reason=NOT_BUILT)
async def test_app_paths_get_the_app_and_assets_are_cached(http: httpx.AsyncClient) -> None:
    for path in APP_PATHS:
        response = await http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert '<div id="app"></div>' in response.text
    index = (await http.get("/admin/tickets")).text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = await http.get(asset)
        assert response.status_code == 200, asset
        assert "immutable" in response.headers["cache-control"]
    assert (await http.get("/assets/nope.js")).status_code == 404
    # Section roots go to their list; everything else is not the app's.
    admin = await http.get("/admin", follow_redirects=False)
    assert (admin.status_code, admin.headers["location"]) == (307, "/admin/tickets")
    assert (await http.get("/secret_key")).status_code == 404
    assert (await http.get("/assets/../../pyproject.toml")).status_code == 404


async def test_the_api_is_not_shadowed_by_the_app(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ me { id } }"})
    assert response.json() == {"data": {"me": None}}


async def test_without_a_build_the_pages_say_how_to_build(
    http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "WEB_DIST", tmp_path / "dist")
    response = await http.get("/admin/tickets")
    assert response.status_code == 503
    assert "make web" in response.text
    assert "/graphql" in response.text
    assert (await http.get("/assets/index.js")).status_code == 404
