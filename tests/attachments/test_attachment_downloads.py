"""Downloads: who may fetch which file, and the headers that keep a browser from running it."""

from __future__ import annotations

from urllib.parse import quote

from app.auth.credentials import SESSION_COOKIE
from tests.attachments import samples
from tests.attachments.helpers import attachments_of_opened

NOT_FOUND = "File not found."


async def _ticket_with_reply_and_note_files(up, world):
    """A ticket of client A in Support: a public PNG from the client, a note's log from staff."""
    opened = await up.open_ticket(world.client_a, world.dept_x, [("shot.png", samples.png())])
    note = await up.note(world.staff_x, opened["number"], [("internal.log", samples.text())])
    return attachments_of_opened(opened)[0]["url"], note["attachments"][0]["url"]


async def test_access_matrix(up, world):
    public, note = await _ticket_with_reply_and_note_files(up, world)
    matrix = {
        # who: (may fetch the client's file, may fetch the note's file)
        "anonymous": (None, False, False),
        "client A (own ticket)": (world.client_a.token, True, False),
        "client B (other's ticket)": (world.client_b.token, False, False),
        "staff of Support": (world.staff_x.token, True, True),
        "staff of Billing": (world.staff_y.token, False, False),
        "admin": (world.admin.token, True, True),
        "unknown token": ("hds_not-a-real-token", False, False),
    }
    for who, (token, sees_public, sees_note) in matrix.items():
        for url, allowed in ((public, sees_public), (note, sees_note)):
            response = await up.download(url, token=token)
            if allowed:
                assert response.status_code == 200, (who, url)
            else:
                # Forbidden looks exactly like missing: no hint that the file exists.
                assert response.status_code == 404, (who, url)
                assert response.text == NOT_FOUND, who

    # The browser's session cookie counts like a bearer token.
    by_cookie = {"Cookie": f"{SESSION_COOKIE}={world.client_a.token}"}
    assert (await up.http.get(public, headers=by_cookie)).status_code == 200
    assert (await up.http.get(note, headers=by_cookie)).status_code == 404

    # Ids are 192 random bits; a wrong or malformed one is answered like a forbidden one.
    public_id = public.split("/attachments/")[1].split("/")[0]
    assert len(public_id) >= 32
    for path in (f"/attachments/{public_id[:-2]}xx/shot.png", "/attachments/x/shot.png"):
        response = await up.download(up.base + path, token=world.admin.token)
        assert (response.status_code, response.text) == (404, NOT_FOUND)


async def test_images_open_inline_everything_else_downloads(up, world):
    png, pdf, log = samples.png(), samples.pdf(), samples.text()
    opened = await up.open_ticket(
        world.client_a,
        world.dept_x,
        [("shot.png", png), ("facture résumé.pdf", pdf), ("app.log", log)],
    )
    shot, invoice, applog = attachments_of_opened(opened)
    token = world.client_a.token

    image = await up.download(shot["url"], token=token)
    document = await up.download(invoice["url"], token=token)
    text = await up.download(applog["url"], token=token)

    assert image.headers["content-disposition"].startswith('inline; filename="shot.png"')
    assert image.headers["content-type"] == "image/png"
    assert document.headers["content-disposition"] == (
        'attachment; filename="facture r_sum_.pdf"; '
        f"filename*=UTF-8''{quote('facture résumé.pdf', safe='')}"
    )
    assert document.headers["content-type"] == "application/pdf"
    assert text.headers["content-disposition"].startswith("attachment;")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    for response, data in ((image, png), (document, pdf), (text, log)):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.headers["content-length"] == str(len(data))
        assert response.content == data

    # HEAD answers the headers alone; a matching ETag revalidates, for those allowed only.
    head = await up.http.head(shot["url"], headers={"Authorization": f"Bearer {token}"})
    etag = {"If-None-Match": head.headers["etag"]}
    again = await up.download(shot["url"], token=token, headers=etag)
    stranger = await up.download(shot["url"], token=world.client_b.token, headers=etag)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(png))
    assert (again.status_code, again.content) == (304, b"")
    assert stranger.status_code == 404
