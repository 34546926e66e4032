"""``LOG_FORMAT=json`` on real processes: every line is a JSON object with the request's id,
operation and actor; no password or token reaches the log."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable

import httpx
import pytest
from processes import START_TIMEOUT, HelpdeskProcess, ServerProcess

from app.config import ConfigError, load_settings
from app.infra.logs import JsonFormatter

pytestmark = pytest.mark.slow

KEYS = {"time", "level", "logger", "message", "request_id", "operation", "actor_id"}
WRONG_PASSWORD = "not-the-password-7Qx"


def json_lines(process: HelpdeskProcess) -> list[dict]:
    """Every line of the process's log, each of which must be a JSON object with the keys."""
    text = process.log.read_text() if process.log.exists() else ""
    lines = []
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            raise AssertionError(f"not JSON: {raw!r}") from None
        assert isinstance(line, dict) and line.keys() >= KEYS, raw
        lines.append(line)
    return lines


async def until(condition: Callable[[], bool], what: Callable[[], str]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {START_TIMEOUT:.0f} s: {what()}")
        await asyncio.sleep(0.1)


async def test_a_server_logs_json_lines_with_the_request_operation_and_actor(start, world):
    server = start("serve", LOG_FORMAT="json")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        me = await http.post(
            "/graphql",
            json={"query": "query WhoAmI { me { id } }", "operationName": "WhoAmI"},
            headers={"Authorization": f"Bearer {world.staff_x.token}"},
        )
        wrong = await http.post(
            "/graphql",
            json={
                "query": "mutation SignIn($e: String!, $p: String!) {"
                " login(email: $e, password: $p) { __typename } }",
                "variables": {"e": world.staff_x.user.email, "p": WRONG_PASSWORD},
            },
        )
        in_url = await http.get(
            "/graphql",
            params={
                "query": f'mutation {{ login(email: "a@b.c", password: "{WRONG_PASSWORD}") {{ __typename }} }}'
            },
        )
    assert in_url.status_code >= 400
    assert me.json()["data"]["me"]["id"], me.text
    assert wrong.json()["data"]["login"]["__typename"] != "Session", wrong.text
    me_id, wrong_id = me.headers["x-request-id"], wrong.headers["x-request-id"]

    def by_request(request_id: str) -> list[dict]:
        return [line for line in json_lines(server) if line["request_id"] == request_id]

    await until(lambda: bool(by_request(me_id) and by_request(wrong_id)), server.log_tail)
    for line in by_request(me_id):
        assert (line["operation"], line["actor_id"]) == ("WhoAmI", world.staff_x.id), line
    access = [line for line in by_request(me_id) if line["logger"] == "uvicorn.access"]
    assert access and "POST /graphql" in access[0]["message"], by_request(me_id)
    # An operation named only in the document is named too; nobody signed in yet.
    for line in by_request(wrong_id):
        assert (line["operation"], line["actor_id"]) == ("SignIn", None), line
    # Lines outside a request (start-up) carry the keys, empty.
    assert any(line["request_id"] is None for line in json_lines(server))

    server.stop()
    text = server.log.read_text()
    json_lines(server)  # the stopping lines too
    assert WRONG_PASSWORD not in text
    assert world.staff_x.token not in text


async def test_a_service_s_line_carries_the_request_it_was_written_in(start, world, private_redis):
    """The sign-in limit (a service) warns when Redis is away: that line names the request,
    its operation and the actor (here a signed-in staff member signing in again)."""
    server = start("serve", LOG_FORMAT="json")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    await asyncio.to_thread(private_redis.stop, kill=True)
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        refused = await http.post(
            "/graphql",
            json={
                "query": "mutation SignInAgain($e: String!, $p: String!) {"
                " login(email: $e, password: $p) { __typename } }",
                "variables": {"e": world.staff_x.user.email, "p": WRONG_PASSWORD},
                "operationName": "SignInAgain",
            },
            headers={"Authorization": f"Bearer {world.staff_x.token}"},
        )
    assert refused.json()["data"]["login"]["__typename"] == "Unavailable", refused.text
    request_id = refused.headers["x-request-id"]

    def warnings() -> list[dict]:
        return [
            line
            for line in json_lines(server)
            if line["logger"] == "app.services.login_limit" and line["level"] == "WARNING"
        ]

    await until(lambda: bool(warnings()), server.log_tail)
    assert [(w["request_id"], w["operation"], w["actor_id"]) for w in warnings()] == [
        (request_id, "SignInAgain", world.staff_x.id)
    ]
    server.stop()
    text = server.log.read_text()
    json_lines(server)
    assert WRONG_PASSWORD not in text and world.staff_x.token not in text


async def test_a_worker_logs_json_lines(start):
    worker = start("worker", LOG_FORMAT="json")
    await until(lambda: bool(json_lines(worker)), worker.log_tail)
    worker.stop()
    lines = json_lines(worker)
    assert any(line["logger"].startswith("arq") for line in lines), lines
    stopping = [line for line in lines if "stopping" in line["message"]]
    assert [line["message"] for line in stopping] == ["helpdesk worker: stopping on SIGINT"]
    assert "Traceback" not in worker.log.read_text()


def test_a_bad_log_format_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings()


def test_an_exception_s_traceback_is_a_field_of_the_same_line():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("app.x", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed x" and line["level"] == "ERROR"
    assert "Traceback" in line["exc_info"] and "RuntimeError: boom" in line["exc_info"]
