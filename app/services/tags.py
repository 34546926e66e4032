"""Tags: global labels with a colour that admins manage and staff put on the tickets they work.

Tags are internal. A change of a ticket's tags takes the one change path (locked, audited,
version bumped) and its UPDATED event is marked internal, like a note's: clients are not sent
it, and nobody is mailed about it (UPDATED mails no one, ``app.mail.outbound.recipients``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.events import EventType, event_for
from app.i18n import N_, Msg
from app.infra import db
from app.infra.clock import now
from app.models import Tag, Ticket, TicketTag
from app.services import audit, versions
from app.services.rows import linked_to_tickets
from app.services.ticket_changes import ticket_changes
from app.services.tickets import get_ticket
from app.services.validation import Checks

MAX_TAGS = 200
"""Tags there may be (the ``tags`` list is not paged)."""
MAX_TAG_NAME = 40
MAX_TAGS_PER_TICKET = 20
"""Tags one ticket may carry (so a page of tickets with their tags stays bounded); also the
most one addTicketTags / removeTicketTags may name."""
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def _key(name: str) -> str:
    return name.casefold()


async def list_tags(*, actor: Actor | None) -> list[Tag]:
    """Every tag, by name, for staff and admins; clients and the anonymous see none."""
    if not policy.sees_tags(actor):
        return []
    return await Tag.all().order_by("name_key", "id")


def _checked(checks: Checks, name: str | None, color: str | None) -> tuple[str | None, str | None]:
    if name is not None:
        name = checks.text("name", name, max_chars=MAX_TAG_NAME, label="Name")
    if color is not None:
        color = color.strip()
        if not _COLOR.fullmatch(color):
            checks.fail("color", "Colour must be #rrggbb (six hexadecimal digits).")
        color = color.lower()
    return name, color


async def _name_taken(checks: Checks, name: str, other_than: int | None = None) -> None:
    query = Tag.filter(name_key=_key(name))
    if other_than is not None:
        query = query.exclude(id=other_than)
    if await query.exists():
        checks.fail(
            "name", Msg("A tag named {name} exists already (names ignore case).", name=repr(name))
        )


def _require_manager(actor: Actor | None) -> None:
    policy.require_user(actor)
    if not policy.can_manage_tags(actor):
        raise PermissionDenied("Only administrators may manage tags.")


async def create_tag(*, actor: Actor | None, name: str, color: str) -> Tag:
    _require_manager(actor)
    checks = Checks()
    name_, color_ = _checked(checks, name, color)
    if name_ and "name" not in checks.errors:
        await _name_taken(checks, name_)
    checks.raise_if_any()
    assert name_ is not None and color_ is not None
    try:
        # The count and the insert in one transaction that other creates wait for: two at
        # the cap cannot both pass it.
        async with in_transaction() as connection:
            await db.serialize(connection, "cap:tags", table="tags")
            if await Tag.all().using_db(connection).count() >= MAX_TAGS:
                checks.fail(
                    "name",
                    Msg("There are {n} tags, the most there may be; delete one first.", n=MAX_TAGS),
                )
                checks.raise_if_any()
            return await Tag.create(
                name=name_,
                name_key=_key(name_),
                color=color_,
                created_at=now(),
                using_db=connection,
            )
    except IntegrityError:  # created meanwhile by someone else
        raise ValidationFailed.single(
            "name", Msg("A tag named {name} exists already.", name=repr(name_))
        ) from None


async def update_tag(
    *,
    actor: Actor | None,
    tag_id: int,
    name: str | None = None,
    color: str | None = None,
    expected_version: int | None = None,
) -> Tag:
    """Rename or recolour a tag; with ``expected_version``, one changed since is refused
    (Conflict) and nothing changes."""
    _require_manager(actor)
    tag = await Tag.get_or_none(id=tag_id)
    if tag is None:
        raise NotFound("Tag was not found.", field="id")
    versions.check(tag, expected_version, what=N_("This tag"))
    checks = Checks()
    name_, color_ = _checked(checks, name, color)
    if name_ and "name" not in checks.errors:
        await _name_taken(checks, name_, other_than=tag.id)
    checks.raise_if_any()
    if name_ is not None:
        tag.name, tag.name_key = name_, _key(name_)
    if color_ is not None:
        tag.color = color_
    try:
        await versions.save(
            tag, expected_version, what=N_("This tag"), update_fields=["name", "name_key", "color"]
        )
    except IntegrityError:
        raise ValidationFailed.single(
            "name", Msg("A tag named {name} exists already.", name=repr(name_))
        ) from None
    return tag


async def delete_tag(*, actor: Actor | None, tag_id: int) -> Tag:
    """Deletes the tag and takes it off every ticket (without an audit entry per ticket)."""
    _require_manager(actor)
    tag = await Tag.get_or_none(id=tag_id)
    if tag is None:
        raise NotFound("Tag was not found.", field="id")
    await tag.delete()
    return tag


async def tags_of(ticket_ids: Sequence[int]) -> list[list[Tag]]:
    """Each ticket's tags by name, for all of ``ticket_ids`` in one query."""
    return await linked_to_tickets(
        TicketTag, "tag", Tag, ticket_ids, lambda tag: (tag.name_key, tag.id)
    )


