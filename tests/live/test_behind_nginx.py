"""The deployment of the README's production section, proven: Debian's nginx with the project's
site config (``deploy/nginx/helpdesk.conf``) in front of two ``helpdesk serve`` processes and
two ``helpdesk worker`` processes on PostgreSQL and Redis.

Three loopback addresses tell the parties apart: the test's browser connects to nginx from
127.0.0.3, nginx connects to the servers from 127.0.0.2 (the only address in their
``FORWARDED_ALLOW_IPS``), and a direct visitor of a server comes from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from nginx import SITE, Nginx, available, render_site
from ops import open_ticket
from processes import START_TIMEOUT, HelpdeskProcess, ServerProcess
from redis_server import free_port
from wsclient import TIMEOUT, wait_live

from app.config import Settings
from app.csrf import upload_body_limit
from app.models import OutboundMail

pytestmark = pytest.mark.slow

BROWSER = "127.0.0.3"  # the person's address, as nginx sees it
PROXY = "127.0.0.2"  # nginx's address, as the servers see it
FORGED = "203.0.113.7"

LOGIN = (
    "mutation SignIn($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }"
)
LIST = "query MyTickets { tickets { totalCount edges { node { number subject } } } }"
EVENTS = """subscription Watch($n: Int!) { ticketEvents(number: $n) {
  type message { body attachments { filename size } } } }"""
REPLY = """mutation Reply($input: ReplyInput!) { replyToTicket(input: $input) {
  __typename ... on Message { id attachments { filename size url } } ... on Error { message } } }"""


@pytest.fixture
def postgres_only(settings: Settings) -> None:
    if not settings.db_url.startswith("postgres"):
        pytest.skip(
            "a deployment behind a proxy runs several processes on PostgreSQL "
            "(run with TEST_DATABASE_URL=postgres://...)"
        )
    if not available():
        pytest.skip("Debian's nginx is not installed (apt-get install nginx; .ci/run does)")


@pytest.fixture
async def proxy(tmp_path: Path) -> AsyncIterator[list[Nginx]]:
    started: list[Nginx] = []
    yield started
    for server in started:
        await asyncio.to_thread(server.stop)


def json_lines(process: HelpdeskProcess) -> list[dict]:
    text = process.log.read_text(errors="replace") if process.log.exists() else ""
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


def find_access_line(process: HelpdeskProcess, request_id: str) -> str | None:
    for line in json_lines(process):
        if line["logger"] == "uvicorn.access" and line["request_id"] == request_id:
            return str(line["message"])
    return None


async def served(request_id: str, *servers: HelpdeskProcess) -> tuple[HelpdeskProcess, str]:
    """The server that answered the request with this id, and its access-log message (bounded
    wait); fails if more than one logged it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        found = [(s, line) for s in servers if (line := find_access_line(s, request_id))]
        if found:
            assert len(found) == 1, found
            return found[0]
        if loop.time() > deadline:
            tails = "\n".join(s.log_tail() for s in servers)
            raise AssertionError(f"no access line for {request_id}:\n{tails}")
        await asyncio.sleep(0.1)


def test_the_site_config_allows_the_apps_own_upload_bound(settings: Settings):
    """nginx must let through every upload the app accepts (its own 413 names the limit)."""
    text = SITE.read_text()
    assert "client_max_body_size 51m;" in text
    assert upload_body_limit(Settings()) == 51 * 1024 * 1024


