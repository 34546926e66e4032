"""A page of tickets' tags and current ratings, read together: one statement where a list
page asks for both (the staff list does), instead of one each.

The statement is written here once per dialect and number of tickets: the tags joined through
their link rows, then ``UNION ALL`` the current ratings, each branch padding the other's
columns with NULLs (a row is a tag's when its tag id is not null). Rows are decoded by plan
(``app.services.rows``) into the models the loaders would have given."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from app.models import Tag, TicketRating, TicketTag
from app.services.ratings import current_ratings
from app.services.rows import loaded, plan_of
from app.services.tags import tags_of


async def tags_and_ratings(
    ticket_ids: Sequence[int], *, tags: bool, ratings: bool
) -> tuple[list[list[Tag]] | None, list[TicketRating | None] | None]:
    """Each ticket's tags by name (if ``tags``) and current rating (if ``ratings``); None for
    what was not asked. Callers decide by the policy whether the viewer sees them."""
    if not ticket_ids or not (tags and ratings):
        return (
            await tags_of(ticket_ids) if tags else None,
            await current_ratings(ticket_ids) if ratings else None,
        )
    db = TicketRating._meta.db
    postgres = db.capabilities.dialect == "postgres"
    sql = _statement(postgres, len(ticket_ids))
    params = list(ticket_ids) if postgres else [*ticket_ids, *ticket_ids]
    _, found = await db.execute_query(sql, params)
    tag_columns, tag_plan = plan_of(Tag)
    _, rating_plan = plan_of(TicketRating)
    rating_start = 1 + len(tag_columns)
    tag_id_at = 1 + tag_columns.index("id")  # never null in a tag's row, always in a rating's
    grouped: dict[int, list[Tag]] = defaultdict(list)
    current: dict[int, TicketRating] = {}
    for row in cast(Sequence[Sequence[Any]], found):
        if row[tag_id_at] is not None:
            grouped[row[0]].append(loaded(Tag, tag_plan, row, 1, partial=False))
        else:
            current[row[0]] = loaded(TicketRating, rating_plan, row, rating_start, partial=False)
    for found_tags in grouped.values():
        found_tags.sort(key=lambda tag: (tag.name_key, tag.id))
    return [grouped[i] for i in ticket_ids], [current.get(i) for i in ticket_ids]


@functools.cache
def _statement(postgres: bool, count: int) -> str:
    """The tags' branch, then the ratings'; PostgreSQL reads both branches' ids from the same
    numbered parameters, SQLite's ``?`` take them twice."""
    tag_columns = [Tag._meta.fields_db_projection[c] for c in plan_of(Tag)[0]]
    rating_columns = [TicketRating._meta.fields_db_projection[c] for c in plan_of(TicketRating)[0]]
    marks = ", ".join(f"${i}" for i in range(1, count + 1)) if postgres else ", ".join("?" * count)
    link, tags, ratings = (
        TicketTag._meta.db_table,
        Tag._meta.db_table,
        TicketRating._meta.db_table,
    )
    tag_values = ", ".join([*(f'g."{c}"' for c in tag_columns), *("NULL" for _ in rating_columns)])
    rating_values = ", ".join(
        [*("NULL" for _ in tag_columns), *(f'r."{c}"' for c in rating_columns)]
    )
    current = "TRUE" if postgres else "1"
    return (
        f'SELECT l."ticket_id", {tag_values} '
        f'FROM "{link}" l JOIN "{tags}" g ON g."id" = l."tag_id" '
        f'WHERE l."ticket_id" IN ({marks}) '
        f'UNION ALL SELECT r."ticket_id", {rating_values} '
        f'FROM "{ratings}" r WHERE r."ticket_id" IN ({marks}) AND r."current" = {current}'
    )