async def existing_tags(tag_ids: Sequence[int]) -> list[Tag]:
    wanted = sorted(set(tag_ids))
    if not wanted:
        raise ValidationFailed.single("tagIds", "Name at least one tag.")
    if len(wanted) > MAX_TAGS_PER_TICKET:
        raise ValidationFailed.single(
            "tagIds", Msg("Name at most {n} tags at a time.", n=MAX_TAGS_PER_TICKET)
        )
    found = await Tag.filter(id__in=wanted).order_by("name_key")
    if len(found) != len(wanted):
        raise ValidationFailed.single("tagIds", "Choose tags that exist.")
    return list(found)


async def change_ticket_tags(
    *,
    actor: Actor | None,
    number: int,
    add: Sequence[int] = (),
    remove: Sequence[int] = (),
) -> Ticket:
    """Adds ``add`` and removes ``remove`` from the ticket's tags, as one audited change (its
    ``tags`` entry holds the names before and after). Tags already on (or already off) are
    no change; with no change at all, nothing is written."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_tag_ticket(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    if not add and not remove:
        raise ValidationFailed.single("tagIds", "Name at least one tag.")
    adding = await existing_tags(add) if add else []
    removing = await existing_tags(remove) if remove else []
    async with ticket_changes() as change:
        connection = change.connection
        ticket = await change.lock(ticket.id)
        # Moved meanwhile: the actor's access is checked where it is now.
        if not policy.can_tag_ticket(actor, ticket):
            raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
        if not await retag(connection, actor, ticket, adding, removing):
            ticket.version -= 1
            return ticket
        # The last activity stays: it is what clients sort by, and tags are not theirs to see.
        await change.save(ticket)
        change.emit(
            event_for(
                ticket, EventType.UPDATED, actor=actor.user_id, changes=("tags",), internal=True
            )
        )
    return ticket


async def retag(
    connection: BaseDBAsyncClient,
    actor: Actor,
    ticket: Ticket,
    adding: Sequence[Tag],
    removing: Sequence[Tag],
) -> bool:
    """Inside the caller's change transaction (``ticket`` locked): add and remove these tags
    with one audit entry (its ``tags`` entry holds the names before and after). Returns
    whether anything changed."""
    links = await TicketTag.filter(ticket_id=ticket.id).using_db(connection).select_related("tag")
    before = {link.tag_id: link.tag for link in links}
    after = dict(before)
    for tag in adding:
        after[tag.id] = tag
    for tag in removing:
        after.pop(tag.id, None)
    if len(after) > MAX_TAGS_PER_TICKET:
        raise ValidationFailed.single(
            "tagIds",
            Msg("A ticket carries at most {n} tags; remove one first.", n=MAX_TAGS_PER_TICKET),
        )
    if after.keys() == before.keys():
        return False
    new_ids = [i for i in after if i not in before]
    gone_ids = [i for i in before if i not in after]
    if new_ids:
        try:
            await TicketTag.bulk_create(
                [TicketTag(ticket_id=ticket.id, tag_id=i) for i in new_ids],
                using_db=connection,
            )
        except IntegrityError:  # a tag deleted meanwhile: the transaction rolls back
            raise ValidationFailed.single("tagIds", "Choose tags that exist.") from None
    if gone_ids:
        await (
            TicketTag.filter(ticket_id=ticket.id, tag_id__in=gone_ids).using_db(connection).delete()
        )
    await audit.record(
        connection,
        actor=actor,
        ticket=ticket,
        field="tags",
        old=_names(before.values()),
        new=_names(after.values()),
    )
    return True


def _names(tags: object) -> str | None:
    """The tags as the audit trail shows them: names by name, comma-separated (cut to fit)."""
    names = sorted((tag.name for tag in tags), key=_key)  # type: ignore[attr-defined]
    if not names:
        return None
    text = ", ".join(names)
    return text if len(text) <= 255 else text[:254] + "…"
