"""Tags: admins manage them, staff who work a ticket add and remove them (audited, versioned),
the list filters by any or all of them, and clients never see or filter by them."""

from __future__ import annotations

import logging

import pytest
from helpers import open_as

from app.models import AuditEntry, Tag, Ticket, TicketTag
from app.services import tags as tag_service
from app.services.tags import MAX_TAGS

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]

TAG_FIELDS = """__typename ... on Tag { id name color }
  ... on Error { message code field } ... on ValidationError { fieldErrors { field message } }"""
CREATE = f"mutation($input: TagInput!) {{ createTag(input: $input) {{ {TAG_FIELDS} }} }}"
UPDATE = f"mutation($input: UpdateTagInput!) {{ updateTag(input: $input) {{ {TAG_FIELDS} }} }}"
DELETE = f"mutation($id: ID!) {{ deleteTag(id: $id) {{ {TAG_FIELDS} }} }}"
TAGS = "{ tags { id name color } }"
TICKET_FIELDS = """__typename ... on Ticket { number version tags { name color } }
  ... on Error { message code field } ... on ValidationError { fieldErrors { field message } }"""
ADD = f"""mutation($number: Int!, $tagIds: [ID!]!) {{
  addTicketTags(number: $number, tagIds: $tagIds) {{ {TICKET_FIELDS} }} }}"""
REMOVE = f"""mutation($number: Int!, $tagIds: [ID!]!) {{
  removeTicketTags(number: $number, tagIds: $tagIds) {{ {TICKET_FIELDS} }} }}"""
TICKET = """query($number: Int!) { ticket(number: $number) { number version tags { name }
  auditTrail { edges { node { field oldValue newValue actor { name } } } } } }"""
LIST = """query($filter: TicketFilter, $first: Int, $after: String) {
  tickets(filter: $filter, first: $first, after: $after, sort: {field: NUMBER, direction: ASC}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { number tags { name } } } } }"""


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


async def make_tag(world, name: str, color: str = "#336699") -> Tag:
    return await tag_service.create_tag(actor=world.admin.actor, name=name, color=color)


@pytest.fixture
async def ticket(world) -> Ticket:
    return await open_as(world.client_a, world.dept_x, subject="Printer on fire")


# Managing tags -------------------------------------------------------------------------------


async def test_admin_creates_renames_recolours_and_deletes_a_tag(gql, world):
    created = await gql.data(
        CREATE, {"input": {"name": " Urgent ", "color": "#FF0000"}}, token=world.admin.token
    )
    tag = created["createTag"]
    assert tag["__typename"] == "Tag"
    assert (tag["name"], tag["color"]) == ("Urgent", "#ff0000")
    updated = await gql.data(
        UPDATE, {"input": {"id": tag["id"], "name": "Very urgent"}}, token=world.admin.token
    )
    assert updated["updateTag"]["name"] == "Very urgent"
    assert updated["updateTag"]["color"] == "#ff0000"
    recoloured = await gql.data(
        UPDATE, {"input": {"id": tag["id"], "color": "#00ff00"}}, token=world.admin.token
    )
    assert recoloured["updateTag"]["color"] == "#00ff00"
    listed = await gql.data(TAGS, token=world.staff_x.token)
    assert listed["tags"] == [{"id": tag["id"], "name": "Very urgent", "color": "#00ff00"}]
    deleted = await gql.data(DELETE, {"id": tag["id"]}, token=world.admin.token)
    assert deleted["deleteTag"]["__typename"] == "Tag"
    assert await Tag.all().count() == 0


@pytest.mark.parametrize("persona", ["anonymous", "client_a", "client_b", "staff_x", "staff_y"])
async def test_only_admins_manage_tags(gql, world, persona):
    tag = await make_tag(world, "Billing")
    token = token_of(world, persona)
    code = "NOT_AUTHENTICATED" if persona == "anonymous" else "PERMISSION_DENIED"
    created = await gql.data(CREATE, {"input": {"name": "X", "color": "#000000"}}, token=token)
    assert created["createTag"]["__typename"] == "PermissionDenied"
    assert created["createTag"]["code"] == code
    updated = await gql.data(UPDATE, {"input": {"id": str(tag.id), "name": "Y"}}, token=token)
    assert updated["updateTag"]["__typename"] == "PermissionDenied"
    deleted = await gql.data(DELETE, {"id": str(tag.id)}, token=token)
    assert deleted["deleteTag"]["__typename"] == "PermissionDenied"
    assert [(t.name, t.color) for t in await Tag.all()] == [("Billing", "#336699")]


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_lists_tags(gql, world, persona):
    await make_tag(world, "Billing")
    data = await gql.data(TAGS, token=token_of(world, persona))
    names = [t["name"] for t in data["tags"]]
    assert names == (["Billing"] if persona in ("staff_x", "staff_y", "admin") else [])


