"""Size limits, the CSRF header, deduplication and cleanup after a failed mutation, all through
real multipart requests to the live server."""

from __future__ import annotations

import asyncio
import hashlib
import json
from urllib.parse import urlsplit

from tests.attachments import samples
from tests.attachments.helpers import OPEN, attachments_of_opened, saved_counts

MB = 1024 * 1024


async def test_a_file_over_the_per_file_limit_is_refused_and_one_at_the_limit_accepted(
    up, world, store, settings
):
    too_big = samples.sized(settings.max_file_bytes + 1)
    just_fits = samples.sized(settings.max_file_bytes)

    refused = await up.open_ticket(world.client_a, world.dept_x, [("dump.gz", too_big)])
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "attachments"
    assert refused["message"] == (
        "“dump.gz” was not accepted: it is larger than 10 MB (the limit for one file)."
    )
    assert await saved_counts() == (0, 0, 0)
    assert not store.has(too_big) and store.leftovers() == []

    accepted = await up.open_ticket(world.client_a, world.dept_x, [("dump.gz", just_fits)])
    assert attachments_of_opened(accepted)[0]["size"] == settings.max_file_bytes


async def test_files_over_the_per_message_limit_are_refused_and_none_is_kept(up, world, store):
    parts = [samples.sized(9 * MB) for _ in range(3)]  # 27 MB: the third goes past 25 MB
    files = [(f"part{i}.gz", data) for i, data in enumerate(parts, 1)]

    result = await up.open_ticket(world.client_a, world.dept_x, files)

    assert result["__typename"] == "ValidationError"
    assert result["message"] == (
        "“part3.gz” was not accepted: it would take the files of this message past 25 MB "
        "(the limit for one message)."
    )
    assert await saved_counts() == (0, 0, 0)
    assert not any(store.has(data) for data in parts)
    assert store.leftovers() == []


async def test_multipart_without_a_preflight_header_is_refused(up, world, store):
    data = samples.png()
    variables = {"input": {"departmentId": str(world.dept_x.id), "subject": "s", "body": "b"}}

    response = await up.post(
        OPEN, variables, [("a.png", data)], token=world.client_a.token, csrf_header=False
    )

    assert response.status_code == 400
    assert "GraphQL-Preflight" in response.json()["errors"][0]["message"]
    assert await saved_counts() == (0, 0, 0)
    assert not store.has(data)


async def test_form_encoded_graphql_without_the_header_is_refused_but_json_is_not(up, world):
    form = await up.http.post(
        f"{up.base}/graphql",
        data={"query": "{ me { name } }"},
        headers={"Authorization": f"Bearer {world.client_a.token}"},
    )
    plain = await up.http.post(
        f"{up.base}/graphql",
        json={"query": "{ me { name } }"},
        headers={"Authorization": f"Bearer {world.client_a.token}"},
    )
    assert form.status_code == 400
    assert plain.status_code == 200
    assert plain.json()["data"]["me"]["name"] == "Alice Client"


async def test_a_body_far_over_the_limits_is_refused_before_it_is_read(up, settings):
    # A raw request announcing 60 MB: the server answers 413 without waiting for the body.
    target = urlsplit(up.base)
    reader, writer = await asyncio.open_connection(target.hostname, target.port)
    try:
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nGraphQL-Preflight: 1\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            + f"Content-Length: {60 * MB}\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        body = json.loads(await asyncio.wait_for(reader.readexactly(length), timeout=10))
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")
    assert "too large" in body["errors"][0]["message"]


async def test_same_content_twice_is_stored_once_and_served_to_both(up, world, store):
    data = samples.pdf()
    before = store.blobs()

    first = await up.open_ticket(world.client_a, world.dept_x, [("a.pdf", data)])
    second = await up.open_ticket(world.client_b, world.dept_y, [("b.pdf", data)])

    a, b = attachments_of_opened(first)[0], attachments_of_opened(second)[0]
    assert a["id"] != b["id"]
    assert store.blobs() - before == {hashlib.sha256(data).hexdigest()}
    assert (await up.download(a["url"], token=world.client_a.token)).content == data
    assert (await up.download(b["url"], token=world.client_b.token)).content == data


