"""A client's mistake is an answer, never a fault: control characters in any text input, bad
variables and malformed uploads get a clear error, change nothing and log nothing at ERROR.

The control-character tests walk the schema itself, so a new mutation or query argument is
covered the day it is added."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)
from tortoise import Tortoise
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

from app.api import build_schema
from app.config import Settings
from tests.core.helpers import OPEN_TICKET, REPLY, open_as

schema = build_schema(Settings())

GRAPHQL = schema._schema
BAD = ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b"]
MULTILINE_OK = "line one\r\n\tline two\n"


def _sample(type_: GraphQLInputType) -> Any:
    """A value of the type that passes GraphQL's own coercion."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _sample(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return {"Int": 1000, "ID": "1", "Boolean": False, "String": "ok", "Float": 1.0}[type_.name]


def _string_paths(type_: GraphQLInputType, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every place under ``type_`` where a String goes."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if isinstance(type_, GraphQLScalarType) and type_.name == "String":
        yield path
    elif isinstance(type_, GraphQLInputObjectType):
        for name, field in type_.fields.items():
            yield from _string_paths(field.type, (*path, name))


def _with(value: Any, type_: GraphQLInputType, path: tuple[str, ...], text: str) -> Any:
    """``value`` with ``text`` placed at ``path`` (creating optional input objects)."""
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if not path:
        return [text] if isinstance(type_, GraphQLList) else text
    if isinstance(type_, GraphQLList):  # a list of input objects: the text in its first item
        items = list(value or [None])
        return [_with(items[0], type_.of_type, path, text), *items[1:]]
    assert isinstance(type_, GraphQLInputObjectType)
    value = dict(value or {})
    field = type_.fields[path[0]]
    value[path[0]] = _with(value.get(path[0]), field.type, path[1:], text)
    return value


def _type_name(type_: GraphQLInputType) -> str:
    if isinstance(type_, GraphQLNonNull):
        return f"{_type_name(type_.of_type)}!"
    if isinstance(type_, GraphQLList):
        return f"[{_type_name(type_.of_type)}]"
    return type_.name


def _cases(root: str) -> Iterator[tuple[str, GraphQLField, str, tuple[str, ...]]]:
    fields = getattr(GRAPHQL, f"{root}_type").fields
    for name, field in fields.items():
        for arg_name, arg in field.args.items():
            for path in _string_paths(arg.type, ()):
                yield name, field, arg_name, path


def _document(kind: str, name: str, field: GraphQLField, selection: str) -> str:
    params = ", ".join(f"${a}: {_type_name(arg.type)}" for a, arg in field.args.items())
    args = ", ".join(f"{a}: ${a}" for a in field.args)
    return f"{kind}({params}) {{ {name}({args}) {selection} }}"


def _variables(field: GraphQLField, arg_name: str, path: tuple[str, ...], text: str) -> dict:
    variables = {
        a: _sample(arg.type)
        for a, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull)
    }
    variables[arg_name] = _with(variables.get(arg_name), field.args[arg_name].type, path, text)
    return variables


MUTATION_CASES = list(_cases("mutation"))
QUERY_CASES = list(_cases("query"))


def _leaf(arg_name: str, path: tuple[str, ...]) -> str:
    return path[-1] if path else arg_name


def _field(arg_name: str, path: tuple[str, ...]) -> str:
    """The argument path an error names: ``filter.search``; a mutation's ``input`` fields by
    their own path (``subject``, ``filter.search``)."""
    return ".".join(path if arg_name == "input" and path else (arg_name, *path))


async def _row_counts() -> dict[str, int]:
    return {
        model.__name__: await model.all().count()
        for app in Tortoise.apps.values()
        for model in app.values()
    }


