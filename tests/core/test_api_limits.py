"""Transport and schema hardening: no GET, no batching, limits, masking, the committed SDL."""

from __future__ import annotations

import logging
from pathlib import Path

from app.api import build_schema
from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == build_schema(Settings()).as_str().strip(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


async def test_queries_over_get_are_refused(gql, world):
    response = await gql.http.get(
        f"{gql.base}/graphql",
        params={"query": "{ me { name } }"},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert response.status_code in (400, 405)
    assert "me" not in response.text or "errors" in response.text or response.status_code == 405


async def test_batched_requests_are_refused(gql, world):
    response = await gql.http.post(
        f"{gql.base}/graphql",
        json=[{"query": "{ me { name } }"}, {"query": "{ me { name } }"}],
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert response.status_code == 400


async def test_the_ticket_view_query_fits_the_limits(gql, world):
    query = """{ ticket(number: 1000) { number department { name } client { name }
        messages(first: 100) { edges { node { body author { name } attachments { id url } } } }
        auditTrail(first: 100) { edges { node { field actor { name } } } } } }"""
    assert "errors" not in await gql(query, token=world.admin.token)
    # The same for every ticket of a list is a page of threads: over the cost limit.
    listed = """{ tickets(first: 25) { edges { node { number
        messages(first: 100) { edges { node { body author { name } attachments { id url } } } }
        } } } }"""
    body = await gql(listed, token=world.admin.token)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_too_deep_is_refused(gql, world):
    # Depth 11 through a self-nesting path is refused by the depth limiter.
    inner = "name"
    for _ in range(6):
        inner = f"edges {{ node {{ client {{ {inner} }} }} }}"
    body = await gql("{ tickets { " + inner + " } }", token=world.admin.token)
    assert body.get("errors"), body
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_aliases_are_limited(gql, world):
    query = "{ " + " ".join(f"a{i}: me {{ name }}" for i in range(31)) + " }"
    body = await gql(query, token=world.admin.token)
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_tokens_are_limited(gql, world):
    query = "{ " + " ".join("me { name }" for _ in range(800)) + " }"
    body = await gql(query, token=world.admin.token)
    assert "token" in body["errors"][0]["message"].lower()


async def test_a_refused_document_is_refused_every_time_it_is_sent(gql, world):
    # Parsing and validation are cached per document text: the second and third sends are
    # answered from the cache and must be refused exactly like the first.
    deep = "name"
    for _ in range(6):
        deep = f"edges {{ node {{ client {{ {deep} }} }} }}"
    refused = {
        "{ tickets { " + deep + " } }": "exceeds maximum operation depth",
        "{ " + " ".join(f"a{i}: me {{ name }}" for i in range(31)) + " }": "aliases",
        "{ " + " ".join("me { name }" for _ in range(800)) + " }": "token",
        "{ tickets(first: 100) { edges { node { messages(first: 100) { edges { node { "
        "author { name } } } } } } } }": "over the limit",
        "{ me { name ": "syntax error",
    }
    for query, message in refused.items():
        for _ in range(3):
            body = await gql(query, token=world.admin.token)
            assert "data" not in body or body["data"] is None, body
            assert message in body["errors"][0]["message"].lower(), body
    # ... and an accepted one answers every time.
    for _ in range(3):
        body = await gql("{ me { name } }", token=world.admin.token)
        assert body == {"data": {"me": {"name": "Ada Admin"}}}


async def test_field_suggestions_are_off(gql, world):
    body = await gql("{ ticketz { totalCount } }", token=world.admin.token)
    assert "Did you mean" not in body["errors"][0]["message"]


async def test_unexpected_errors_are_masked_with_a_request_id(gql, world, caplog, monkeypatch):
    from app.services import directory

    async def explode(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(directory, "list_departments", explode)
    with caplog.at_level(logging.ERROR, logger="app.graphql"):
        response = await gql.http.post(
            f"{gql.base}/graphql",
            json={"query": "{ departments { name } }"},
            headers={"Authorization": f"Bearer {world.admin.token}"},
        )
    error = response.json()["errors"][0]
    assert "hunter2" not in response.text
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert any(request_id in r.getMessage() for r in caplog.records)


async def test_introspection_is_on_by_default(gql):
    body = await gql("{ __schema { queryType { name } } }")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