async def test_a_reply_that_fails_in_its_transaction_leaves_no_file(up, world, store, monkeypatch):
    opened = await up.open_ticket(world.client_a, world.dept_x, [])
    before = await saved_counts()
    fresh, shared = samples.text(), samples.png()
    kept = await up.reply(world.client_a, opened["number"], [("kept.png", shared)])

    async def database_fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("app.services.messages.reopen_status_for_reply", database_fails)
    response = await up.post(
        "mutation($input: ReplyInput!) { replyToTicket(input: $input) { __typename } }",
        {"input": {"number": opened["number"], "body": "with files"}},
        [("new.log", fresh), ("again.png", shared)],
        token=world.client_a.token,
    )

    assert response.json()["errors"], response.text  # masked, unexpected error
    assert await saved_counts() == (before[0], before[1] + 1, 1)  # only the kept reply
    assert not store.has(fresh)
    # The same content is still used by the committed reply: it stays, and still downloads.
    assert store.has(shared)
    download = await up.download(kept["attachments"][0]["url"], token=world.client_a.token)
    assert download.content == shared
    assert store.leftovers() == []


async def test_files_per_message_are_limited(up, world, store, settings):
    """MAX_FILES_PER_MESSAGE (20): 21 files are a typed refusal naming the limit and nothing is
    kept; far more are refused by the parser (400) before anything reaches the service."""
    limit = settings.max_files_per_message
    one_too_many = [(f"{i}.txt", f"line {i}\n".encode(), "text/plain") for i in range(limit + 1)]
    refused = await up.open_ticket(world.client_a, world.dept_x, one_too_many)
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "attachments"
    assert refused["message"] == (
        f"A message may carry at most {limit} files; this one has {limit + 1}."
    )
    assert await saved_counts() == (0, 0, 0)
    assert store.leftovers() == []

    flood = [(f"{i}.txt", b"x", "text/plain") for i in range(1000)]
    variables = {"input": {"departmentId": str(world.dept_x.id), "subject": "s", "body": "b"}}
    response = await up.post(OPEN, variables, flood, token=world.client_a.token)
    assert response.status_code == 400
    assert "Too many files" in response.text
    assert await saved_counts() == (0, 0, 0)

    exactly = one_too_many[:limit]
    accepted = await up.open_ticket(world.client_a, world.dept_x, exactly)
    assert len(attachments_of_opened(accepted)) == limit


async def test_every_refused_file_is_named_with_its_reason_and_none_is_kept(
    up, world, store, settings
):
    """Not only the first: the sender learns at once which files to fix and why."""
    too_big = samples.sized(settings.max_file_bytes + 1)
    fine = samples.png()
    files = [
        ("dump.gz", too_big),
        ("photo.png", fine),
        ("invoice.exe", samples.windows_exe()),
        ("page.html", samples.html()),
    ]
    result = await up.open_ticket(world.client_a, world.dept_x, files)
    assert (result["__typename"], result["field"]) == ("ValidationError", "attachments")
    assert result["message"] == (
        "“dump.gz” was not accepted: it is larger than 10 MB (the limit for one file). "
        "“invoice.exe” was not accepted: it is an executable program. "
        "“page.html” was not accepted: it is a web page (HTML or XML markup)."
    )
    assert await saved_counts() == (0, 0, 0)
    assert not store.has(fine) and store.leftovers() == []


async def test_a_german_client_reads_every_refused_file_in_german(up, world, gql, settings):
    """The reasons are catalogue entries too: a whole German sentence per refused file."""
    await gql.data(
        'mutation { updateProfile(language: "de") { __typename } }', token=world.client_a.token
    )
    refused = await up.open_ticket(
        world.client_a,
        world.dept_x,
        [("leer.txt", b""), ("dump.gz", samples.sized(settings.max_file_bytes + 1))],
    )
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "attachments")
    assert refused["message"] == (
        "„leer.txt“ wurde nicht angenommen: Die Datei ist leer. "
        "„dump.gz“ wurde nicht angenommen: Die Datei ist größer als 10 MB (die Grenze für eine "
        "Datei)."
    )
    assert await saved_counts() == (0, 0, 0)