def _answer_types(field: GraphQLField) -> tuple[set[str], bool]:
    """The types a mutation may answer with, and whether it answers a list of per-item
    results (``bulkUpdateTickets``: a whole-request refusal is one result whose ``error`` is
    the refusal, typed by the ``Error`` interface)."""
    returned = field.type
    while isinstance(returned, GraphQLNonNull):
        returned = returned.of_type
    if not isinstance(returned, GraphQLList):
        assert isinstance(returned, GraphQLUnionType), field
        return {member.name for member in returned.types}, False
    item = returned.of_type
    while isinstance(item, GraphQLNonNull | GraphQLList):
        item = item.of_type
    error = item.fields["error"].type
    assert isinstance(error, GraphQLInterfaceType), field
    return {member.name for member in GRAPHQL.get_possible_types(error)}, True


def test_every_text_input_is_covered():
    """The schema has text inputs in mutations and queries, and every mutation that takes
    text answers a union with ValidationError (so the refusal is typed)."""
    assert len(MUTATION_CASES) >= 20 and QUERY_CASES
    for name, field, _, _ in MUTATION_CASES:
        answers, _ = _answer_types(field)
        assert "ValidationError" in answers, name


async def test_control_characters_in_any_mutation_text_are_refused(gql, world, caplog):
    before = await _row_counts()
    with caplog.at_level(logging.ERROR):
        for name, field, arg_name, path in MUTATION_CASES:
            multiline = _leaf(arg_name, path) == "body"
            refusal = "{ __typename ... on ValidationError { field fieldErrors { field } } }"
            _, per_item = _answer_types(field)
            for text in BAD if not multiline else BAD[:2]:
                selection = f"{{ number error {refusal} }}" if per_item else refusal
                document = _document("mutation", name, field, selection)
                variables = _variables(field, arg_name, path, text)
                body = await gql(document, variables, token=world.admin.token)
                assert "errors" not in body, (name, path, body)
                result = body["data"][name]
                if per_item:  # the whole request refused: one result, no ticket number
                    assert [item["number"] for item in result] == [None], (name, result)
                    result = result[0]["error"]
                assert result["__typename"] == "ValidationError", (name, path, text, result)
                assert _field(arg_name, path) in {e["field"] for e in result["fieldErrors"]}
    assert await _row_counts() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_control_characters_in_any_query_text_are_refused(gql, world, caplog):
    with caplog.at_level(logging.ERROR):
        for name, field, arg_name, path in QUERY_CASES:
            returned = field.type
            while isinstance(returned, GraphQLNonNull | GraphQLList):
                returned = returned.of_type
            selection = "" if isinstance(returned, GraphQLScalarType) else "{ __typename }"
            for text in BAD:
                body = await gql(
                    _document("query", name, field, selection),
                    _variables(field, arg_name, path, text),
                    token=world.admin.token,
                )
                error = body["errors"][0]
                assert body.get("data") is None, (name, body)
                assert error["extensions"] == {
                    "code": "VALIDATION_ERROR",
                    "field": _field(arg_name, path),
                }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_literals_and_fragments_are_checked_too(gql, world):
    for query in (
        '{ tickets(filter: {search: "a\\u0000b"}) { totalCount } }',
        '{ ...F } fragment F on Query { tickets(filter: {search: "\\u0007"}) { totalCount } }',
    ):
        body = await gql(query, token=world.staff_x.token)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", query


async def test_bodies_keep_tab_and_line_breaks_but_one_line_fields_refuse_them(gql, world):
    opened = await gql.data(
        OPEN_TICKET,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Fine", "body": MULTILINE_OK}},
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    reply = await gql.data(
        REPLY, {"input": {"number": number, "body": MULTILINE_OK}}, token=world.client_a.token
    )
    assert reply["replyToTicket"]["body"] == MULTILINE_OK.strip()
    # A line break in a subject would become a second mail header.
    refused = await gql.data(
        OPEN_TICKET,
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "subject": "Hi\r\nBcc: everyone@example.com",
                "body": "x",
            }
        },
        token=world.client_a.token,
    )
    assert refused["openTicket"]["__typename"] == "ValidationError"
    assert refused["openTicket"]["field"] == "subject"