@pytest.mark.parametrize(
    ("name", "color", "field"),
    [
        ("", "#112233", "name"),
        ("   ", "#112233", "name"),
        ("x" * 41, "#112233", "name"),
        ("Fine", "red", "color"),
        ("Fine", "#12345", "color"),
        ("Fine", "#1234567", "color"),
        ("Fine", "#12345g", "color"),
        ("billing", "#112233", "name"),  # taken, ignoring case
        ("BILLING", "#112233", "name"),
    ],
)
async def test_bad_tags_are_refused_and_change_nothing(gql, world, name, color, field):
    await make_tag(world, "Billing")
    data = await gql.data(
        CREATE, {"input": {"name": name, "color": color}}, token=world.admin.token
    )
    result = data["createTag"]
    assert result["__typename"] == "ValidationError", result
    assert field in {e["field"] for e in result["fieldErrors"]}
    assert await Tag.all().count() == 1


async def test_a_name_of_forty_characters_is_fine(gql, world):
    data = await gql.data(
        CREATE, {"input": {"name": "é" * 40, "color": "#112233"}}, token=world.admin.token
    )
    assert data["createTag"]["name"] == "é" * 40


async def test_control_characters_are_refused(gql, world):
    body = await gql(
        CREATE, {"input": {"name": "bad\x07", "color": "#112233"}}, token=world.admin.token
    )
    assert body.get("errors") or body["data"]["createTag"]["__typename"] == "ValidationError"
    assert await Tag.all().count() == 0


async def test_renaming_onto_another_tags_name_is_refused(gql, world):
    await make_tag(world, "Billing")
    other = await make_tag(world, "Sales")
    data = await gql.data(
        UPDATE, {"input": {"id": str(other.id), "name": "BILLING"}}, token=world.admin.token
    )
    assert data["updateTag"]["__typename"] == "ValidationError"
    assert (await Tag.get(id=other.id)).name == "Sales"
    same = await gql.data(
        UPDATE, {"input": {"id": str(other.id), "name": "SALES"}}, token=world.admin.token
    )
    assert same["updateTag"]["name"] == "SALES"


async def test_missing_tag_is_not_found(gql, world):
    data = await gql.data(UPDATE, {"input": {"id": "999", "name": "Y"}}, token=world.admin.token)
    assert data["updateTag"]["__typename"] == "NotFound"
    data = await gql.data(DELETE, {"id": "999"}, token=world.admin.token)
    assert data["deleteTag"]["__typename"] == "NotFound"


async def test_tags_are_capped(gql, world):
    await Tag.bulk_create(
        [
            Tag(
                name=f"t{i}",
                name_key=f"t{i}",
                color="#000000",
                created_at=world.admin.user.created_at,
            )
            for i in range(MAX_TAGS)
        ]
    )
    data = await gql.data(
        CREATE, {"input": {"name": "one more", "color": "#000000"}}, token=world.admin.token
    )
    result = data["createTag"]
    assert result["__typename"] == "ValidationError"
    assert str(MAX_TAGS) in result["fieldErrors"][0]["message"]
    assert await Tag.all().count() == MAX_TAGS
    listed = await gql.data(TAGS, token=world.admin.token)
    assert len(listed["tags"]) == MAX_TAGS


# Tagging tickets -----------------------------------------------------------------------------


async def test_staff_add_and_remove_tags_audited_and_versioned(gql, world, ticket):
    urgent = await make_tag(world, "Urgent", "#ff0000")
    vip = await make_tag(world, "vip", "#00ff00")
    added = await gql.data(
        ADD,
        {"number": ticket.number, "tagIds": [str(urgent.id), str(vip.id)]},
        token=world.staff_x.token,
    )
    result = added["addTicketTags"]
    assert result["__typename"] == "Ticket"
    assert result["tags"] == [
        {"name": "Urgent", "color": "#ff0000"},
        {"name": "vip", "color": "#00ff00"},
    ]
    assert result["version"] == ticket.version + 1
    again = await gql.data(
        ADD, {"number": ticket.number, "tagIds": [str(urgent.id)]}, token=world.staff_x.token
    )
    assert again["addTicketTags"]["version"] == ticket.version + 1, "no change, no new version"
    removed = await gql.data(
        REMOVE, {"number": ticket.number, "tagIds": [str(urgent.id)]}, token=world.admin.token
    )
    assert removed["removeTicketTags"]["tags"] == [{"name": "vip", "color": "#00ff00"}]
    assert removed["removeTicketTags"]["version"] == ticket.version + 2
    seen = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    trail = [e["node"] for e in seen["ticket"]["auditTrail"]["edges"]]
    assert trail == [
        {
            "field": "tags",
            "oldValue": None,
            "newValue": "Urgent, vip",
            "actor": {"name": "Xavier Staff"},
        },
        {
            "field": "tags",
            "oldValue": "Urgent, vip",
            "newValue": "vip",
            "actor": {"name": "Ada Admin"},
        },
    ]
    versions = [
        e.ticket_version for e in await AuditEntry.filter(ticket_id=ticket.id).order_by("id")
    ]
    assert versions == [ticket.version + 1, ticket.version + 2]


