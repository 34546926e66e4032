"""``/metrics`` on real processes: off without ``METRICS_TOKEN``, refused without the bearer
token, and the counters and gauges move when people use the product (a server and a worker,
each scraped on its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from ops import REPLY, open_ticket
from processes import START_TIMEOUT, ServerProcess
from prometheus_client.parser import text_string_to_metric_families
from redis_server import free_port
from wsclient import LIST_EVENTS, Feed, session, wait_live

from app.config import Settings, get_settings
from app.infra.clock import now
from app.infra.metrics import OperationNames
from app.mail.tokens import reply_address
from app.main import create_app
from app.models import OutboxEvent

pytestmark = pytest.mark.slow

TOKEN = "scrape-token-3b1f9c"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(base: str, token: str | None = TOKEN) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{base}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def until_scraped(base: str, condition: Callable[[Samples], bool], what: Any) -> Samples:
    """Scrape until ``condition`` holds (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        found = await scrape(base)
        if condition(found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not within {START_TIMEOUT:.0f} s: {what()}")
        await asyncio.sleep(0.1)


async def test_metrics_are_off_without_a_token(settings: Settings, clean_db: None):
    """The route answers 404 as if it did not exist, with or without credentials."""
    app = create_app(settings.model_copy(update={"metrics_token": None}), manage_db=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (
            await http.get("/metrics", headers={"Authorization": "Bearer anything"})
        ).status_code == 404


async def test_a_scrape_needs_the_bearer_token(start):
    server = start("serve", METRICS_TOKEN=TOKEN)
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": TOKEN},
        ):
            refused = await http.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "helpdesk_" not in refused.text
        allowed = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200
    assert "helpdesk_graphql_operations_total" in allowed.text


class Mailbox:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"


async def test_counters_and_gauges_move_with_real_use(start, world):
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(smtp.start)
    try:
        await _use_and_watch(start, world, f"smtp://127.0.0.1:{smtp.port}", mailbox)
    finally:
        await asyncio.to_thread(smtp.stop)


async def _use_and_watch(start, world, smtp_url: str, mailbox: Mailbox) -> None:
    server = start(
        "serve", METRICS_TOKEN=TOKEN, SMTP_URL=smtp_url, INBOUND_SECRET="inbound-test-secret"
    )
    worker_port = free_port()
    worker = start(
        "worker", "--metrics-port", str(worker_port), METRICS_TOKEN=TOKEN, SMTP_URL=smtp_url
    )
    worker_base = f"http://127.0.0.1:{worker_port}"
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    before = await scrape(server.base)
    ticket = await open_ticket(world.client_a, world.dept_x)

    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:

        async def post(body: dict, token: str | None = None) -> dict:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.post("/graphql", json=body, headers=headers)
            return response.json()

        login = "mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }"
        wrong = await post({"query": login, "variables": {"e": "alice@example.com", "p": "nope"}})
        assert wrong["data"]["login"]["__typename"] == "PermissionDenied"
        # A signed-out caller's own names take no label value of the bounded set.
        spam = await post({"query": "query Spam1 { __typename }"})
        assert spam["data"]["__typename"] == "Query"
        listed = await post(
            {"query": "query TicketList { tickets { totalCount } }"}, world.staff_x.token
        )
        assert listed["data"]["tickets"]["totalCount"] == 1
        # A document that does not validate: its name is not taken as a label value.
        bad = await post({"query": "query Probe123 { noSuchField }"}, world.staff_x.token)
        assert bad["errors"]

        async with session(server.base, token=world.staff_x.token) as staff:
            feed = Feed(staff, LIST_EVENTS)
            await wait_live(server.base, subscriptions=1)
            live = await scrape(server.base)
            assert value(live, "helpdesk_websockets_open") == 1
            assert value(live, "helpdesk_subscriptions_open") == 1
            replied = await post(
                {"query": REPLY, "variables": {"n": ticket.number, "body": "Any news?"}},
                world.client_a.token,
            )
            assert replied["data"]["replyToTicket"]["__typename"] == "Message", replied
            assert (await feed.next())["ticketListEvents"]["type"] == "MESSAGE_ADDED"
            await feed.close()

    after = await until_scraped(
        server.base,
        lambda f: (
            value(f, "helpdesk_events_delivered_total")
            > value(before, "helpdesk_events_delivered_total")
        ),
        server.log_tail,
    )

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("helpdesk_login_failures_total", reason="wrong_password") == 1
    assert (
        moved("helpdesk_graphql_operations_total", operation="Login", type="mutation", outcome="ok")
        == 1
    )
    assert (
        moved(
            "helpdesk_graphql_operations_total", operation="TicketList", type="query", outcome="ok"
        )
        == 1
    )
    assert (
        moved("helpdesk_graphql_operation_seconds_count", operation="TicketList", type="query") == 1
    )
    assert (
        moved(
            "helpdesk_graphql_operations_total",
            operation="other",
            type="unknown",
            outcome="invalid",
        )
        == 1
    )
    assert not any("Probe123" in str(labels) for _, labels in after)
    assert (
        moved(
            "helpdesk_graphql_operations_total",
            operation="signed_out",
            type="query",
            outcome="ok",
        )
        == 1
    )
    assert not any("Spam1" in str(labels) for _, labels in after)
    assert (
        moved(
            "helpdesk_graphql_operations_total",
            operation="anonymous",
            type="mutation",
            outcome="ok",
        )
        == 1
    )
    assert moved("helpdesk_events_published_total", channel="helpdesk:tickets") >= 1
    assert moved("helpdesk_events_delivered_total") == 1
    # The socket closed: the gauges say so at the next scrape.
    await wait_live(server.base, subscriptions=0, connections=0)
    closed = await scrape(server.base)
    assert value(closed, "helpdesk_websockets_open") == 0
    assert value(closed, "helpdesk_subscriptions_open") == 0

    # The worker mails staff of the department about the client's reply, and counts it.
    mailed = await until_scraped(
        worker_base,
        lambda f: value(f, "helpdesk_mails_total", outcome="sent") >= 1,
        worker.log_tail,
    )
    assert mailbox.received
    assert value(mailed, "helpdesk_mails_total", outcome="failed") == 0

    # Inbound mail: the client answers by email; the worker processes it and counts it.
    mail = EmailMessage()
    mail["From"] = "Alice Client <alice@example.com>"
    mail["To"] = reply_address(ticket.number, world.client_a.id, settings=get_settings())
    mail["Subject"] = f"Re: [#{ticket.number}] Printer"
    mail["Message-ID"] = "<metrics-reply-1@example.com>"
    mail.set_content("Still broken")
    async with httpx.AsyncClient(timeout=30) as http:
        stored = await http.post(
            f"{server.base}/mail/inbound",
            content=mail.as_bytes(),
            headers={"X-Inbound-Secret": "inbound-test-secret"},
        )
    assert stored.status_code == 202, stored.text
    await until_scraped(
        worker_base,
        lambda f: (
            value(f, "helpdesk_inbound_mails_total", outcome="processed")
            - value(mailed, "helpdesk_inbound_mails_total", outcome="processed")
            == 1
        ),
        worker.log_tail,
    )

    # The outbox backlog: a row left unsent (held back for its writer) a minute ago.
    await until_scraped(
        server.base, lambda f: value(f, "helpdesk_outbox_depth") == 0, server.log_tail
    )
    await OutboxEvent.create(
        channel="helpdesk:sessions",
        payload="{}",
        created_at=now() - timedelta(seconds=60),
        hold_until_ms=int((now() + timedelta(hours=1)).timestamp() * 1000),
    )
    backlog = await scrape(server.base)
    assert value(backlog, "helpdesk_outbox_depth") == 1
    assert 60 <= value(backlog, "helpdesk_outbox_oldest_age_seconds") < 120
    assert value(await scrape(worker_base), "helpdesk_outbox_depth") == 1


def test_clients_cannot_grow_the_operation_label_set():
    """Only validated names become label values, and only so many of them; the rest are one."""
    names = OperationNames(limit=3)
    assert names.label(None, valid=True) == "anonymous"
    assert names.label("Probe", valid=False) == "other"
    assert [names.label(f"Op{i}", valid=True) for i in range(5)] == [
        "Op0",
        "Op1",
        "Op2",
        "other",
        "other",
    ]
    assert names.label("Op1", valid=False) == "Op1"  # known already: the same series
    assert names.label("x" * 65, valid=True) == "other"
    assert names.label('Evil"} 1\n', valid=True) == "other"


def test_signed_out_callers_cannot_use_up_the_operation_names():
    """A caller without a session adds no name: its operations are ``signed_out``, but for the
    sign-in pages' own names; the web UI's names still get their values afterwards."""
    names = OperationNames(limit=3)
    assert [names.label(f"Op{i}", valid=True, signed_in=False) for i in range(5)] == [
        "signed_out"
    ] * 5
    assert names.label("Login", valid=True, signed_in=False) == "Login"
    assert names.label("Login", valid=False, signed_in=False) == "signed_out"
    assert names.label(None, valid=True, signed_in=False) == "anonymous"
    assert [names.label(n, valid=True) for n in ("TicketList", "StaffTicket")] == [
        "TicketList",
        "StaffTicket",
    ]
