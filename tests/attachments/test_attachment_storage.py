"""The file store's guarantees (dedup, atomic placement, never deleting content another upload
or a committed attachment uses) and the lenient path email takes."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from app.config import get_settings
from app.infra.storage import LocalFileStore, TooLarge
from app.services import attachments
from tests.attachments import samples


async def chunks_of(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def unreferenced(sha256: str) -> bool:
    return False


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_same_content_is_stored_once_and_read_back_in_chunks(tmp_path):
    store = LocalFileStore(tmp_path)
    data = samples.sized(200_000)

    first = await store.save(chunks_of(data), limit=10**6)
    second = await store.save(chunks_of(data), limit=10**6)

    digest = hashlib.sha256(data).hexdigest()
    assert first.sha256 == second.sha256 == digest and first.size == len(data)
    assert [p for p in files_under(tmp_path) if not p.startswith("pins/")] == [
        f"{digest[:2]}/{digest[2:4]}/{digest}"
    ]
    read = [chunk async for chunk in store.read(digest)]
    assert b"".join(read) == data and len(read) > 1


async def test_a_stream_past_its_limit_leaves_nothing(tmp_path):
    store = LocalFileStore(tmp_path)
    with pytest.raises(TooLarge):
        await store.save(chunks_of(samples.sized(5000)), limit=4999)
    assert files_under(tmp_path) == []


async def test_content_is_deleted_only_when_no_upload_pins_it_and_nothing_references_it(tmp_path):
    store = LocalFileStore(tmp_path)
    data = samples.sized(3000)
    failed = await store.save(chunks_of(data), limit=10**6)
    in_flight = await store.save(chunks_of(data), limit=10**6)

    data_hash = failed.sha256
    await store.release(failed, referenced=unreferenced)
    assert await store.exists(data_hash)  # the other upload still needs it

    async def committed(sha256: str) -> bool:
        return sha256 == data_hash

    await store.release(in_flight, referenced=committed)
    assert await store.exists(data_hash)  # a committed attachment uses it

    again = await store.save(chunks_of(data), limit=10**6)
    await store.release(again, referenced=unreferenced)
    assert not await store.exists(data_hash)
    assert files_under(tmp_path) == []


async def test_an_upload_racing_a_removal_keeps_its_content(tmp_path):
    """A releases while B uploads the same content between A's two looks: B's copy survives."""
    store = LocalFileStore(tmp_path)
    data = samples.sized(3000)
    a = await store.save(chunks_of(data), limit=10**6)
    uploads = []

    async def b_uploads_during_the_check(sha256: str) -> bool:
        if not uploads:
            uploads.append(await store.save(chunks_of(data), limit=10**6))
        return False

    await store.release(a, referenced=b_uploads_during_the_check)

    assert await store.exists(a.sha256)
    assert b"".join([c async for c in store.read(a.sha256)]) == data
    await store.release(uploads[0], referenced=unreferenced)
    assert not await store.exists(a.sha256)


class UnsizedUpload:
    """An upload whose size is not known in advance: limits are enforced while streaming."""

    def __init__(self, filename: str, data: bytes) -> None:
        self.filename = filename
        self.content_type = None
        self._chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]

    async def read(self, size: int = -1) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


async def test_limits_hold_while_streaming_and_leave_nothing(clean_db, settings, monkeypatch):
    monkeypatch.setattr(settings, "max_file_bytes", 10_000)
    monkeypatch.setattr(settings, "max_message_bytes", 15_000)
    big = samples.sized(10_001)
    with pytest.raises(attachments.ValidationFailed) as refused:
        await attachments.prepare([UnsizedUpload("big.gz", big)], get_settings())
    assert refused.value.errors == {
        "attachments": "“big.gz” was not accepted: it is larger than 9.8 KB "
        "(the limit for one file)."
    }

    first, second = samples.sized(9000), samples.sized(9000)
    with pytest.raises(attachments.ValidationFailed) as refused:
        await attachments.prepare(
            [UnsizedUpload("a.gz", first), UnsizedUpload("b.gz", second)], get_settings()
        )
    assert "“b.gz”" in refused.value.message and "14.6 KB" in refused.value.message
    store = LocalFileStore(settings.var_dir / "files")
    for data in (big, first, second):
        assert not await store.exists(hashlib.sha256(data).hexdigest())


async def test_email_keeps_good_files_and_names_each_refused_one(clean_db, settings):
    log, png = samples.text(), samples.png()
    files = [
        attachments.BytesFile("app.log", log, "text/plain"),
        attachments.BytesFile("invoice.exe", samples.windows_exe(), "application/octet-stream"),
        attachments.BytesFile("photo.png", png, "image/png"),
        attachments.BytesFile("page.html", samples.html(), "text/html"),
    ]

    prepared, refusals = await attachments.prepare_lenient(files, get_settings())

    assert [(p.filename, p.content_type) for p in prepared] == [
        ("app.log", "text/plain; charset=utf-8"),
        ("photo.png", "image/png"),
    ]
    assert refusals == [
        "“invoice.exe” was not accepted: it is an executable program.",
        "“page.html” was not accepted: it is a web page (HTML or XML markup).",
    ]
    await attachments.discard(prepared)  # the message was never saved: nothing stays
    store = LocalFileStore(settings.var_dir / "files")
    assert not await store.exists(hashlib.sha256(log).hexdigest())
    assert not await store.exists(hashlib.sha256(png).hexdigest())


async def test_an_email_reply_keeps_its_accepted_files(world, settings):
    from app.models import Attachment, MessageSource
    from app.services import messages, tickets

    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Mail",
        body="Hi",
        settings=get_settings(),
    )
    log = samples.text()
    prepared, refusals = await attachments.prepare_lenient(
        [
            attachments.BytesFile("app.log", log),
            attachments.BytesFile("logo.svg", samples.svg(), "image/svg+xml"),
        ],
        get_settings(),
    )
    try:
        body = "Logs attached.\n\n" + "\n".join(refusals)
        posted = await messages.reply_to_ticket(
            actor=world.client_a.actor,
            number=opened.ticket.number,
            body=body,
            source=MessageSource.EMAIL,
            files=prepared,
            settings=get_settings(),
        )
    finally:
        await attachments.discard(prepared)  # idempotent: the service released them already

    rows = await Attachment.filter(message_id=posted.message.id)
    assert [(r.filename, r.size) for r in rows] == [("app.log", len(log))]
    assert "“logo.svg” was not accepted: it is an SVG image." in posted.message.body
    store = LocalFileStore(settings.var_dir / "files")
    assert b"".join([c async for c in store.read(rows[0].sha256)]) == log
    url = attachments.download_url(
        settings.public_url, public_id=rows[0].public_id, filename=rows[0].filename
    )
    assert url == f"{settings.public_url}/attachments/{rows[0].public_id}/app.log"


async def test_email_keeps_the_first_files_up_to_the_limit_and_names_the_rest(clean_db, settings):
    limit = settings.max_files_per_message
    files = [
        attachments.BytesFile(f"log{i}.txt", f"line {i}\n".encode(), "text/plain")
        for i in range(limit + 2)
    ]
    prepared, refusals = await attachments.prepare_lenient(files, get_settings())
    try:
        assert [p.filename for p in prepared] == [f"log{i}.txt" for i in range(limit)]
        assert refusals == [
            f"“log{i}.txt” was not accepted: a message may carry at most {limit} files."
            for i in (limit, limit + 1)
        ]
    finally:
        await attachments.discard(prepared)