@pytest.mark.parametrize("persona", ["anonymous", "client_a", "client_b", "staff_y"])
async def test_others_cannot_tag_a_ticket(gql, world, ticket, persona):
    tag = await make_tag(world, "Urgent")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    other = await make_tag(world, "Other")
    token = token_of(world, persona)
    expected = "PermissionDenied" if persona == "anonymous" else "NotFound"
    added = await gql.data(ADD, {"number": ticket.number, "tagIds": [str(other.id)]}, token=token)
    assert added["addTicketTags"]["__typename"] == expected
    removed = await gql.data(
        REMOVE, {"number": ticket.number, "tagIds": [str(tag.id)]}, token=token
    )
    assert removed["removeTicketTags"]["__typename"] == expected
    missing = await gql.data(ADD, {"number": 99999, "tagIds": [str(other.id)]}, token=token)
    assert missing["addTicketTags"]["__typename"] == expected
    if expected == "NotFound":
        assert missing["addTicketTags"]["message"].replace("99999", "N") == added["addTicketTags"][
            "message"
        ].replace(str(ticket.number), "N"), "a hidden ticket must look like a missing one"
    assert [link.tag_id for link in await TicketTag.filter(ticket_id=ticket.id)] == [tag.id]
    assert (await Ticket.get(id=ticket.id)).version == ticket.version + 1


@pytest.mark.parametrize("tag_ids", [[], ["999"], ["abc"], ["0"], [str(i) for i in range(1, 60)]])
async def test_bad_tag_ids_are_refused(gql, world, ticket, tag_ids):
    await make_tag(world, "Urgent")
    data = await gql.data(
        ADD, {"number": ticket.number, "tagIds": tag_ids}, token=world.staff_x.token
    )
    result = data["addTicketTags"]
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "tagIds" or result["fieldErrors"][0]["field"] == "tagIds"
    assert await TicketTag.all().count() == 0
    assert (await Ticket.get(id=ticket.id)).version == ticket.version


async def test_deleting_a_tag_takes_it_off_tickets(gql, world, ticket):
    tag = await make_tag(world, "Urgent")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    await gql.data(DELETE, {"id": str(tag.id)}, token=world.admin.token)
    seen = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    assert seen["ticket"]["tags"] == []


# Clients never see tags ---------------------------------------------------------------------


async def test_clients_never_see_tags(gql, world, ticket):
    tag = await make_tag(world, "Difficult client")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    own = await gql.data(TICKET, {"number": ticket.number}, token=world.client_a.token)
    assert own["ticket"]["tags"] == []
    assert own["ticket"]["auditTrail"]["edges"] == []
    listed = await gql.data(LIST, {}, token=world.client_a.token)
    assert [e["node"]["tags"] for e in listed["tickets"]["edges"]] == [[]]
    staff = await gql.data(LIST, {}, token=world.staff_x.token)
    assert [e["node"]["tags"] for e in staff["tickets"]["edges"]] == [
        [{"name": "Difficult client"}]
    ]


TAG_SEEN = {
    "anonymous": None,
    "client_a": [],
    "client_b": None,
    "staff_x": [{"name": "Difficult client"}],
    "staff_y": None,
    "admin": [{"name": "Difficult client"}],
}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_sees_a_tickets_tags(gql, world, ticket, persona):
    tag = await make_tag(world, "Difficult client")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    token = token_of(world, persona)
    one = await gql.data(TICKET, {"number": ticket.number}, token=token)
    expected = TAG_SEEN[persona]
    assert (one["ticket"]["tags"] if one["ticket"] else None) == expected
    if persona == "anonymous":
        return
    listed = await gql.data(LIST, {}, token=token)
    tags_in_list = [e["node"]["tags"] for e in listed["tickets"]["edges"]]
    assert tags_in_list == ([] if expected is None else [expected])


@pytest.mark.parametrize("persona", ["client_a", "client_b"])
async def test_a_client_filtering_by_tag_is_refused(gql, world, ticket, persona):
    """Refused whether or not their tickets carry the tag: the answer tells nothing."""
    tag = await make_tag(world, "Difficult client")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    for tag_id in (str(tag.id), "999"):
        body = await gql(LIST, {"filter": {"tags": [tag_id]}}, token=token_of(world, persona))
        assert body["data"] is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "VALIDATION_ERROR", error
        assert "staff" in error["message"].lower()


# The list filter ----------------------------------------------------------------------------