async def test_behind_nginx_sign_in_list_live_upload_download_and_the_real_address(
    postgres_only, start, world, tmp_path: Path, proxy: list[Nginx]
):
    env = {"FORWARDED_ALLOW_IPS": PROXY, "LOG_FORMAT": "json"}
    a, b = start("serve", **env), start("serve", **env)
    assert isinstance(a, ServerProcess) and isinstance(b, ServerProcess)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    # The workers start once the servers run: four interpreters importing the app at once on
    # a busy 2-core machine can take longer than the start bound.
    workers = [start("worker", **env), start("worker", **env)]
    backend = {name: urlsplit(s.base).netloc for name, s in (("a", a), ("b", b))}
    site = render_site(
        listen=f"127.0.0.1:{free_port()}",
        backends=list(backend.values()),
        proxy_address=PROXY,
        pinned=backend,
    )
    port = int(site.split("listen 127.0.0.1:", 1)[1].split(";", 1)[0])
    nginx = Nginx(tmp_path / "nginx", site, port)
    proxy.append(nginx)
    await asyncio.to_thread(nginx.start)
    await nginx.wait_ready()
    ticket = await open_ticket(world.client_a, world.dept_x, subject="Printer on fire")

    browser = httpx.AsyncHTTPTransport(local_address=BROWSER)
    async with httpx.AsyncClient(base_url=nginx.base, transport=browser, timeout=30) as http:
        # Signing in through the proxy sets the session cookie; the list works with it alone.
        signed = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"e": "alice@example.com", "p": "password123"}},
        )
        assert signed.json()["data"]["login"]["__typename"] == "Session", signed.text
        cookie = http.cookies.get("helpdesk_session")
        assert cookie
        listed = (await http.post("/graphql", json={"query": LIST})).json()
        assert listed["data"]["tickets"]["totalCount"] == 1, listed
        assert listed["data"]["tickets"]["edges"][0]["node"]["number"] == ticket.number

        # The server logged the person's address (from nginx's X-Forwarded-For), whichever
        # backend answered, and a forged X-Forwarded-For through the proxy changes nothing.
        forged = await http.post(
            "/graphql", json={"query": LIST}, headers={"X-Forwarded-For": FORGED}
        )
        for response in (signed, forged):
            _, line = await served(response.headers["x-request-id"], a, b)
            assert line.startswith(f"{BROWSER}:"), line
            assert FORGED not in line and PROXY not in line
        assert forged.status_code == 200

        # A socket through the proxy to server A (cookie only), a reply with a 3 MB
        # attachment through the proxy to server B: A's subscriber hears of it.
        transport = WebsocketsTransport(
            url=nginx.base.replace("http://", "ws://") + "/graphql",
            init_payload={},
            headers={"Cookie": f"helpdesk_session={cookie}", "X-Test-Backend": "a"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            connect_timeout=TIMEOUT,
            ack_timeout=TIMEOUT,
            close_timeout=TIMEOUT,
        )
        async with Client(transport=transport, fetch_schema_from_transport=False) as live:
            events = live.subscribe(GraphQLRequest(EVENTS, variable_values={"n": ticket.number}))
            first = asyncio.ensure_future(anext(events))
            await wait_live(a.base, subscriptions=1, connections=1)
            await wait_live(b.base, subscriptions=0, connections=0)

            data = os.urandom(3 * 1024 * 1024 // 2).hex().encode()  # 3 MiB of text
            reply = await http.post(
                "/graphql",
                data={
                    "operations": json.dumps(
                        {
                            "query": REPLY,
                            "variables": {
                                "input": {
                                    "number": ticket.number,
                                    "body": "The log you asked for",
                                    "attachments": [None],
                                }
                            },
                        }
                    ),
                    "map": json.dumps({"0": ["variables.input.attachments.0"]}),
                },
                files=[("0", ("printer.log", data, "text/plain"))],
                headers={"GraphQL-Preflight": "1", "X-Test-Backend": "b"},
            )
            assert reply.status_code == 200, reply.text
            message = reply.json()["data"]["replyToTicket"]
            assert message["__typename"] == "Message", message
            assert message["attachments"][0]["size"] == len(data)
            # B answered the upload, A did not see it.
            assert (await served(reply.headers["x-request-id"], a, b))[0] is b

            event = (await asyncio.wait_for(first, TIMEOUT))["ticketEvents"]
            assert event["type"] == "MESSAGE_ADDED"
            assert event["message"]["body"] == "The log you asked for"
            assert event["message"]["attachments"] == [
                {"filename": "printer.log", "size": len(data)}
            ]
            await events.aclose()

        # The download through the proxy, with the cookie: the same bytes.
        path = urlsplit(message["attachments"][0]["url"]).path
        download = await http.get(path)
        assert download.status_code == 200, download.text
        assert hashlib.sha256(download.content).digest() == hashlib.sha256(data).digest()
        # Without the cookie: the same 404 as a missing file.
        async with httpx.AsyncClient(base_url=nginx.base, timeout=30) as anonymous:
            assert (await anonymous.get(path)).status_code == 404
            # The proxy does not hand out any process's metrics.
            assert (await anonymous.get("/metrics")).status_code == 404

    # Nginx sent requests to both servers (its access log names the upstream of each).
    upstreams = {line.rsplit(" ", 1)[-1] for line in nginx.access_lines()}
    assert set(backend.values()) <= upstreams, upstreams

    # A direct visitor of a server cannot claim another address: not the proxy, not believed.
    async with httpx.AsyncClient(base_url=a.base, timeout=30) as direct:
        spoofed = await direct.post(
            "/graphql", json={"query": LIST}, headers={"X-Forwarded-For": FORGED}
        )
    _, line = await served(spoofed.headers["x-request-id"], a)
    assert line.startswith("127.0.0.1:"), line
    assert FORGED not in line

    # One of the two workers mailed the staff about the reply (both kept running).
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while not await OutboundMail.filter(ticket_id=ticket.id).exists():
        assert loop.time() < deadline, [w.log_tail() for w in workers]
        await asyncio.sleep(0.1)
    assert all(w.alive() for w in workers)
