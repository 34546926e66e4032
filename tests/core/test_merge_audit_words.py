"""A merge's audit entries read as what happened ("merged ticket #1001 into this one"), not as
a change "from — to #1001": in the API's words (a Conflict naming the changes since) in English
and German."""

from __future__ import annotations

from app.services import merge
from tests.core.helpers import open_as

VERSION = "query($n: Int!) { ticket(number: $n) { version } }"
UPDATE = """mutation($n: Int!, $v: Int) {
  updateTicket(input: {number: $n, priority: HIGH, expectedVersion: $v}) {
    __typename ... on Error { code field message } } }"""
PROFILE = """mutation($l: String) { updateProfile(language: $l) { __typename } }"""


async def test_a_conflict_names_a_merge_in_words_in_english_and_german(gql, world):  # type: ignore[no-untyped-def]
    keep = await open_as(world.client_a, world.dept_x, subject="Printer jam")
    duplicate = await open_as(world.client_a, world.dept_x, subject="Printer jam again")
    token = world.staff_x.token
    seen = {
        n: (await gql.data(VERSION, {"n": n}, token=token))["ticket"]["version"]
        for n in (keep.number, duplicate.number)
    }
    await merge.merge_tickets(
        actor=world.staff_x.actor, source=duplicate.number, target=keep.number
    )
    await gql.data(PROFILE, {"l": "de"}, token=world.admin.token)
    expected = {
        (token, keep.number): f"Xavier Staff merged ticket #{duplicate.number} into this one",
        (token, duplicate.number): f"Xavier Staff merged this ticket into #{keep.number}",
        (world.admin.token, keep.number): (
            f"Xavier Staff hat Ticket #{duplicate.number} mit diesem zusammengeführt"
        ),
        (world.admin.token, duplicate.number): (
            f"Xavier Staff hat dieses Ticket mit #{keep.number} zusammengeführt"
        ),
    }
    for (who, n), words in expected.items():
        answer = (await gql.data(UPDATE, {"n": n, "v": seen[n]}, token=who))["updateTicket"]
        assert (answer["code"], answer["field"]) == ("CONFLICT", "expectedVersion"), answer
        assert words in answer["message"], answer["message"]
        assert "Merged in" not in answer["message"] and "Hineingeführt" not in answer["message"]
