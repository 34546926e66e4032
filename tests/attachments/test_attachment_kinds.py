"""Every accepted kind goes through openTicket, replyToTicket and addInternalNote over real
multipart HTTP; disguised executables, HTML, SVG and scripts are refused with nothing saved."""

from __future__ import annotations

from tests.attachments import samples
from tests.attachments.helpers import attachments_of_opened, saved_counts


async def test_each_accepted_kind_is_stored_typed_by_content_and_downloadable(up, world, store):
    sent = {kind: (filename, build()) for kind, (build, filename, _) in samples.ACCEPTED.items()}

    opened = await up.open_ticket(world.client_a, world.dept_x, list(sent.values()))

    assert opened["__typename"] == "Ticket", opened
    stored = attachments_of_opened(opened)
    assert [a["filename"] for a in stored] == [filename for filename, _ in sent.values()]
    for (kind, (_, data)), attachment in zip(sent.items(), stored, strict=True):
        expected_type = samples.ACCEPTED[kind][2]
        assert attachment["contentType"] == expected_type, kind
        assert attachment["size"] == len(data), kind
        assert store.has(data), kind
        download = await up.download(attachment["url"], token=world.client_a.token)
        assert download.status_code == 200, kind
        assert download.content == data, kind
        assert download.headers["content-type"] == expected_type, kind


async def test_declared_type_and_name_do_not_decide_the_kind(up, world):
    # A PDF sent as "image/png" named like a web page: stored as what it is, renamed to match.
    data = samples.pdf()
    opened = await up.open_ticket(world.client_a, world.dept_x, [("page.html", data, "image/png")])
    [attachment] = attachments_of_opened(opened)
    assert attachment["contentType"] == "application/pdf"
    assert attachment["filename"] == "page.html.pdf"


async def test_reply_and_note_carry_files(up, world):
    opened = await up.open_ticket(world.client_a, world.dept_x, [])
    number = opened["number"]
    shot, log = samples.png(), samples.text()

    reply = await up.reply(world.client_a, number, [("shot.png", shot), ("app.log", log)])
    note = await up.note(world.staff_x, number, [("trace.log", samples.text())])

    assert reply["__typename"] == "Message"
    assert [a["filename"] for a in reply["attachments"]] == ["shot.png", "app.log"]
    assert note["__typename"] == "Message" and note["internal"] is True
    assert [a["contentType"] for a in note["attachments"]] == ["text/plain; charset=utf-8"]


async def test_names_are_sanitised(up, world):
    data = samples.png()
    opened = await up.open_ticket(
        world.client_a, world.dept_x, [("../../etc/\u202eevil\u200b <x>.png", data)]
    )
    [attachment] = attachments_of_opened(opened)
    assert attachment["filename"] == "evil _x_.png"


REFUSED = {
    "ELF program named .png": ("cat.png", samples.elf, "executable program"),
    "Windows program named .png": ("holiday.png", samples.windows_exe, "executable program"),
    "HTML named .txt": ("readme.txt", samples.html, "web page"),
    "HTML": ("page.html", samples.html, "web page"),
    "SVG": ("logo.svg", samples.svg, "SVG"),
    "shell script named .log": ("install.log", lambda: b"#!/bin/sh\ncurl x | sh\n", "script"),
    "unknown binary": ("data.bin", lambda: bytes(range(256)) * 4, "not a kind"),
    "empty file": ("empty.txt", lambda: b"", "empty"),
}


async def test_refused_kind_is_a_typed_error_naming_the_file_and_nothing_is_saved(up, world, store):
    for case, (filename, build, reason) in REFUSED.items():
        data = build()
        first = samples.png()  # accepted and stored, then removed with the refused message

        result = await up.open_ticket(
            world.client_a, world.dept_x, [("ok.png", first), (filename, data)]
        )

        assert result["__typename"] == "ValidationError", (case, result)
        assert result["field"] == "attachments", case
        assert f"“{filename}”" in result["message"], case
        assert reason in result["message"], case
        assert await saved_counts() == (0, 0, 0), case
        assert not store.has(first) and not store.has(data), case
        assert store.leftovers() == [], case


async def test_refused_reply_and_note_save_nothing(up, world, store):
    opened = await up.open_ticket(world.client_a, world.dept_x, [])
    before = await saved_counts()
    log = samples.text()

    reply = await up.reply(
        world.client_a, opened["number"], [("a.log", log), ("x.png", samples.elf())]
    )
    note = await up.note(world.staff_x, opened["number"], [("x.svg", samples.svg())])

    assert reply["__typename"] == note["__typename"] == "ValidationError"
    assert "“x.png”" in reply["message"] and "“x.svg”" in note["message"]

    # Refused for who is asking: checked before any file is stored.
    png = samples.png()
    stranger = await up.reply(world.client_b, opened["number"], [("a.png", png)])
    client_note = await up.note(world.client_a, opened["number"], [("a.png", png)])
    assert stranger["__typename"] == "NotFound"
    assert client_note["__typename"] == "PermissionDenied"

    assert await saved_counts() == before
    assert not store.has(log) and not store.has(png)
    assert store.leftovers() == []
