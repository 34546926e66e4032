"""A number typed among words is also a word of the subject: "Generated request 42" finds the
ticket whose subject says so, whatever ticket has the number 42."""

from __future__ import annotations

from datetime import timedelta

from tests.core.helpers import open_as
from tests.core.test_search_terms import found


async def test_a_number_among_words_is_found_in_the_subject(gql, world, frozen_clock):
    opened = []
    for i in range(30):
        opened.append(
            await open_as(world.client_a, world.dept_x, f"Generated request {i + 4000}", "Body")
        )
        frozen_clock.advance(timedelta(seconds=1))
    target = opened[7]
    assert await found(gql, world.staff_x, "Generated request 4007") == [target.number]
    assert await found(gql, world.admin, "generated 4007") == [target.number]
