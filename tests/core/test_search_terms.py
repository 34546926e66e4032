"""A search's words each on their own: a ticket is found when every word (a "phrase" as one)
is somewhere the searcher may see in it (number, subject, a message, a note for staff, the
client's name or address), and ``-word`` leaves out every ticket that has the word anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.helpers import note_as, open_as
from tests.core.test_search import find, numbers


@pytest.fixture
async def desk(world, frozen_clock):
    """Alice's printer ticket (support) with a note, Bob's invoice ticket (billing)."""
    printer = await open_as(
        world.client_a, world.dept_x, "Printer jammed", "The paper keeps jamming in tray two."
    )
    await note_as(world.staff_x, printer, "Vendor case zanzibar opened with the manufacturer")
    frozen_clock.advance(timedelta(minutes=1))
    invoice = await open_as(
        world.client_b, world.dept_y, "Invoice question", "Why was I charged twice in March?"
    )
    return printer, invoice


async def found(gql, person, text) -> list[int]:
    page = await find(gql, person, text, sort={"field": "NUMBER", "direction": "ASC"})
    assert page["totalCount"] == len(page["edges"]), text
    relevance = await find(gql, person, text, sort={"field": "RELEVANCE"})
    assert sorted(numbers(relevance)) == numbers(page), text
    return numbers(page)


async def test_words_are_found_in_different_places(gql, world, desk):
    printer, _ = desk
    for text in [
        "alice tray",  # the client's name and a message
        "printer tray",  # the subject and a message
        "printer paper jamming",
        f"#{printer.number} tray",  # the number and a message
        "alice@example printer",
        '"keeps jamming" printer',  # a phrase as one term
        "zanzibar printer",  # a note, for staff
    ]:
        assert await found(gql, world.staff_x, text) == [printer.number], text
    for text in ["printer march", '"jamming keeps" printer', "alice bob", "zanzibar nowhere"]:
        assert await found(gql, world.staff_x, text) == [], text


async def test_a_client_never_finds_by_a_note(gql, world, desk):
    printer, _ = desk
    assert await found(gql, world.client_a, "printer tray") == [printer.number]
    assert await found(gql, world.client_a, "zanzibar printer") == []
    assert await found(gql, world.client_a, "printer -zanzibar") == [printer.number]
    assert await found(gql, world.staff_x, "printer -zanzibar") == []


async def test_a_left_out_word_leaves_out_the_ticket_wherever_it_is(
    gql,
    world,
    desk,
    frozen_clock,
):
    printer, _ = desk
    frozen_clock.advance(timedelta(minutes=1))
    alices = await open_as(world.client_a, world.dept_y, "Alice's zebrafish", "Tank heater")
    frozen_clock.advance(timedelta(minutes=1))
    bobs = await open_as(world.client_b, world.dept_y, "Zebrafish food", "Which flakes?")
    assert await found(gql, world.admin, "zebrafish") == [alices.number, bobs.number]
    assert await found(gql, world.admin, "zebrafish -alice") == [bobs.number]  # her name
    assert await found(gql, world.admin, "zebrafish -heater") == [bobs.number]  # a message
    assert await found(gql, world.admin, "zebrafish -food") == [alices.number]  # a subject
    assert await found(gql, world.admin, f"zebrafish -{bobs.number}") == [alices.number]
    assert await found(gql, world.admin, 'zebrafish -"tank heater"') == [bobs.number]
    assert await found(gql, world.admin, "zebrafish -alice or tray") == [
        printer.number,
        bobs.number,
    ]
    assert await found(gql, world.admin, "-zebrafish") == []


@pytest.mark.parametrize("text", ["the printer", "printer the"])
async def test_words_nobody_searches_for_do_not_hide_a_ticket(gql, world, desk, text):
    printer, _ = desk
    assert await found(gql, world.admin, text) == [printer.number]