@pytest.mark.parametrize(
    ("declared", "value", "words"),
    [
        ("Int!", "1010", "Int cannot represent non-integer value"),
        ("Int!", 2**31, "Int cannot represent non 32-bit signed integer value"),
        ("Int!", 1.5, "Int cannot represent non-integer value"),
        ("Int!", None, "not to be None"),
    ],
)
async def test_variables_of_the_wrong_type_get_the_standard_answer(
    gql, world, caplog, declared, value, words
):
    with caplog.at_level(logging.ERROR):
        body = await gql(
            f"query($n: {declared}) {{ ticket(number: $n) {{ number }} }}",
            {"n": value},
            token=world.client_a.token,
        )
    assert words in body["errors"][0]["message"]
    assert (
        "code" not in (body["errors"][0].get("extensions") or {})
        or body["errors"][0]["extensions"]["code"] != "INTERNAL"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_bad_enum_and_out_of_range_ids_are_answers(gql, world, caplog):
    with caplog.at_level(logging.ERROR):
        enum = await gql(
            "query($s: [TicketStatus!]) { tickets(filter: {status: $s}) { totalCount } }",
            {"s": ["NOPE"]},
            token=world.staff_x.token,
        )
        assert "does not exist in 'TicketStatus'" in enum["errors"][0]["message"]
        for huge in ("12345678901234567890", "2147483648", str(2**63 - 1), "-1", "0", "1e3", "١٢"):
            listed = await gql(
                "query($d: ID) { tickets(filter: {departmentId: $d}) { totalCount } }",
                {"d": huge},
                token=world.staff_x.token,
            )
            assert listed["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", huge
            opened = await gql.data(
                OPEN_TICKET,
                {"input": {"departmentId": huge, "subject": "s", "body": "b"}},
                token=world.client_a.token,
            )
            assert opened["openTicket"]["field"] == "departmentId", huge
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


UPLOAD = (
    '{"query":"mutation($f:[Upload!]){replyToTicket(input:{number:%d,body:\\"x\\",'
    'attachments:$f}){__typename}}","variables":{"f":[null]}}'
)
TEXT_ONLY = (
    '{"query":"mutation($b:String!){replyToTicket(input:{number:%d,body:$b}){__typename}}",'
    '"variables":{"b":"x"}}'
)
# A file mapped onto a variable the operation declares as text or a number.
NOT_UPLOAD = (
    '{"query":"mutation($b:String!,$n:Int!){replyToTicket(input:{number:$n,body:$b})'
    '{__typename}}","variables":{"b":null,"n":null}}'
)


TWICE = '{"0":["variables.f.0","variables.f.1"]}'
NESTED = '{"0":["variables.f.a"]}'


async def test_malformed_multipart_is_a_400_with_a_message(gql, world, caplog):
    ticket = await open_as(world.client_a, world.dept_x)
    number = ticket.number
    file = ("0", ("log.txt", b"hello", "text/plain"))
    cases: list[tuple[dict[str, Any], list[Any], str]] = [
        (
            {"operations": UPLOAD % number, "map": '{"0":["variables.g.0"]}'},
            [file],
            "names nothing",
        ),
        (
            {"operations": UPLOAD % number, "map": '{"0":["variables.f.5"]}'},
            [file],
            "names nothing",
        ),
        ({"operations": UPLOAD % number}, [file], "no 'map' part"),
        ({"operations": UPLOAD % number, "map": "not json"}, [file], "not valid JSON"),
        ({"operations": UPLOAD % number, "map": '{"1":["variables.f.0"]}'}, [file], "not a file"),
        ({"operations": UPLOAD % number, "map": '{"0":"variables.f.0"}'}, [file], "list of paths"),
        ({"operations": "[1,2]", "map": '{"0":["variables.f.0"]}'}, [file], "one JSON object"),
        ({"map": '{"0":["variables.f.0"]}'}, [file], "no 'operations' part"),
        ({"operations": TEXT_ONLY % number, "map": '{"0":["variables.b"]}'}, [file], "placeholder"),
        ({"operations": UPLOAD % number, "map": '{"0":["query"]}'}, [file], "start with"),
        ({"operations": NOT_UPLOAD, "map": '{"0":["variables.b"]}'}, [file], "String"),
        ({"operations": NOT_UPLOAD, "map": '{"0":["variables.n"]}'}, [file], "Int!"),
        (
            {"operations": UPLOAD.replace("[null]", "[null,null]") % number, "map": TWICE},
            [file],
            "send each file once",
        ),
        (
            {"operations": UPLOAD.replace("[null]", '{"a":null}') % number, "map": NESTED},
            [file],
            "not an Upload",
        ),
    ]
    before = await _row_counts()
    with caplog.at_level(logging.ERROR):
        for data, files, words in cases:
            response = await gql.http.post(
                f"{gql.base}/graphql",
                data=data,
                files=files,
                headers={
                    "Authorization": f"Bearer {world.client_a.token}",
                    "GraphQL-Preflight": "1",
                },
            )
            assert response.status_code == 400, (data, response.text)
            assert words in response.text, (data, response.text)
    assert await _row_counts() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The well-formed request still works.
    fine = await gql.http.post(
        f"{gql.base}/graphql",
        data={"operations": UPLOAD % number, "map": '{"0":["variables.f.0"]}'},
        files=[file],
        headers={"Authorization": f"Bearer {world.client_a.token}", "GraphQL-Preflight": "1"},
    )
    assert fine.json()["data"]["replyToTicket"]["__typename"] == "Message"


def _cursor(*key: object) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A cursor is the client's to send back, and base64 hides what it carries from the
# control-character check: every value a forged one can hold must be an answer.
FORGED_KEYS = [10**30, 2**63, 2**31, "a\x00b", 1.5, True, None, [1], {"a": 1}, "open"]


async def test_forged_cursors_are_answers_on_every_paged_list(gql, world, caplog):
    ticket = await open_as(world.client_a, world.dept_x)
    sorts = ["NUMBER", "SUBJECT", "CLIENT", "DEPARTMENT", "STATUS", "PRIORITY"]
    sorts += ["LAST_ACTIVITY", "CREATED", "ASSIGNEE"]
    lists = {
        f"ticket.{sort.lower()}": "query($a: String) { tickets(first: 2, after: $a, sort: "
        f"{{field: {sort}}}) {{ totalCount }} }}"
        for sort in sorts
    }
    lists["message"] = (
        f"query($a: String) {{ ticket(number: {ticket.number}) "
        "{ messages(first: 2, after: $a) { edges { cursor } } } }"
    )
    lists["audit"] = (
        f"query($a: String) {{ ticket(number: {ticket.number}) "
        "{ auditTrail(first: 2, after: $a) { edges { cursor } } } }"
    )
    lists["inbound"] = "query($a: String) { inboundMail(first: 2, after: $a) { totalCount } }"
    lists["outbound"] = (
        "query($a: String) { outboundMail(first: 2, after: $a) { edges { cursor } } }"
    )
    with caplog.at_level(logging.ERROR):
        for name, query in lists.items():
            keys = (
                [[value, ticket.number] for value in FORGED_KEYS]
                + [[ticket.number, value] for value in FORGED_KEYS]
                if name.startswith("ticket.")
                else [[value] for value in FORGED_KEYS]
            )
            for key in keys:
                body = await gql(query, {"a": _cursor(name, *key)}, token=world.admin.token)
                errors = body.get("errors") or []
                codes = [e.get("extensions", {}).get("code") for e in errors]
                assert "INTERNAL" not in codes, (name, key, errors)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_bodies_that_are_not_json_are_a_400(gql, world, caplog):
    """Bytes that are not UTF-8 and nesting deeper than the JSON decoder goes raised errors
    that were not JSON errors, and the server answered 500."""
    deep = '{"query": "{ me { name } }", "variables": {"a": ' + "[" * 100_000 + "]" * 100_000
    bodies = [b'{"query": "{ me { name } }"}\xff', b"\xfe\xff{", (deep + "}}").encode()]
    with caplog.at_level(logging.ERROR):
        for body in bodies:
            response = await gql.http.post(
                f"{gql.base}/graphql",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 400, (body[:40], response.text)
            multipart = await gql.http.post(
                f"{gql.base}/graphql",
                data={"operations": body, "map": "{}"},
                files=[("0", ("log.txt", b"hello", "text/plain"))],
                headers={"GraphQL-Preflight": "1"},
            )
            assert multipart.status_code == 400, (body[:40], multipart.text)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_lone_surrogate_is_refused_like_a_control_character(gql, world, caplog):
    """JSON can escape half of a UTF-16 pair ("\\ud800"), which no database can store."""
    token = world.staff_x.token
    search = '{"query": "query($s: String) { tickets(filter: {search: $s}) { totalCount } }"'
    reply = '{"query": "mutation($b: String!) { addInternalNote(input: {number: %d, body: $b})'
    ticket = await open_as(world.client_a, world.dept_x)
    before = await _row_counts()
    with caplog.at_level(logging.ERROR):
        for text in ("\\ud800", "a\\udfffb"):
            listed = await gql.http.post(
                f"{gql.base}/graphql",
                content=f'{search}, "variables": {{"s": "{text}"}}}}',
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            assert listed.json()["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
            noted = await gql.http.post(
                f"{gql.base}/graphql",
                content=(reply % ticket.number)
                + ' { ... on Error { field } } }", "variables": {"b": "'
                + text
                + '"}}',
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            assert noted.json()["data"]["addInternalNote"] == {"field": "body"}, noted.text
    assert await _row_counts() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_websocket_message_that_is_not_json_closes_with_4400(gql, world, caplog):
    deep = '{"id": "1", "type": "subscribe", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}"
    url = gql.base.replace("http://", "ws://", 1) + "/graphql"
    with caplog.at_level(logging.ERROR):
        async with websockets.connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], origin=Origin(gql.base)
        ) as socket:
            bearer = f"Bearer {world.staff_x.token}"
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"authorization": bearer}})
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(deep)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
        assert socket.close_code == 4400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_token_that_is_no_text_is_refused_like_a_wrong_one(gql, world, caplog):
    """Half a UTF-16 pair in the bearer token of a socket's connection_init could not be
    hashed: the socket dropped without a close frame and the server logged an ERROR."""
    url = gql.base.replace("http://", "ws://", 1) + "/graphql"
    with caplog.at_level(logging.ERROR):
        for secret in ("hds_\ud800", "hds_\x00", "hds_é"):
            async with websockets.connect(
                url, subprotocols=[Subprotocol("graphql-transport-ws")], origin=Origin(gql.base)
            ) as socket:
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {secret}"}}
                await socket.send(json.dumps(init))
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(socket.recv(), 10)
            assert socket.close_code == 4403, secret
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_client_that_leaves_mid_request_logs_one_debug_line(live_server):
    """A load generator closes its connections with requests half sent: that is no fault, so
    no traceback at ERROR, one DEBUG line; and the server goes on answering."""
    import asyncio
    from urllib.parse import urlsplit

    import httpx

    records = _Records()
    watched = [logging.getLogger(name) for name in ("uvicorn.error", "app")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(records)
        logger.setLevel(logging.DEBUG)
    try:
        url = urlsplit(live_server)
        _reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + b'{"query": "{ me { name '
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        deadline = asyncio.get_running_loop().time() + 10
        while not any("disconnected" in r.getMessage() for r in records.records):
            assert asyncio.get_running_loop().time() < deadline, records.records
            await asyncio.sleep(0.02)
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(records)
            logger.setLevel(level)
    mine = [r for r in records.records if "disconnected" in r.getMessage()]
    assert [r.levelno for r in mine] == [logging.DEBUG]
    assert not [r for r in records.records if r.levelno >= logging.WARNING], records.records
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{live_server}/graphql", json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}