@pytest.fixture
async def tagged(world):
    """Six tickets in department X: numbers by index; a on 0-3, b on 2-5, c on none."""
    a = await make_tag(world, "a")
    b = await make_tag(world, "b")
    c = await make_tag(world, "c")
    opened = [await open_as(world.client_a, world.dept_x, subject=f"T{i}") for i in range(6)]
    other = await open_as(world.client_b, world.dept_y, subject="elsewhere")
    for i, t in enumerate(opened):
        add = ([a.id] if i < 4 else []) + ([b.id] if i >= 2 else [])
        await tag_service.change_ticket_tags(actor=world.admin.actor, number=t.number, add=add)
    await tag_service.change_ticket_tags(
        actor=world.admin.actor, number=other.number, add=[a.id, b.id]
    )
    return {"a": a, "b": b, "c": c, "numbers": [t.number for t in opened], "other": other.number}


async def _all_pages(gql, token, flt, first=2):
    numbers, after = [], None
    while True:
        data = await gql.data(LIST, {"filter": flt, "first": first, "after": after}, token=token)
        page = data["tickets"]
        numbers += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return numbers, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def test_filter_any_and_all_with_pagination(gql, world, tagged):
    a, b, c, n = str(tagged["a"].id), str(tagged["b"].id), str(tagged["c"].id), tagged["numbers"]
    token = world.staff_x.token
    assert await _all_pages(gql, token, {"tags": [a]}) == (n[0:4], 4)
    assert await _all_pages(gql, token, {"tags": [a, b]}) == (n, 6)
    assert await _all_pages(gql, token, {"tags": [a, b], "tagsMatch": "ANY"}) == (n, 6)
    assert await _all_pages(gql, token, {"tags": [a, b], "tagsMatch": "ALL"}) == (n[2:4], 2)
    assert await _all_pages(gql, token, {"tags": [a, c], "tagsMatch": "ALL"}) == ([], 0)
    assert await _all_pages(gql, token, {"tags": [c]}) == ([], 0)
    # Staff Y sees only their department's ticket; the admin every one.
    assert await _all_pages(gql, world.staff_y.token, {"tags": [a]}) == ([tagged["other"]], 1)
    everything = await _all_pages(gql, world.admin.token, {"tags": [a, b], "tagsMatch": "ALL"})
    assert everything == ([*n[2:4], tagged["other"]], 3)


async def test_filter_by_tag_with_search(gql, world, tagged):
    a, n = str(tagged["a"].id), tagged["numbers"]
    data = await gql.data(
        LIST, {"filter": {"tags": [a], "search": "T3"}}, token=world.staff_x.token
    )
    assert [e["node"]["number"] for e in data["tickets"]["edges"]] == [n[3]]


@pytest.mark.parametrize("tags", [["abc"], [str(i) for i in range(1, 60)]])
async def test_bad_tag_filters_are_refused(gql, world, tags):
    body = await gql(LIST, {"filter": {"tags": tags}}, token=world.staff_x.token)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


class _CountSql(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if '"outbox"' not in text and " outbox " not in text:
            self.count += 1


async def _statements(gql, token, flt, first) -> int:
    logger = logging.getLogger("tortoise.db_client")
    handler = _CountSql()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        data = await gql.data(LIST, {"filter": flt, "first": first}, token=token)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert len(data["tickets"]["edges"]) == first
    return handler.count


async def test_a_pages_tags_load_in_one_query(gql, world, tagged):
    a, b = str(tagged["a"].id), str(tagged["b"].id)
    # The first request also looks the token up (then its actor is cached): not counted.
    await _statements(gql, world.admin.token, {"tags": [a, b]}, 1)
    small = await _statements(gql, world.admin.token, {"tags": [a, b]}, 2)
    large = await _statements(gql, world.admin.token, {"tags": [a, b]}, 7)
    assert small == large
    # the tickets, the capped count and the page's tags
    assert large <= 5, large


async def test_a_ticket_carries_at_most_the_limit_of_tags(gql, world, ticket):
    from app.services.tags import MAX_TAGS_PER_TICKET

    made = [await make_tag(world, f"t{i}") for i in range(MAX_TAGS_PER_TICKET + 1)]
    ids = [str(t.id) for t in made]
    full = await gql.data(
        ADD, {"number": ticket.number, "tagIds": ids[:-1]}, token=world.staff_x.token
    )
    assert len(full["addTicketTags"]["tags"]) == MAX_TAGS_PER_TICKET
    over = await gql.data(
        ADD, {"number": ticket.number, "tagIds": ids[-1:]}, token=world.staff_x.token
    )
    result = over["addTicketTags"]
    assert result["__typename"] == "ValidationError"
    assert str(MAX_TAGS_PER_TICKET) in result["message"] + str(result["fieldErrors"])
    assert await TicketTag.filter(ticket_id=ticket.id).count() == MAX_TAGS_PER_TICKET
