"""Mail attachments as uploads: the same type and size rules, but a refused file is named in
the post instead of refusing the whole message."""

from __future__ import annotations

import hashlib

from app.config import Settings
from app.mail.parsing import ParsedMail
from app.services import attachments


async def mail_files(
    parsed: ParsedMail, settings: Settings
) -> tuple[list[attachments.BytesFile], list[str]]:
    """The attachments that the upload rules accept, and a sentence per refused one."""
    if not parsed.attachments:
        return [], []
    candidates = [
        attachments.BytesFile(a.filename, a.data, a.content_type) for a in parsed.attachments
    ]
    prepared, refusals = await attachments.prepare_lenient(candidates, settings)
    accepted = {p.sha256 for p in prepared}
    # The check stored the accepted files; the service stores them again (by content, so
    # that is cheap) inside its own transaction, so this hold is released here.
    await attachments.discard(prepared)
    kept = [
        attachments.BytesFile(a.filename, a.data, a.content_type)
        for a in parsed.attachments
        if hashlib.sha256(a.data).hexdigest() in accepted
    ]
    return kept, refusals
